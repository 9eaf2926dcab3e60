"""How well the rules reader finds the days and amounts real news states (issue 12, item 6).

`python -m tanggap_classifier.reading_eval` reads every item of the real news sets and prints, for each
split of `realset` apart (tune: the 70% of every file; seen: the 30% of A and B, run once in round one
and tuned on since; held out: the 30% of C, never looked at while tuning): the share of hand-labelled
days found, the share of labelled amounts found, and the facts whose span text is not in the text (must
be 0), listing every miss.
A labelled string is found when a 'when' fact (for days) or a fact carrying an amount ('amount' or
'casualty', for amounts) covers it in the text, or equals it, ignoring case. Then the composed
examples of the issue. The exit code is 1 when any fact is not in its text or a composed example
fails. `--tune-only` leaves the held-out items out (used while writing the rules; "seen" stays in).
"""

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tanggap_classifier.reading import read_text
from tanggap_classifier.realset import Split, items_by_split
from tanggap_shared.events import ReadFact

DAY_KINDS = frozenset({"when"})
AMOUNT_KINDS = frozenset({"amount", "casualty"})


@dataclass(frozen=True)
class Composed:
    """An example written for this eval: what must be read, as (kind, phrase[, detail])."""

    text: str
    expect: tuple[tuple[str, str], ...]
    sensitive: tuple[str, ...] = ()
    amounts: tuple[tuple[str, int, int | None], ...] = ()


COMPOSED = (
    Composed(
        "Dua warga binaan melarikan diri pada Selasa dini hari pukul 03.00 dengan memanjat tembok belakang",
        (
            ("what", "melarikan diri"),
            ("when", "Selasa dini hari pukul 03.00"),
            ("amount", "Dua warga binaan"),
            ("who", "warga binaan"),
            ("where", "tembok belakang"),
        ),
        sensitive=("memanjat tembok belakang",),
        amounts=(("Dua", 2, 2),),
    ),
    Composed(
        "Ratusan napi Lapas Sorong kabur Kamis malam dan hingga kini belum tertangkap; puluhan petugas "
        "dikerahkan, sejumlah tahanan luka-luka.",
        (("when", "Kamis malam"), ("what", "kabur")),
        amounts=(("Ratusan", 100, 999), ("puluhan", 10, 99), ("sejumlah", 2, None)),
    ),
    Composed(
        "Seorang tahanan ditemukan tewas gantung diri di kamar mandi blok C pada Jumat (3/11) sekitar "
        "pukul 05.30 WIB. Tiga belas napi lain dipindahkan.",
        (
            ("when", "Jumat (3/11) sekitar pukul 05.30 WIB"),
            ("where", "kamar mandi"),
            ("where", "blok C"),
            ("what", "gantung diri"),
        ),
        amounts=(("Seorang", 1, 1), ("Tiga belas", 13, 13)),
    ),
)


@dataclass
class Score:
    """Days and amounts found over a set of items, and the facts that quote nothing in the text."""

    days: int = 0
    days_found: int = 0
    amounts: int = 0
    amounts_found: int = 0
    invented: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def day_share(self) -> float:
        return self.days_found / self.days if self.days else 1.0

    @property
    def amount_share(self) -> float:
        return self.amounts_found / self.amounts if self.amounts else 1.0


def covered(text: str, label: str, facts: Iterable[ReadFact], kinds: frozenset[str]) -> bool:
    """A fact of `kinds` covers some place where the text says `label` (or says exactly it)."""
    spans = [(f.span.start, f.span.end, f.span.text.lower()) for f in facts if f.kind in kinds and f.span]
    wanted = label.strip().lower()
    if any(quoted == wanted for _, _, quoted in spans):
        return True
    places = [(m.start(), m.end()) for m in re.finditer(re.escape(wanted), text.lower())]
    return any(s <= start and end <= e for start, end in places for s, e, _ in spans)


def invented(text: str, facts: Iterable[ReadFact]) -> list[ReadFact]:
    """Facts whose span does not quote the text exactly (must never happen)."""
    return [
        f
        for f in facts
        if f.span is None or text[f.span.start : f.span.end] != f.span.text or f.value != f.span.text
    ]


def score_items(items: Iterable[dict[str, Any]]) -> Score:
    score = Score()
    for item in items:
        text = str(item.get("text", ""))
        facts = read_text(text)
        labelled: dict[str, Any] = item.get("facts") or {}
        for label in labelled.get("days") or []:
            score.days += 1
            if covered(text, str(label), facts, DAY_KINDS):
                score.days_found += 1
            else:
                score.misses.append(f"{item.get('id')}: day {label!r} not found")
        for label in labelled.get("amounts") or []:
            score.amounts += 1
            if covered(text, str(label), facts, AMOUNT_KINDS):
                score.amounts_found += 1
            else:
                score.misses.append(f"{item.get('id')}: amount {label!r} not found")
        for fact in invented(text, facts):
            score.invented += 1
            score.misses.append(f"{item.get('id')}: fact {fact.fact_id} is not in the text")
    return score


def composed_misses() -> list[str]:
    misses: list[str] = []
    for case in COMPOSED:
        facts = read_text(case.text)
        got = {(f.kind, f.value) for f in facts}
        misses += [
            f"{case.text[:40]}…: {kind} {phrase!r} not read"
            for kind, phrase in case.expect
            if (kind, phrase) not in got
        ]
        for phrase in case.sensitive:
            if not any(f.kind == "how" and f.value == phrase and f.sensitive for f in facts):
                misses.append(f"{case.text[:40]}…: sensitive how {phrase!r} not read")
        for words, low, high in case.amounts:
            if not any(
                f.amount and (f.amount.words, f.amount.low, f.amount.high) == (words, low, high)
                for f in facts
            ):
                misses.append(f"{case.text[:40]}…: amount {words!r} {low}–{high} not read")
        misses += [f"{case.text[:40]}…: {f.fact_id} not in the text" for f in invented(case.text, facts)]
    return misses


SPLIT_TITLES: dict[Split, str] = {
    "tune": "real news, tune (70% of A, B, C)",
    "seen": "real news, seen (30% of A+B, run once in round one)",
    "holdout": "real news, held out (30% of C)",
}


def split() -> dict[Split, list[dict[str, Any]]]:
    """The raw real items of each split (see `realset`)."""
    return items_by_split()


def _lines(name: str, count: int, score: Score) -> list[str]:
    return [
        f"== {name}: {count} items",
        f"   days found:    {score.days_found}/{score.days} = {score.day_share:.3f}",
        f"   amounts found: {score.amounts_found}/{score.amounts} = {score.amount_share:.3f}",
        f"   facts not in the text: {score.invented}",
        *(f"   - {miss}" for miss in score.misses),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tune-only", action="store_true", help="leave the held-out 30%% out")
    args = parser.parse_args(argv)
    sets = split()
    lines: list[str] = []
    failed = False
    for name, items in sets.items():
        if args.tune_only and name == "holdout":
            continue
        score = score_items(items)
        lines += _lines(SPLIT_TITLES[name], len(items), score)
        failed |= score.invented > 0
    misses = composed_misses()
    lines.append(f"== composed examples: {len(COMPOSED)}, {len(misses)} misses")
    lines += [f"   - {miss}" for miss in misses]
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if failed or misses else 0


if __name__ == "__main__":
    sys.exit(main())
