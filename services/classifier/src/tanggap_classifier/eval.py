"""`python -m tanggap_classifier.eval`: the classifier against the labelled cases shipped in the package.

Prints crisis/category/level accuracy, accuracy per expected category, the level confusion matrix and
every miss with the reasons the engine gave, so a policy change can be judged before it ships.
"""

import argparse
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tanggap_classifier.engine import Classification, classify
from tanggap_classifier.policy import Policy, load_policy
from tanggap_shared.contracts import Category
from tanggap_shared.events import Impact, ReportSnapshot, UnitRef

CASES_RESOURCE = "data/eval_cases.yaml"
# A fixed time so that a run is reproducible (the engine has no clock, but snapshots need one).
RECEIVED_AT = datetime(2025, 11, 2, 21, 30, tzinfo=UTC)


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
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    unit: CaseUnit = CaseUnit()
    impact: Impact = Impact()
    recent: int = Field(default=0, ge=0)
    expect: Expected
    note: str = ""

    def snapshot(self) -> ReportSnapshot:
        report_id = uuid.uuid5(uuid.NAMESPACE_URL, f"tanggap-eval/{self.id}")
        return ReportSnapshot(
            report_id=report_id, text=self.text, impact=self.impact, received_at=RECEIVED_AT
        )

    def unit_ref(self) -> UnitRef:
        kind = self.unit.type
        return UnitRef(code=f"EVAL-{kind.upper()}", name=f"{kind} Evaluasi", type=kind, region="EVAL")


class _CaseFile(_Strict):
    cases: list[EvalCase] = Field(min_length=1)


def default_cases_path() -> Path:
    return Path(str(resources.files("tanggap_classifier").joinpath(CASES_RESOURCE)))


def load_cases(path: Path | None = None) -> list[EvalCase]:
    data = yaml.safe_load((path or default_cases_path()).read_text(encoding="utf-8"))
    cases = _CaseFile.model_validate(data).cases
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate case ids: {duplicates}")
    return cases


@dataclass(frozen=True)
class Outcome:
    case: EvalCase
    result: Classification

    @property
    def category_ok(self) -> bool:
        return self.result.category in {self.case.expect.category, *self.case.expect.accept}

    @property
    def level_ok(self) -> bool:
        return self.result.level == self.case.expect.level

    @property
    def crisis_ok(self) -> bool:
        return self.result.crisis == self.case.expect.crisis

    @property
    def ok(self) -> bool:
        return self.category_ok and self.level_ok and self.crisis_ok


@dataclass(frozen=True)
class Report:
    outcomes: list[Outcome]

    def _share(self, hits: int) -> float:
        return hits / len(self.outcomes) if self.outcomes else 0.0

    @property
    def crisis_accuracy(self) -> float:
        return self._share(sum(o.crisis_ok for o in self.outcomes))

    @property
    def category_accuracy(self) -> float:
        return self._share(sum(o.category_ok for o in self.outcomes))

    @property
    def level_accuracy(self) -> float:
        return self._share(sum(o.level_ok for o in self.outcomes))

    @property
    def level_within_one(self) -> float:
        return self._share(sum(abs(o.result.level - o.case.expect.level) <= 1 for o in self.outcomes))

    @property
    def under_levelled(self) -> int:
        """Cases the engine put below the label: the costly direction (nobody woken up)."""
        return sum(o.result.level < o.case.expect.level for o in self.outcomes)

    def per_category(self) -> dict[Category, tuple[int, int]]:
        """Expected category → (category right, cases)."""
        table: dict[Category, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            row = table[o.case.expect.category]
            row[0] += o.category_ok
            row[1] += 1
        return {c: (r[0], r[1]) for c, r in sorted(table.items(), key=lambda kv: kv[0].value)}

    def confusion(self) -> list[list[int]]:
        """Rows: expected level 1-4; columns: classified level 1-4."""
        matrix = [[0] * 4 for _ in range(4)]
        for o in self.outcomes:
            matrix[o.case.expect.level - 1][o.result.level - 1] += 1
        return matrix

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def evaluate(policy: Policy, cases: list[EvalCase]) -> Report:
    outcomes = [Outcome(c, classify(c.unit_ref(), c.snapshot(), c.recent, policy)) for c in cases]
    return Report(outcomes)


def format_report(report: Report, policy_version: str) -> str:
    lines = [
        f"Tanggap classifier evaluation: {len(report.outcomes)} cases, policy {policy_version}",
        "",
        f"  crisis (yes/no) accuracy   {report.crisis_accuracy:6.1%}",
        f"  category accuracy          {report.category_accuracy:6.1%}",
        f"  level exact                {report.level_accuracy:6.1%}",
        f"  level within ±1            {report.level_within_one:6.1%}",
        f"  level below the label      {report.under_levelled:3d} cases",
        "",
        "Category accuracy per expected category:",
    ]
    for category, (right, total) in report.per_category().items():
        lines.append(f"  {category.value:<13} {right:3d}/{total:<3d} {right / total:6.1%}")
    lines += ["", "Level confusion (rows: expected, columns: classified):", "            L1  L2  L3  L4"]
    for i, row in enumerate(report.confusion(), start=1):
        lines.append(f"  expected {i} " + "".join(f"{n:4d}" for n in row))
    misses = report.misses
    lines += ["", f"Misses ({len(misses)}):"]
    for o in misses:
        e, r = o.case.expect, o.result
        lines.append(
            f"  {o.case.id}: expected crisis={e.crisis} L{e.level} {e.category.value}"
            f" | got crisis={r.crisis} L{r.level} {r.category.value}"
        )
        lines.append(f"      reasons: {', '.join(x.code for x in r.reasons) or '-'}")
        if o.case.note:
            lines.append(f"      label note: {o.case.note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tanggap_classifier.eval", description=__doc__)
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (default: the shipped one)")
    parser.add_argument("--cases", type=Path, default=None, help="cases YAML (default: the shipped one)")
    args = parser.parse_args(argv)
    policy = load_policy(args.policy)
    report = evaluate(policy, load_cases(args.cases))
    sys.stdout.write(format_report(report, policy.version) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
