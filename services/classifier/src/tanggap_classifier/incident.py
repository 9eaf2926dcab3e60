"""An incident's level over time, as pure functions: several reports read as one, a level that rises
on its own but only drops by a human decision, and a human override that stands until replaced.
"""

from dataclasses import dataclass
from typing import Literal

from tanggap_classifier.engine import REACH_ORDER, Classification
from tanggap_classifier.facts import LlmFacts
from tanggap_classifier.policy import Policy
from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import Fact, Facts, Impact, Reason, ReportSnapshot

FACT_FIELDS = ("what", "who", "when", "where", "why", "how")


def _max_count(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _any_flag(values: list[bool | None]) -> bool | None:
    # A "yes" in one report outweighs a "no" in another: the level must not miss what someone saw.
    if any(v is True for v in values):
        return True
    return False if any(v is False for v in values) else None


def _widest(values: list[MediaReach | None]) -> MediaReach | None:
    known = [v for v in values if v is not None]
    return max(known, key=REACH_ORDER.index) if known else None


def merged_impact(impacts: list[Impact]) -> Impact:
    return Impact(
        deaths=_max_count([i.deaths for i in impacts]),
        injuries=_max_count([i.injuries for i in impacts]),
        escapees=_max_count([i.escapees for i in impacts]),
        media_reach=_widest([i.media_reach for i in impacts]),
        children_involved=_any_flag([i.children_involved for i in impacts]),
        officers_involved=_any_flag([i.officers_involved for i in impacts]),
        video_exists=_any_flag([i.video_exists for i in impacts]),
    )


def merged_report(reports: list[ReportSnapshot]) -> ReportSnapshot:
    """The incident's reports read as one: texts in order, the latest answer to each 5W+1H question,
    the widest impact answers. Identified by the latest report."""
    ordered = sorted(reports, key=lambda r: r.received_at)
    latest = ordered[-1]
    facts: dict[str, Fact] = {}
    for report in ordered:
        for name in FACT_FIELDS:
            answer: Fact | None = getattr(report.facts, name)
            if answer is not None:
                facts[name] = answer
    return latest.model_copy(
        update={
            "text": "\n\n".join(r.text for r in ordered),
            "facts": Facts(**facts),
            "impact": merged_impact([r.impact for r in ordered]),
            "links": list(dict.fromkeys(link for r in ordered for link in r.links)),
        }
    )


def merged_llm(answers: list[LlmFacts]) -> LlmFacts | None:
    """What the LLM read in each report, merged like the answers (the worst wins)."""
    if not answers:
        return None
    impact = merged_impact([Impact.model_validate(a.model_dump(exclude={"categories"})) for a in answers])
    categories = list(dict.fromkeys(c for a in answers for c in a.categories))
    return LlmFacts(**impact.model_dump(), categories=categories)


@dataclass(frozen=True)
class Override:
    level: int
    by: str
    reason: str


@dataclass(frozen=True)
class Triage:
    """A person's decision on a 'perlu ditinjau' incident."""

    decision: Literal["crisis", "not_crisis"]
    by: str
    reason: str


def decide(
    computed: Classification,
    *,
    current_level: int | None,
    current_crisis: bool,
    override: Override | None,
    policy: Policy,
    fresh_override: bool = False,
    triage: Triage | None = None,
) -> Classification:
    """The level to publish: an override stands; otherwise the computed level, unless it is lower than
    the current one (a drop needs a human). Reasons always come from the latest computation.

    A triage decision stands like an override: "crisis" holds crisis at least at the policy's
    minimum level; "not_crisis" closes it as routine until a report brings hard signals (a death, an
    escape, a severe keyword). Neither is 'perlu ditinjau' any more: a person has looked.
    """
    result = _decide_level(computed, current_level, current_crisis, override, policy, fresh_override, triage)
    if result.crisis or triage is not None:
        return result.model_copy(update={"needs_review": False, "review_reasons": []})
    return result


def _decide_level(
    computed: Classification,
    current_level: int | None,
    current_crisis: bool,
    override: Override | None,
    policy: Policy,
    fresh_override: bool,
    triage: Triage | None,
) -> Classification:
    if triage is not None and triage.decision == "crisis":
        computed = _triaged_crisis(computed, triage, policy)
    elif triage is not None and not (computed.crisis and computed.hard):
        return _triaged_routine(computed, triage, policy)
    elif triage is not None:
        text = (
            f"Laporan baru memuat tanda berat; keputusan triase {triage.by} (bukan krisis) tidak lagi berlaku"
        )
        note = Reason(
            code="triage_lifted", text=text, level=computed.level, triggers=[f"triage_by={triage.by}"]
        )
        computed = computed.model_copy(update={"reasons": [note, *computed.reasons]})
    if override is not None:
        text = (
            f"Level {override.level} ditetapkan manual oleh {override.by}: {override.reason}; berlaku sampai "
            f"diubah oleh manusia (hitungan aturan: Level {computed.level})"
        )
        code = "override" if fresh_override else "override_stands"
        lead = Reason(code=code, text=text, level=override.level, triggers=[f"override_by={override.by}"])
        return _at(computed, override.level, computed.crisis or override.level >= 2, lead, policy)
    if current_level is not None and computed.level < current_level:
        text = (
            f"Hitung ulang memberi Level {computed.level}, lebih rendah dari Level {current_level} saat ini; "
            "level tetap, penurunan level memerlukan keputusan manusia"
        )
        lead = Reason(
            code="level_held", text=text, level=current_level, triggers=[f"computed={computed.level}"]
        )
        return _at(computed, current_level, computed.crisis or current_crisis, lead, policy)
    return computed


def _triaged_crisis(computed: Classification, triage: Triage, policy: Policy) -> Classification:
    level = max(computed.level, policy.triage.crisis_min_level)
    why = f": {triage.reason}" if triage.reason else ""
    text = (
        f"Dinyatakan krisis oleh {triage.by} (triase){why}; minimal Level {policy.triage.crisis_min_level} "
        f"(hitungan aturan: Level {computed.level})"
    )
    lead = Reason(code="triage", text=text, level=level, triggers=[f"triage_by={triage.by}"])
    return _at(computed, level, True, lead, policy)


def _triaged_routine(computed: Classification, triage: Triage, policy: Policy) -> Classification:
    why = f": {triage.reason}" if triage.reason else ""
    text = f"Dinyatakan bukan krisis oleh {triage.by} (triase){why}; dicatat sebagai kegiatan rutin, Level 1"
    lead = Reason(code="triage", text=text, level=1, triggers=[f"triage_by={triage.by}"])
    topics = [c for c in [computed.category, *computed.secondary_categories] if c != Category.ROUTINE]
    update = {
        "category": Category.ROUTINE,
        "secondary_categories": topics,
        "scct_cluster": None,
        "missing": [],
    }
    routine = computed.model_copy(update=update)
    return _at(routine, 1, False, lead, policy)


def _at(computed: Classification, level: int, crisis: bool, lead: Reason, policy: Policy) -> Classification:
    return computed.model_copy(
        update={
            "level": level,
            "crisis": crisis,
            "reasons": [lead, *computed.reasons],
            "deadlines": dict(policy.deadlines[level]) if crisis else {},
        }
    )
