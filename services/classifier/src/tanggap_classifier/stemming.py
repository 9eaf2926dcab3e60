"""Indonesian stemming (PySastrawi), cached per process.

Sastrawi strips the affixes of a word down to a dictionary root ("penganiayaan", "dianiaya" →
"aniaya"; "melarikan", "pelarian" → "lari"). It is slow on a word it has not seen (tens of
microseconds to milliseconds), and report texts repeat the same few thousand words, so each process
keeps a bounded LRU cache of stems. Sastrawi's own cache is unbounded, so we call its stemmer directly.
"""

from collections.abc import Callable
from functools import lru_cache

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

CACHE_SIZE = 50_000
MIN_LENGTH = 4  # shorter words ("hp", "api", "bom") are roots or abbreviations already

_stem_word: Callable[[str], str] | None = None


def _stemmer() -> Callable[[str], str]:
    global _stem_word
    if _stem_word is None:
        # The factory reads Sastrawi's ~30k-word dictionary once (~25 ms).
        _stem_word = StemmerFactory().create_stemmer().delegatedStemmer.stem_word
    return _stem_word


@lru_cache(maxsize=CACHE_SIZE)
def stem(word: str) -> str:
    """The root of a lower-case word; the word itself when it is short, not alphabetic or unknown."""
    if len(word) < MIN_LENGTH or not word.isalpha():
        return word
    root = str(_stemmer()(word))
    return root or word


def cache_info() -> str:
    info = stem.cache_info()
    return f"hits={info.hits} misses={info.misses} size={info.currsize}/{info.maxsize}"
