"""The template drafter: from a classified incident and retrieved key messages to checked drafts."""

from collections.abc import Sequence
from dataclasses import dataclass

from tanggap_drafter.checks import WORD_BUDGET, check_draft, word_count
from tanggap_drafter.context import DraftContext, build_context
from tanggap_drafter.render import render
from tanggap_drafter.store import Retrieved
from tanggap_drafter.vocabulary import WORDING
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import Finding, IncidentClassified, LibraryRef

HOLDING_KEY_MESSAGES = 2


@dataclass(frozen=True)
class Draft:
    kind: DraftKind
    text: str
    sources: list[LibraryRef]
    findings: list[Finding]


def query_text(event: IncidentClassified) -> str:
    """What retrieval looks for: the report's own words plus the vocabulary of its category."""
    facts = event.report.facts
    values = [f.value for f in (facts.what, facts.who, facts.where, facts.how, facts.why) if f is not None]
    wording = WORDING[event.category]
    return " ".join([event.report.text, *values, wording.label, wording.query_terms])


def categories_of(event: IncidentClassified) -> list[Category]:
    """The categories whose library items suit the incident, the main one first."""
    return list(dict.fromkeys([event.category, *event.secondary_categories]))


def known_texts(event: IncidentClassified) -> list[str]:
    """Everything a figure in a draft may legitimately come from."""
    facts = event.report.facts
    all_facts = (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how)
    fact_values = [f.value for f in all_facts if f is not None]
    impact = event.report.impact
    numbers = [str(n) for n in (impact.deaths, impact.injuries, impact.escapees) if n is not None]
    unit = event.unit
    unit_fields = [unit.name, unit.city, unit.region_name, unit.unit_class, unit.type]
    return [event.report.text, *fact_values, *numbers, *unit_fields]


def _holding_statement(ctx: DraftContext, retrieved: Sequence[Retrieved]) -> tuple[str, list[Retrieved]]:
    """As many key messages as the 150-word budget allows, but always one when the library has one."""
    high = WORD_BUDGET[DraftKind.HOLDING_STATEMENT][1]
    for n in range(min(HOLDING_KEY_MESSAGES, len(retrieved)), 0, -1):
        used = list(retrieved[:n])
        text = render(DraftKind.HOLDING_STATEMENT, ctx, [r.item.text for r in used])
        if n == 1 or word_count(text) <= high:
            return text, used
    return render(DraftKind.HOLDING_STATEMENT, ctx, []), []


def _press_release(ctx: DraftContext, retrieved: Sequence[Retrieved]) -> tuple[str, list[Retrieved]]:
    used = list(retrieved)
    quote = used[0].item.text if used else ""
    follow_up = [r.item.text for r in used[1:]]
    return render(DraftKind.PRESS_RELEASE, ctx, follow_up, quote_message=quote), used


def compose_drafts(event: IncidentClassified, retrieved: Sequence[Retrieved]) -> list[Draft]:
    """The holding statement first, then the press release; each checked and citing its sources."""
    ctx = build_context(event)
    known = known_texts(event)
    drafts: list[Draft] = []
    for kind, build in (
        (DraftKind.HOLDING_STATEMENT, _holding_statement),
        (DraftKind.PRESS_RELEASE, _press_release),
    ):
        text, used = build(ctx, retrieved)
        drafts.append(
            Draft(
                kind=kind,
                text=text,
                sources=[r.ref() for r in used],
                findings=check_draft(kind, text, known=known),
            )
        )
    return drafts
