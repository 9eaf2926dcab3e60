"""A person's edit of a draft, checked like the drafter's own text (DOMAIN.md §6.8, issue 13 item 5).

The intake publishes `draft.edited` for every saved revision; this module answers with `draft.checked`.
An edit is held to the same facts-only rule as a draft: every number, date and name must come from the
incident (the drafter's snapshot plus what the intake sends: every report of the incident), the unit's
reference data, or the drafter's own proposed text. The proposed text counts only without the excerpts its
own blocking findings quote, so keeping a blocked passage in an edit never makes it acceptable.
"""

import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import structlog
from faststream.nats import NatsMessage

from tanggap_drafter import checks
from tanggap_drafter.handlers import SERVICE, Deps
from tanggap_drafter.models import DraftRow, IncidentSnapshot
from tanggap_shared.contracts import DraftKind
from tanggap_shared.db import add_to_outbox, already_applied
from tanggap_shared.events import (
    DraftChecked,
    DraftEdited,
    Event,
    Finding,
    IncidentClassified,
    derive_event_id,
    utcnow,
)
from tanggap_shared.messaging import Handler

log = structlog.get_logger("tanggap.drafter.edits")

EDITED = "drafter.draft_edited"


@cache
def checks_version() -> str:
    """The version of the checks that ran: a digest of checks.py, so any change of a rule shows."""
    source = Path(checks.__file__).read_bytes()
    return f"checks-{hashlib.sha256(source).hexdigest()[:12]}"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unit_texts(incident: IncidentClassified) -> list[str]:
    unit = incident.unit
    return [unit.name, unit.city, unit.region_name, unit.unit_class, unit.type, unit.code]


def _incident_known(incident: IncidentClassified) -> list[str]:
    """What the drafter itself drew on for this incident: the report, its facts, figures and policy."""
    report = incident.report
    facts = report.facts
    values = [f.value for f in (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how) if f]
    impact = report.impact
    numbers = [str(n) for n in (impact.deaths, impact.injuries, impact.escapees) if n is not None]
    return [
        report.text,
        *values,
        *numbers,
        *_unit_texts(incident),
        *report.links,
        str(incident.level),
        *(str(v) for v in incident.deadlines.values()),
        *(r.text for r in incident.reasons),
    ]


def _incident_unverified(incident: IncidentClassified) -> list[str]:
    facts = incident.report.facts
    every = (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how)
    return [f.value for f in every if f is not None and not f.verified]


def _involves_children(incident: IncidentClassified) -> bool:
    unit = incident.unit
    lpka = "LPKA" in (unit.type.upper(), *unit.name.upper().split(), *unit.code.upper().split("-"))
    return bool(incident.report.impact.children_involved) or lpka


def grounded_baseline(proposed: str, findings: Sequence[object]) -> str:
    """The proposed text without what its own blocking findings quote (that part was never grounded)."""
    baseline = proposed
    for finding in findings:
        if not isinstance(finding, dict) or finding.get("severity") != "blocking":
            continue
        excerpt = str(finding.get("excerpt") or "")
        if excerpt:
            baseline = baseline.replace(excerpt, " ")
    return baseline


def check_edit(
    event: DraftEdited, incident: IncidentClassified | None, proposed: DraftRow | None
) -> list[Finding]:
    """Every finding on the edited text, with the same rules as a proposed draft of its kind."""
    known = list(event.known)
    unverified = list(event.unverified)
    vocabulary: list[str] = []
    children = event.children_involved
    if incident is not None:
        known += _incident_known(incident)
        unverified += _incident_unverified(incident)
        vocabulary += _unit_texts(incident)
        children = children or _involves_children(incident)
    allowed: list[str] = []
    if proposed is not None:
        baseline = grounded_baseline(proposed.text, proposed.findings)
        known.append(baseline)
        vocabulary.append(baseline)
        if event.kind == DraftKind.DPO_NOTICE:
            allowed.append(baseline)
    return checks.check_draft(
        event.kind,
        event.text,
        known=known,
        unverified=unverified,
        children=children,
        names_allowed=allowed,
        vocabulary=vocabulary,
    )


def make_draft_edited_handler(deps: Deps) -> Handler:
    """Check an edited revision and publish its findings; a redelivery publishes nothing more."""

    async def on_draft_edited(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, DraftEdited):
            return
        async with deps.runtime.sessions() as session:
            snapshot = await session.get(IncidentSnapshot, str(event.incident_id))
            proposed = await session.get(DraftRow, str(event.draft_id))
        incident = IncidentClassified.model_validate(snapshot.event) if snapshot else None
        # Checked without the drafter's context the edit meets stricter rules, never looser ones.
        findings = check_edit(event, incident, proposed)
        checked = DraftChecked(
            event_id=derive_event_id(event.event_id, SERVICE, "draft.checked"),
            causation_id=event.event_id,
            incident_id=event.incident_id,
            producer=SERVICE,
            draft_id=event.draft_id,
            revision=event.revision,
            # The digest of what was really checked, whatever the edit event claimed.
            text_sha256=text_digest(event.text),
            findings=findings,
            checked_at=utcnow(),
            checks_version=checks_version(),
        )
        async with deps.runtime.unit_of_work() as session:
            if await already_applied(session, EDITED, event.event_id):
                log.info("drafter.duplicate_skipped")
                return
            add_to_outbox(session, checked)
        log.info(
            "drafter.edit_checked",
            revision=event.revision,
            kind=event.kind.value,
            blocking=sum(f.severity == "blocking" for f in findings),
            context=incident is not None,
        )

    return on_draft_edited
