"""`make eval-drafts`: the real-news development set through the classifier and the template drafter.

Every real item labelled a crisis (tanggap_classifier.realset) is read (the classifier's reader, when it
is installed), classified by the rules engine, and drafted by the template drafter with the starter
library, exactly as the services do it, but in one process: the runner may import services, services may
not import each other. Printed per draft kind, separately for the 70% and the held-out 30%:

- sections: share of drafts with every required section of DOMAIN.md §6.7 (no `missing_section`);
- length: share within the kind's length bounds (no `length` finding);
- carries: share carrying the report's day or amount (the labelled `facts`), hedged where unverified;
- foreign: public drafts citing a precedent of another category that is not marked generic;
- template: blocking findings on Tanggap's own text (the same drafts for a report with no facts);
- invented: numbers, dates or names in a draft that the report, the unit data or Tanggap's known values
  (today's date, the next update, the policy) do not contain;
- blocked: share of drafts with any blocking finding (the officer must edit before approving).

Run: `python -m tanggap_runner.eval_drafts [--verbose]`.
"""

import argparse
import asyncio
import csv
import re
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from tanggap_classifier.engine import classify
from tanggap_classifier.policy import load_policy
from tanggap_classifier.realset import is_holdout, load_real_items
from tanggap_drafter.checks import _sentences
from tanggap_drafter.composer import Composer
from tanggap_drafter.context import INTERNAL_KINDS
from tanggap_drafter.drafting import Draft, known_texts
from tanggap_drafter.items import LibraryItem, load_starter
from tanggap_drafter.plan import load_plan
from tanggap_drafter.store import KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Channel, DraftKind
from tanggap_shared.events import IncidentClassified, ReportReading, ReportSnapshot, UnitRef

# A fixed moment, so that today's date and the next update are the same on every run.
EVAL_MOMENT = datetime(2027, 1, 5, 2, 30, tzinfo=UTC)
INVENTED = {"unsupported_number", "unsupported_date", "unsupported_name"}
_DIGITS = re.compile(r"\d+")
_URL = re.compile(r"https?://\S+")

Reader = Callable[[ReportSnapshot], ReportReading]


def _reader() -> Reader | None:
    """The classifier's reader of free text (issue 12), when this checkout has it."""
    try:
        from tanggap_classifier.reading import read_report
    except ImportError:
        return None
    return read_report


_LONG_TYPES = (
    (r"lembaga pemasyarakatan khusus anak|lembaga pembinaan khusus anak", "lpka"),
    (r"lembaga pemasyarakatan", "lapas"),
    (r"rumah tahanan negara|rumah tahanan", "rutan"),
    (r"balai pemasyarakatan", "bapas"),
)


def _norm(text: str) -> str:
    text = " ".join(text.lower().replace("klas ", "kelas ").replace(",", " ").split())
    for pattern, short in _LONG_TYPES:
        text = re.sub(pattern, short, text)
    return text


def _without_class(text: str) -> str:
    """ "lapas kelas ii a banceuy" → "lapas banceuy"; "lapas iii pangururan" → "lapas pangururan"."""
    text = re.sub(r"\bkelas\s+(?:[ivx]+|\d)\s*(?:[ab]\b)?\s*", "", text)
    return re.sub(r"^(\w+)\s+(?:[ivx]+|\d)(?:\s*[ab])?\s+", r"\1 ", text)


@dataclass(frozen=True)
class Units:
    """The intake's reference units (331, with Kanwil), found by full name or by name without class."""

    by_name: dict[str, UnitRef]

    @classmethod
    def load(cls) -> "Units":
        folder = resources.files("tanggap_intake").joinpath("data")
        regions = {
            r["code"]: r for r in csv.DictReader(folder.joinpath("regions.csv").open(encoding="utf-8"))
        }
        by_name: dict[str, UnitRef] = {}
        for row in csv.DictReader(folder.joinpath("units.csv").open(encoding="utf-8")):
            ref = UnitRef(
                code=row["code"],
                name=row["name"],
                type=row["type"],
                unit_class=row["class"],
                city=row["city"],
                region=row["region"],
                region_name=regions.get(row["region"], {}).get("office_name", ""),
                specialisation=row.get("specialisation", ""),
            )
            by_name[_norm(ref.name)] = ref
            by_name.setdefault(_without_class(_norm(ref.name)), ref)
            # "<type> <city>" finds a unit named after its city ("Rutan Surakarta").
            by_name.setdefault(f"{ref.type.lower()} {_norm(ref.city)}", ref)
        by_code = {u.code: u for u in by_name.values()}
        for row in csv.DictReader(folder.joinpath("unit_aliases.csv").open(encoding="utf-8")):
            if row["code"] in by_code:
                by_name.setdefault(_norm(row["alias"]), by_code[row["code"]])
        return cls(by_name)

    def find(self, name: str) -> UnitRef:
        key = _norm(name)
        short = _without_class(key)
        found = self.by_name.get(key) or self.by_name.get(short)
        if found is None and len(short.split()) > 2:
            # "lapas besi pulau nusakambangan": the type and the first name word
            found = self.by_name.get(" ".join(short.split()[:2]))
        if found is not None:
            return found
        # An item's unit not in the reference data: its own words, no region (placeholders stand in).
        words = name.split()
        return UnitRef(
            code="EVAL-" + "-".join(w.upper() for w in words)[:40],
            name=name or "Unit Pemasyarakatan",
            type=words[0] if words else "Lapas",
            city=words[-1] if len(words) > 1 else "",
            region="",
        )


