"""Lexical sparse vectors for Indonesian text, computed locally.

Indices come from a stable hash of each token (CRC-32, so every process and every restart agrees),
values are term frequencies; Qdrant applies IDF itself (Modifier.IDF), over the live collection.
"""

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

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

# Enclitics and particles glued to a word ("keluarganya", "segeralah") hide the word from a match.
_SUFFIXES = ("nya", "lah", "kah", "pun")


@dataclass(frozen=True)
class Sparse:
    """A sparse vector: sorted unique indices and their values."""

    indices: list[int]
    values: list[float]


def normalise(text: str) -> str:
    """Lower-case and strip accents; punctuation and hyphens become token boundaries in `tokenise`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _strip_suffix(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def tokenise(text: str) -> list[str]:
    """Content tokens of a text, in order."""
    tokens = (_strip_suffix(t) for t in _TOKEN.findall(normalise(text)))
    return [t for t in tokens if len(t) > 1 and t not in STOPWORDS]


def token_index(token: str) -> int:
    """A stable uint32 index for a token."""
    return zlib.crc32(token.encode("utf-8")) & 0xFFFFFFFF


def sparse_vector(text: str) -> Sparse:
    """Term-frequency sparse vector of `text`; hash collisions add up rather than duplicate an index."""
    counts: Counter[int] = Counter(token_index(t) for t in tokenise(text))
    indices = sorted(counts)
    return Sparse(indices=indices, values=[float(counts[i]) for i in indices])
