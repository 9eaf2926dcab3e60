"""`python -m tanggap_classifier.eval`: the classifier against the labelled sets shipped in the package.

Four sets, each reported on its own, never mixed:

- "composed": `data/eval_cases.yaml`, written for this project (one exact level per case);
- "tune": the real news items (`data/real_news_*.yaml`) in the 70% of their file by the fixed URL-hash
  rule of `realset`: the items the lexicon may be tuned on;
- "seen": the 30% of files A and B, held out in round one and run once then (2026-12-03); tuned on
  since, so shown apart and never as unseen data;
- "holdout": the 30% of file C, never looked at while tuning (the issue's "30%").

Each set reports category accuracy (the labelled category, or one the label also accepts: `accept` in the
composed set, `secondary` in the real set, whose labels list the other categories an officer would file
the item under), crisis-vs-routine accuracy, the share of cases labelled at level 3 or more (the lower
bound of the label) that were classified at 3 or more, the share of levels inside the labelled bounds,
and every miss with the reasons the engine gave.

A report labelled crisis that comes out as not a crisis but "perlu ditinjau" (needs_review) still reaches
a person through the triage queue: it is counted apart ("reached a person"), and never as a crisis hit.
"""

import argparse
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tanggap_classifier.engine import Classification, classify
from tanggap_classifier.policy import Policy, load_policy
from tanggap_classifier.realset import DATA_DIR, SOURCE_KEY, SPLITS, Split, item_split, load_real_items
from tanggap_shared.contracts import Category
from tanggap_shared.events import Impact, ReportSnapshot, UnitRef

CASES_RESOURCE = "data/eval_cases.yaml"
# A fixed time so that a run is reproducible (the engine has no clock, but snapshots need one).
RECEIVED_AT = datetime(2025, 11, 2, 21, 30, tzinfo=UTC)
SEVERE_LEVEL = 3
UNIT_TYPES = ("Lapas", "Rutan", "LPKA", "Bapas")
SET_NAMES = ("composed", "tune", "seen", "holdout")
SET_TITLES = {
    "composed": "composed set",
    "tune": "real, tune (70% A+B+C)",
    "seen": "real, seen (30% A+B)",
    "holdout": "real, held out (30% C)",
}
# Real item texts are short quotations (headline and first sentences), never whole articles.
MAX_REAL_TEXT = 600


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Expected(_Strict):
    crisis: bool
    level: int = Field(ge=1, le=4)
    category: Category
    accept: list[Category] = []


class CaseUnit(_Strict):
    type: str = "Lapas"