@dataclass
class KindStats:
    drafts: int = 0
    sections: int = 0
    bounded: int = 0
    carries: int = 0
    carries_of: int = 0
    foreign: int = 0
    template: int = 0
    invented: int = 0
    blocked: int = 0
    misses: list[str] = field(default_factory=list)


def _event(
    item: dict[str, Any], unit: UnitRef, reader: Reader | None, *, blank: bool = False
) -> IncidentClassified:
    text = "" if blank else str(item.get("text", ""))
    report = ReportSnapshot(
        report_id=uuid.uuid5(uuid.NAMESPACE_URL, str(item.get("url", item.get("id", "")))),
        text=text or "Laporan.",
        channel=Channel.FEED,
        received_at=EVAL_MOMENT,
    )
    full = report.model_copy(update={"text": str(item.get("text", ""))})
    result = classify(unit, full, 0, load_policy())
    readings = [reader(report)] if reader is not None and not blank else []
    return IncidentClassified(
        incident_id=report.report_id,
        occurred_at=EVAL_MOMENT,
        producer="eval",
        unit=unit,
        report=report,
        crisis=True,
        level=max(result.level, 2),
        category=result.category,
        secondary_categories=result.secondary_categories,
        reasons=[] if blank else result.reasons,
        policy_version=result.policy_version,
        deadlines=result.deadlines,
        scct_cluster=result.scct_cluster,
        missing=[] if blank else result.missing,
        readings=readings,
    )


def _labelled(item: dict[str, Any]) -> list[str]:
    facts = item.get("facts") or {}
    return [str(v) for key in ("days", "amounts") for v in (facts.get(key) or []) if str(v).strip()]


def _pieces(value: str) -> list[str]:
    """How a labelled day or amount may appear: whole, or its day name, date or amount word."""
    parts = [value, *re.split(r"[,()]\s*", value)]
    return [p.strip() for p in parts if len(p.strip()) >= 3 or p.strip().isdigit()]


def _hedged_at(text: str, start: int) -> bool:
    return any(s <= start < e and hedged for s, e, hedged in _sentences(text))


def carries(draft: Draft, labelled: Sequence[str], verified: bool) -> bool:
    """The draft says one of the report's labelled days or amounts, hedged unless verified."""
    for value in labelled:
        for piece in _pieces(value):
            pattern = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)", re.IGNORECASE)
            if any(verified or _hedged_at(draft.text, m.start()) for m in pattern.finditer(draft.text)):
                return True
    return False


def foreign(draft: Draft, event: IncidentClassified, items: dict[str, LibraryItem]) -> list[str]:
    out: list[str] = []
    for source in draft.sources:
        item = items.get(source.id)
        if item is not None and item.category != event.category and item.applies != "generic":
            out.append(f"{source.id} ({item.category.value})")
    return out


def invented(draft: Draft, event: IncidentClassified) -> list[str]:
    """Findings of invention, plus an independent look at every digit group in the draft."""
    found = [f"{f.code}: {f.excerpt}" for f in draft.findings if f.code in INVENTED]
    found += [
        f.excerpt for f in draft.findings if f.code == "full_name" and "tidak ada dalam laporan" in f.message
    ]
    grounded = set(_DIGITS.findall("\n".join(known_texts(event))))
    digits = set(_DIGITS.findall(_URL.sub(" ", draft.text))) - grounded
    numbered = {str(n) for n in range(1, 10)}  # list numbering ("1. ", "2. ") is structure
    found += [f"angka {d}" for d in sorted(digits - numbered)]
    return found


