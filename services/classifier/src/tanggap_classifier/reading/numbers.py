"""Counts as a report writes them: digits, Indonesian number words, and vague words kept as ranges.

A vague word is never turned into an invented number: "puluhan" is 10..99, "sejumlah" is at least 2
with no known upper bound. Qualifiers before a count widen it the same way ("sedikitnya 41" is 41 or
more, "sekitar 40" is not exact).
"""

import re
from dataclasses import dataclass

from tanggap_classifier.reading.tokens import Tok, follows
from tanggap_classifier.text import NUMBER_UNITS, words_value

_UNITS = NUMBER_UNITS
# Javanese and Sundanese numerals as officers type them ("loro napi mlayu", "tilu tahanan kabur"):
# single words only, never combined with "puluh" or "belas".
_REGIONAL = {
    "siji": 1,
    "hiji": 1,
    "loro": 2,
    "telu": 3,
    "tilu": 3,
    "papat": 4,
    "opat": 4,
    "limo": 5,
    "enem": 6,
    "genep": 6,
    "pitu": 7,
    "wolu": 8,
    "dalapan": 8,
    "songo": 9,
    "salapan": 9,
}
_SE = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}
_SCALES = {"belas", "puluh", "ratus", "ribu"}
_ONE = {"seorang", "sesosok", "seekor"} | {
    "sebuah",
    "sebungkus",
    "sebutir",
    "sepaket",
    "selembar",
    "sebotol",
    "sepucuk",
}
# (low, high) of a vague word; None = no known upper bound.
VAGUE: dict[str, tuple[int, int | None]] = {
    "beberapa": (2, None),
    "sejumlah": (2, None),
    "sekelompok": (2, None),
    "segerombolan": (2, None),
    "belasan": (11, 19),
    "puluhan": (10, 99),
    "ratusan": (100, 999),
    "ribuan": (1000, None),
}
# Qualifier words before a count: (tokens, kind).
_QUALIFIERS: list[tuple[tuple[str, ...], str]] = [
    (("kurang", "lebih"), "about"),
    (("paling", "sedikit"), "at_least"),
    (("lebih", "dari"), "more_than"),
    (("sedikitnya",), "at_least"),
    (("setidaknya",), "at_least"),
    (("minimal",), "at_least"),
    (("sekitar",), "about"),
    (("sekira",), "about"),
    (("kira",), "about"),
    (("hampir",), "about"),
    (("lebih",), "more_than"),
]
_VAGUE_SCALES = {"ribu": 1000, "juta": 1_000_000}
_DIGITS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")


@dataclass(frozen=True, slots=True)
class Count:
    """A count at tokens [i, j) (qualifier included), with the range it means."""

    i: int
    j: int
    low: int
    high: int | None
    exact: bool


def count_at(toks: list[Tok], i: int) -> Count | None:
    """The count that starts at token i (a qualifier first, if any), or None."""
    qualifier, k = _qualifier_at(toks, i)
    base = _bare_count_at(toks, k)
    if base is None:
        return None
    return _qualified(base, qualifier, i) if qualifier else base


_QUALIFIER_FIRST = frozenset(key[0] for key, _ in _QUALIFIERS)


def _qualifier_at(toks: list[Tok], i: int) -> tuple[str | None, int]:
    if i >= len(toks) or toks[i].low not in _QUALIFIER_FIRST:
        return None, i  # most words: one set look-up, not eleven comparisons
    for key, kind in _QUALIFIERS:
        j = i + len(key)
        same = j < len(toks) and all(toks[i + n].low == word for n, word in enumerate(key))
        if same and all(toks[n].joined for n in range(i + 1, j + 1)):
            return kind, j
    return None, i


def _qualified(base: Count, qualifier: str, i: int) -> Count:
    if qualifier == "at_least":
        return Count(i, base.j, base.low, None, False)
    if qualifier == "more_than":
        return Count(i, base.j, base.low + 1, None, False)
    return Count(i, base.j, base.low, base.high, False)


def _bare_count_at(toks: list[Tok], i: int) -> Count | None:
    if i >= len(toks):
        return None
    low = toks[i].low
    if low[0].isdigit():
        return _digits(toks, i)
    if low in _ONE:
        return Count(i, i + 1, 1, 1, True)
    if low in VAGUE:
        vague_low, vague_high = VAGUE[low]
        if follows(toks, i + 1) and toks[i + 1].low in _VAGUE_SCALES:
            # "puluhan ribu butir": tens of thousands, still a range
            scale = _VAGUE_SCALES[toks[i + 1].low]
            high = (vague_high + 1) * scale - 1 if vague_high is not None else None
            return Count(i, i + 2, vague_low * scale, high, False)
        return Count(i, i + 1, vague_low, vague_high, False)
    if low in _UNITS or low in _SE:
        return _number_words(toks, i)
    if low in _REGIONAL:
        return Count(i, i + 1, _REGIONAL[low], _REGIONAL[low], True)
    return None


def _digits(toks: list[Tok], i: int) -> Count | None:
    text = toks[i].low
    if _DIGITS_RE.fullmatch(text):
        value = int(text.replace(".", ""))
        return Count(i, i + 1, value, value, True)
    return None  # a time, a date or a decimal: not a headcount


def _number_words(toks: list[Tok], i: int) -> Count:
    j = i + 1
    while follows(toks, j) and _continues(toks[j - 1].low, toks[j].low):
        j += 1
    value = words_value([t.low for t in toks[i:j]])
    return Count(i, j, value, value, True)


def _continues(previous: str, word: str) -> bool:
    if word in _SCALES:
        return previous in _UNITS or (word == "ribu" and (previous in _SCALES or previous in _SE))
    # "dua tiga" (two or three) is not one number; "seratus dua" and "dua puluh tiga" are.
    return (word in _UNITS or word in _SE) and previous not in _UNITS
