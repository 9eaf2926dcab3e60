"""Lexical sparse vectors for Indonesian text, computed locally (no model needed).

Tokens are stemmed with Sastrawi (Nazief-Adriani), so "kerusuhan", "rusuh" and "ricuh" variants of one
root meet; indices come from a stable hash of each stem (CRC-32, so every process and every restart
agrees); values are term frequencies, and Qdrant applies IDF itself (Modifier.IDF) over the live
collection.
"""

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

_TOKEN = re.compile(r"[a-z0-9]+")

# Function words carry no topic; keeping them would only add noise to the dot product.
_STOPWORDS_TEXT = """
    ada adalah agar akan aku anda antara apa atas atau bagi bahwa baik banyak beberapa belum
    berbagai bisa dalam dan dapat dari demikian dengan di dia hal hingga ia ini itu jika juga
    kami kamu karena ke kepada kita lain lagi lebih maka mereka masih mau namun oleh pada para
    saat sama sampai sangat saja sebagai sebuah secara sedang sehingga sejak sekitar selama
    seluruh semua sendiri serta setelah sudah supaya tanpa telah tentang terhadap tersebut tetapi
    tidak untuk yaitu yakni yang
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# Enclitics and particles glued to a word ("keluarganya", "segeralah"), removed before stemming for
# words the stemmer leaves alone (names of places, acronyms).
_SUFFIXES = ("nya", "lah", "kah", "pun")

# Bounded: Sastrawi's own CachedStemmer keeps every word it has ever seen, which grows without limit
# in a long-running service that reads arbitrary reports.
STEM_CACHE_SIZE = 65_536


@dataclass(frozen=True)
class Sparse:
    """A sparse vector: sorted unique indices and their values."""

    indices: list[int]
    values: list[float]


@cache
def _stemmer() -> Any:
    words = StemmerFactory().get_words_from_file()
    return Stemmer(ArrayDictionary(words))


def is_root_word(word: str) -> bool:
    """Whether `word` (lower case) is in the Indonesian root-word dictionary shipped with Sastrawi."""
    return bool(_stemmer().get_dictionary().contains(word))


def normalise(text: str) -> str:
    """Lower-case and strip accents; punctuation and hyphens become token boundaries in `tokenise`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _strip_suffix(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(token: str) -> str:
    """The root of one lower-case token ("pelarian" → "lari"); digits and short tokens stay as they are."""
    if len(token) <= 3 or not token.isalpha():
        return token
    root = str(_stemmer().stem_word(token))
    if root and root != token:
        return root
    return _strip_suffix(token)


def tokenise(text: str) -> list[str]:
    """Content terms of a text, in order: normalised, stop words dropped, stemmed."""
    terms = (stem(t) for t in _TOKEN.findall(normalise(text)) if t not in STOPWORDS)
    return [t for t in terms if len(t) > 1 and t not in STOPWORDS]


def token_index(token: str) -> int:
    """A stable uint32 index for a token."""
    return zlib.crc32(token.encode("utf-8")) & 0xFFFFFFFF


def sparse_vector(text: str) -> Sparse:
    """Term-frequency sparse vector of `text`; hash collisions add up rather than duplicate an index."""
    counts: Counter[int] = Counter(token_index(t) for t in tokenise(text))
    indices = sorted(counts)
    return Sparse(indices=indices, values=[float(counts[i]) for i in indices])