async def _drafts(composer: Composer, event: IncidentClassified) -> list[Draft]:
    kinds = load_plan().kinds_for(event)
    return await composer.drafts(event, kinds)


async def evaluate(items: Iterable[dict[str, Any]]) -> dict[str, dict[DraftKind, KindStats]]:
    """Per split ("70%", "30%") and kind, the figures of the module docstring."""
    reader = _reader()
    units = Units.load()
    library = {i.id: i for i in load_starter()}
    stats: dict[str, dict[DraftKind, KindStats]] = {
        "70%": defaultdict(KindStats),
        "30%": defaultdict(KindStats),
    }
    with tempfile.TemporaryDirectory(prefix="tanggap-eval-drafts-") as tmp:
        store = KeyMessageStore(QdrantTarget(path=Path(tmp) / "qdrant"))
        await store.open(list(library.values()))
        composer = Composer(store)
        try:
            for item in items:
                label = item.get("label") or {}
                if not label.get("crisis"):
                    continue
                split = "30%" if is_holdout(str(item.get("url", ""))) else "70%"
                unit = units.find(str(item.get("unit", "")))
                event = _event(item, unit, reader)
                blank = {d.kind: d for d in await _drafts(composer, _event(item, unit, reader, blank=True))}
                for draft in await _drafts(composer, event):
                    _score(stats[split][draft.kind], draft, event, item, library, blank.get(draft.kind))
        finally:
            await store.close()
    return stats


def _score(
    s: KindStats,
    draft: Draft,
    event: IncidentClassified,
    item: dict[str, Any],
    library: dict[str, LibraryItem],
    blank: Draft | None,
) -> None:
    ident = str(item.get("id", ""))
    s.drafts += 1
    s.sections += not any(f.code == "missing_section" for f in draft.findings)
    s.bounded += not any(f.code in ("length", "key_message_count") for f in draft.findings)
    labelled = _labelled(item)
    if labelled:
        s.carries_of += 1
        if carries(draft, labelled, verified=False):
            s.carries += 1
        elif draft.kind == DraftKind.HOLDING_STATEMENT:
            s.misses.append(f"{ident}: tanpa hari/jumlah {labelled}")
    if draft.kind not in INTERNAL_KINDS:
        borrowed = foreign(draft, event, library)
        s.foreign += bool(borrowed)
        s.misses += [f"{ident}: preseden kategori lain {b}" for b in borrowed]
    if blank is not None:
        on_template = [f for f in blank.findings if f.severity == "blocking"]
        s.template += len(on_template)
        s.misses += [f"{ident}: temuan pada teks Tanggap {f.code}: {f.excerpt}" for f in on_template]
    blocking = [f for f in draft.findings if f.severity == "blocking"]
    s.blocked += bool(blocking)
    s.misses += [f"{ident}: blokir {f.code}: {f.excerpt}" for f in blocking if f.code not in INVENTED]
    made_up = invented(draft, event)
    s.invented += len(made_up)
    s.misses += [f"{ident}: karangan {m}" for m in made_up]


def _share(n: int, total: int) -> str:
    return f"{n / total:.2f}" if total else "  - "


def format_stats(stats: dict[str, dict[DraftKind, KindStats]], *, verbose: bool = False) -> str:
    lines: list[str] = []
    for split, kinds in stats.items():
        total = sum(s.drafts for s in kinds.values())
        lines.append(f"{split} of the real set: {total} drafts")
        lines.append(
            f"  {'kind':<20}{'n':>4}{'sections':>10}{'length':>8}{'carries':>9}{'foreign':>9}"
            f"{'template':>10}{'invented':>10}{'blocked':>9}"
        )
        for kind in DraftKind:
            s = kinds.get(kind)
            if s is None or not s.drafts:
                continue
            lines.append(
                f"  {kind.value:<20}{s.drafts:>4}{_share(s.sections, s.drafts):>10}"
                f"{_share(s.bounded, s.drafts):>8}{_share(s.carries, s.carries_of):>9}"
                f"{s.foreign:>9}{s.template:>10}{s.invented:>10}{_share(s.blocked, s.drafts):>9}"
            )
            if verbose:
                lines += [f"      {m}" for m in s.misses]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tanggap_runner.eval_drafts", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    reader = "the classifier's reader" if _reader() is not None else "no reader (classifier engine only)"
    sys.stdout.write(f"eval-drafts: real news set, template drafter, {reader}\n")
    stats = asyncio.run(evaluate(load_real_items()))
    sys.stdout.write(format_stats(stats, verbose=args.verbose) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