class EvalCase(_Strict):
    """One composed case of `data/eval_cases.yaml`."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    unit: CaseUnit = CaseUnit()
    impact: Impact = Impact()
    recent: int = Field(default=0, ge=0)
    expect: Expected
    note: str = ""

    def snapshot(self) -> ReportSnapshot:
        return _snapshot(self.id, self.text, self.impact)

    def unit_ref(self) -> UnitRef:
        return _unit(self.unit.type)

    def labelled(self) -> "Labelled":
        e = self.expect
        return Labelled(
            id=self.id,
            text=self.text,
            unit=self.unit_ref(),
            impact=self.impact,
            recent=self.recent,
            crisis=e.crisis,
            category=e.category,
            accept=tuple(e.accept),
            level_min=e.level,
            level_max=e.level,
            note=self.note,
        )


class RealLabel(_Strict):
    crisis: bool
    category: Category
    secondary: list[Category] = []
    level_min: int = Field(ge=1, le=4)
    level_max: int = Field(ge=1, le=4)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _bounds(self) -> "RealLabel":
        if self.level_min > self.level_max:
            raise ValueError(f"level_min {self.level_min} > level_max {self.level_max}")
        if not self.crisis and (self.level_max != 1 or self.category != Category.ROUTINE):
            raise ValueError("an item labelled not a crisis is routine at level 1")
        if self.category in self.secondary:
            raise ValueError("the category is repeated in secondary")
        return self


class RealFacts(_Strict):
    """What the fact reader should find in the text (scored by `reading_eval`, not here)."""

    days: list[str]
    amounts: list[str]


class RealItem(_Strict):
    """One hand-labelled real news item (a short quotation with its source)."""

    id: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://\S+$")
    date: str = Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$")
    outlet: str = Field(min_length=1)
    headline: str
    text: str = Field(min_length=1, max_length=MAX_REAL_TEXT)
    unit: str = ""  # empty when the item is about several units, or none named
    label: RealLabel
    facts: RealFacts
    # Why a label was corrected after the first labelling (tune items only).
    correction: str = ""

    def labelled(self) -> "Labelled":
        label = self.label
        return Labelled(
            id=self.id,
            text=self.text,
            unit=_unit(_unit_type(self.unit)),
            impact=Impact(),
            recent=0,
            crisis=label.crisis,
            category=label.category,
            accept=tuple(label.secondary),
            level_min=label.level_min,
            level_max=label.level_max,
            note=label.reason,
            url=self.url,
        )


def _snapshot(case_id: str, text: str, impact: Impact) -> ReportSnapshot:
    report_id = uuid.uuid5(uuid.NAMESPACE_URL, f"tanggap-eval/{case_id}")
    return ReportSnapshot(report_id=report_id, text=text, impact=impact, received_at=RECEIVED_AT)


def _unit(kind: str) -> UnitRef:
    return UnitRef(code=f"EVAL-{kind.upper()}", name=f"{kind} Evaluasi", type=kind, region="EVAL")


def _unit_type(unit: str) -> str:
    """ "Rutan Kelas IIB Kotabumi" → "Rutan"; anything else is read as a Lapas."""
    first = unit.split()[0].upper() if unit.split() else ""
    return next((t for t in UNIT_TYPES if t.upper() == first), "Lapas")


@dataclass(frozen=True)
class Labelled:
    """A case of any set, in the terms the metrics use (a composed case has one exact level)."""

    id: str
    text: str
    unit: UnitRef
    impact: Impact
    recent: int
    crisis: bool
    category: Category
    accept: tuple[Category, ...]
    level_min: int
    level_max: int
    note: str = ""
    url: str = ""

    def snapshot(self) -> ReportSnapshot:
        return _snapshot(self.id, self.text, self.impact)

    @property
    def severe(self) -> bool:
        return self.level_min >= SEVERE_LEVEL

    def levels(self) -> str:
        low, high = self.level_min, self.level_max
        return f"L{low}" if low == high else f"L{low}-{high}"


class _CaseFile(_Strict):
    cases: list[EvalCase] = Field(min_length=1)


def default_cases_path() -> Path:
    return Path(str(resources.files("tanggap_classifier").joinpath(CASES_RESOURCE)))


def load_cases(path: Path | None = None) -> list[EvalCase]:
    data = yaml.safe_load((path or default_cases_path()).read_text(encoding="utf-8"))
    cases = _CaseFile.model_validate(data).cases
    _unique("case ids", [c.id for c in cases])
    return cases


def load_real(data_dir: Path = DATA_DIR) -> list[RealItem]:
    """Every real item of every file, validated; ids and URLs unique across the files."""
    return [item for items in load_real_sets(data_dir).values() for item in items]


def load_real_sets(data_dir: Path = DATA_DIR) -> dict[Split, list[RealItem]]:
    """The validated real items of each split ("tune", "seen", "holdout"; see `realset`)."""
    raw = load_real_items(data_dir)
    _unique("real item ids", [str(r.get("id", "")) for r in raw])
    repeated = duplicate_urls(data_dir)
    if repeated:
        raise ValueError(f"a URL listed more than once (keep each article once): {sorted(repeated.values())}")
    sets: dict[Split, list[RealItem]] = {s: [] for s in SPLITS}
    for r in raw:
        sets[item_split(r)].append(_real_item(r))
    return sets


def duplicate_urls(data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """URL → the ids of the items that share it (only URLs listed more than once)."""
    ids: dict[str, list[str]] = defaultdict(list)
    for raw in load_real_items(data_dir):
        ids[str(raw.get("url", ""))].append(str(raw.get("id", "")))
    return {url: found for url, found in ids.items() if len(found) > 1}


def _real_item(raw: dict[str, Any]) -> RealItem:
    fields = {k: v for k, v in raw.items() if k != SOURCE_KEY}
    try:
        return RealItem.model_validate(fields)
    except ValidationError as exc:
        # Field locations and messages only: the input values could quote a held-out item.
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"real item {raw.get('id', '?')}: {problems}") from None


def _unique(what: str, values: list[str]) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}: {duplicates}")


@dataclass(frozen=True)
class Outcome:
    case: Labelled
    result: Classification

    @property
    def category_ok(self) -> bool:
        return self.result.category in {self.case.category, *self.case.accept}

    @property
    def primary_ok(self) -> bool:
        return self.result.category == self.case.category

    @property
    def level_ok(self) -> bool:
        return self.case.level_min <= self.result.level <= self.case.level_max

    @property
    def crisis_ok(self) -> bool:
        return self.result.crisis == self.case.crisis

    @property
    def reached_person(self) -> bool:
        """Labelled crisis, classified not a crisis, but sent to a person as "perlu ditinjau"."""
        return self.case.crisis and not self.result.crisis and self.result.needs_review

    @property
    def ok(self) -> bool:
        return self.category_ok and self.level_ok and self.crisis_ok


@dataclass(frozen=True)
class Report:
    outcomes: list[Outcome]

    def _share(self, hits: int, of: int | None = None) -> float:
        total = len(self.outcomes) if of is None else of
        return hits / total if total else 0.0

    @property
    def crisis_accuracy(self) -> float:
        return self._share(sum(o.crisis_ok for o in self.outcomes))

    @property
    def category_accuracy(self) -> float:
        return self._share(sum(o.category_ok for o in self.outcomes))

    @property
    def primary_accuracy(self) -> float:
        return self._share(sum(o.primary_ok for o in self.outcomes))

    @property
    def level_accuracy(self) -> float:
        """Share of levels inside the labelled bounds (exact, for a composed case)."""
        return self._share(sum(o.level_ok for o in self.outcomes))

    @property
    def level_within_one(self) -> float:
        return self._share(
            sum(o.case.level_min - 1 <= o.result.level <= o.case.level_max + 1 for o in self.outcomes)
        )

    @property
    def under_levelled(self) -> int:
        """Cases the engine put below the label: the costly direction (nobody woken up)."""
        return sum(o.result.level < o.case.level_min for o in self.outcomes)

    @property
    def severe(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.severe]

    @property
    def severe_share(self) -> float:
        """Share of the cases labelled level 3 or more that were classified at 3 or more."""
        return self._share(sum(o.result.level >= SEVERE_LEVEL for o in self.severe), len(self.severe))

    @property
    def crisis_missed(self) -> list[Outcome]:
        """Labelled crisis, classified not a crisis (some of them still reach a person)."""
        return [o for o in self.outcomes if o.case.crisis and not o.result.crisis]

    @property
    def reached_person(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.reached_person]

    @property
    def silently_dropped(self) -> list[Outcome]:
        return [o for o in self.crisis_missed if not o.result.needs_review]

    @property
    def false_alarms(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.crisis and o.result.crisis]

    def per_category(self) -> dict[Category, tuple[int, int]]:
        """Labelled category → (category right, cases)."""
        table: dict[Category, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            row = table[o.case.category]
            row[0] += o.category_ok
            row[1] += 1
        return {c: (r[0], r[1]) for c, r in sorted(table.items(), key=lambda kv: kv[0].value)}

    def confusion(self) -> list[list[int]]:
        """Rows: labelled level 1-4 (the lower bound); columns: classified level 1-4."""
        matrix = [[0] * 4 for _ in range(4)]
        for o in self.outcomes:
            matrix[o.case.level_min - 1][o.result.level - 1] += 1
        return matrix

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def evaluate_labelled(policy: Policy, cases: Sequence[Labelled]) -> Report:
    return Report([Outcome(c, classify(c.unit, c.snapshot(), c.recent, policy)) for c in cases])


def evaluate(policy: Policy, cases: Sequence[EvalCase | RealItem]) -> Report:
    return evaluate_labelled(policy, [c.labelled() for c in cases])


def format_summary(reports: dict[str, Report], policy_version: str) -> str:
    names = list(reports)
    header = "".join(f"{SET_TITLES.get(n, n):>28}" for n in names)
    rows: list[tuple[str, Any]] = [
        ("cases", lambda r: f"{len(r.outcomes)}"),
        ("category (or accepted)", lambda r: f"{r.category_accuracy:.1%}"),
        ("category, labelled one only", lambda r: f"{r.primary_accuracy:.1%}"),
        ("crisis vs routine", lambda r: f"{r.crisis_accuracy:.1%}"),
        ("level >= 3 kept at >= 3", lambda r: f"{r.severe_share:.1%} of {len(r.severe)}"),
        ("level inside the label", lambda r: f"{r.level_accuracy:.1%}"),
        ("level within +-1", lambda r: f"{r.level_within_one:.1%}"),
        ("crisis read as not a crisis", lambda r: f"{len(r.crisis_missed)}"),
        ("  of which reached a person", lambda r: f"{len(r.reached_person)}"),
        ("routine read as a crisis", lambda r: f"{len(r.false_alarms)}"),
    ]
    lines = [f"Tanggap classifier evaluation, policy {policy_version}", "", f"{'':30}{header}"]
    for title, cell in rows:
        lines.append(f"  {title:<28}" + "".join(f"{cell(reports[n]):>28}" for n in names))
    lines += [
        "",
        "  'reached a person': labelled crisis, read as not a crisis but 'perlu ditinjau' (the triage",
        "  queue); counted apart, never as a crisis hit. Level >= 3: labels whose lower bound is 3 or 4.",
    ]
    return "\n".join(lines)


def format_report(report: Report, policy_version: str, title: str = "composed set") -> str:
    lines = [
        f"== {title}: {len(report.outcomes)} cases, policy {policy_version}",
        "",
        f"  crisis (yes/no) accuracy   {report.crisis_accuracy:6.1%}",
        f"  category accuracy          {report.category_accuracy:6.1%}",
        f"  level inside the label     {report.level_accuracy:6.1%}",
        f"  level within ±1            {report.level_within_one:6.1%}",
        f"  level >= 3 kept at >= 3    {report.severe_share:6.1%} ({len(report.severe)} cases)",
        f"  level below the label      {report.under_levelled:3d} cases",
        f"  crisis read as no crisis   {len(report.crisis_missed):3d} cases"
        f" ({len(report.reached_person)} reached a person as 'perlu ditinjau')",
        "",
        "Category accuracy per labelled category:",
    ]
    for category, (right, total) in report.per_category().items():
        lines.append(f"  {category.value:<13} {right:3d}/{total:<3d} {right / total:6.1%}")
    lines += [
        "",
        "Level confusion (rows: labelled, lower bound; columns: classified):",
        "            L1  L2  L3  L4",
    ]
    for i, row in enumerate(report.confusion(), start=1):
        lines.append(f"  labelled {i} " + "".join(f"{n:4d}" for n in row))
    misses = report.misses
    lines += ["", f"Misses ({len(misses)}):"]
    for o in misses:
        lines += _miss_lines(o)
    return "\n".join(lines)


def _miss_lines(o: Outcome) -> list[str]:
    c, r = o.case, o.result
    got = f"crisis={r.crisis} L{r.level} {r.category.value}"
    if r.needs_review:
        got += " (perlu ditinjau)"
    wrong = [
        name
        for name, ok in (("crisis", o.crisis_ok), ("category", o.category_ok), ("level", o.level_ok))
        if not ok
    ]
    lines = [
        f"  {c.id} [{', '.join(wrong)}]: labelled crisis={c.crisis} {c.levels()} {c.category.value}"
        f"{'/' + '/'.join(a.value for a in c.accept) if c.accept else ''} | got {got}",
        f"      text: {c.text[:200]}{'…' if len(c.text) > 200 else ''}",
    ]
    for reason in r.reasons:
        if reason.code in {"confidence", "scct", "matrix"}:
            continue
        triggers = f" [{', '.join(reason.triggers)}]" if reason.triggers else ""
        lines.append(f"      {reason.code}{triggers}")
    if c.note:
        lines.append(f"      label: {c.note}")
    return lines


def build_sets(names: Iterable[str], cases_path: Path | None = None) -> dict[str, list[Labelled]]:
    """The labelled cases of each named set, in the order asked for (unknown names are ignored)."""
    wanted = list(names)
    sets: dict[str, list[Labelled]] = {}
    real: dict[str, list[RealItem]] = {}
    if set(wanted) & set(SPLITS):
        real.update(load_real_sets().items())
    for name in wanted:
        if name == "composed":
            sets[name] = [c.labelled() for c in load_cases(cases_path)]
        elif name in real:
            sets[name] = [i.labelled() for i in real[name]]
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tanggap_classifier.eval", description=__doc__)
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (default: the shipped one)")
    parser.add_argument(
        "--cases", type=Path, default=None, help="composed cases YAML (default: the shipped one)"
    )
    parser.add_argument(
        "--sets",
        default=",".join(SET_NAMES),
        help="comma-separated sets to run: composed, tune, seen, holdout (default: all four); "
        "while tuning the lexicon, leave out holdout",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SET_NAMES))
    if unknown:
        parser.error(f"unknown sets {unknown}; choose from {', '.join(SET_NAMES)}")
    policy = load_policy(args.policy)
    reports = {
        name: evaluate_labelled(policy, cases) for name, cases in build_sets(names, args.cases).items()
    }
    parts = [format_summary(reports, policy.version)]
    parts += [format_report(report, policy.version, SET_TITLES[name]) for name, report in reports.items()]
    sys.stdout.write("\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
