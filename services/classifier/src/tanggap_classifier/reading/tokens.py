"""Words of a report with their offsets in the text as written, and whole-word phrase tables.

Matching works on tokens, never on the raw text with long alternations: one linear regex splits the
text, and each phrase table is a dictionary keyed by a phrase's first word, so a 20,000-character
text costs a few milliseconds and no pattern can backtrack. Offsets always point into the original
text (no normalisation that changes lengths), so a span's text is `report.text[start:end]` exactly.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# A digit-led token keeps its separators ("12/11/2024", "03.00", "1.200"); a word keeps an inner
# apostrophe ("jum'at"). Everything else (punctuation, emoji) separates tokens.
_TOKEN_RE = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W_]+(?:['\u2019][^\W_]+)?")
# Between two words of one phrase only spaces and hyphens may stand ("luka-luka", "gorong gorong").
_JOIN_RE = re.compile(r"[ \t\u00a0-]{0,3}")


@dataclass(frozen=True, slots=True)
class Tok:
    low: str  # lower-case, for look-ups
    raw: str  # as written
    start: int
    end: int
    joined: bool  # only spaces or hyphens between this token and the one before it


def tokenise(text: str) -> list[Tok]:
    toks: list[Tok] = []
    previous_end = -1
    for m in _TOKEN_RE.finditer(text):
        joined = previous_end >= 0 and _JOIN_RE.fullmatch(text, previous_end, m.start()) is not None
        toks.append(Tok(m.group().lower(), m.group(), m.start(), m.end(), joined))
        previous_end = m.end()
    return toks


def words(phrase: str) -> tuple[str, ...]:
    """The tokens of a vocabulary phrase, read like report text."""
    return tuple(m.group() for m in _TOKEN_RE.finditer(phrase))


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """A phrase found at tokens [i, j)."""

    i: int
    j: int
    payload: T


class PhraseTable(Generic[T]):
    """Whole-word phrases, longest first; `cased` tables compare the words as written."""

    def __init__(self, entries: Iterable[tuple[str, T]], cased: bool = False) -> None:
        self.cased = cased
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for phrase, payload in entries:
            key = words(phrase if cased else phrase.lower())
            if key:
                self._by_first.setdefault(key[0], []).append((key, payload))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))

    def match_at(self, toks: list[Tok], i: int) -> Match[T] | None:
        options = self._by_first.get(toks[i].raw if self.cased else toks[i].low)
        if not options:
            return None
        for key, payload in options:
            j = i + len(key)
            if j <= len(toks) and all(self._same(toks[k], key[k - i], k == i) for k in range(i, j)):
                return Match(i, j, payload)
        return None

    def _same(self, tok: Tok, word: str, first: bool) -> bool:
        return (tok.raw if self.cased else tok.low) == word and (first or tok.joined)

    def scan(self, toks: list[Tok]) -> list[Match[T]]:
        """Every phrase in the text, left to right, without overlaps."""
        found: list[Match[T]] = []
        i = 0
        while i < len(toks):
            hit = self.match_at(toks, i)
            if hit is None:
                i += 1
                continue
            found.append(hit)
            i = hit.j
        return found


def follows(toks: list[Tok], j: int) -> bool:
    """Token j exists and continues the phrase that ended before it (no punctuation between)."""
    return j < len(toks) and toks[j].joined
