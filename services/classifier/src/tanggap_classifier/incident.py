"""An incident's level over time, as pure functions: several reports read as one, a level that rises
on its own but only drops by a human decision, and a human override that stands until replaced.
"""

from dataclasses import dataclass

from tanggap_classifier.engine import REACH_ORDER, Classification
from tanggap_classifier.facts import LlmFacts
from tanggap_classifier.policy import Policy
from tanggap_shared.contracts import MediaReach
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


def decide(
    computed: Classification,
    *,
    current_level: int | None,
    current_crisis: bool,
    override: Override | None,
    policy: Policy,
    fresh_override: bool = False,
) -> Classification:
    """The level to publish: an override stands; otherwise the computed level, unless it is lower than
    the current one (a drop needs a human). Reasons always come from the latest computation."""
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


def _at(computed: Classification, level: int, crisis: bool, lead: Reason, policy: Policy) -> Classification:
    return computed.model_copy(
        update={
            "level": level,
            "crisis": crisis,
            "reasons": [lead, *computed.reasons],
            "deadlines": dict(policy.deadlines[level]) if crisis else {},
        }
    )
