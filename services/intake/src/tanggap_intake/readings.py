"""Facts read from a report's text, the people's decisions on them, and the triage decision (issue 12).

A read fact stays a suggestion until a person confirms, corrects or removes it. A decision is a report
update: it goes through `reports.update_report`, the same path as PATCH /v1/reports/{id}, so it is
recorded as a revision and published as report.updated, and the level, the drafts and the plan follow.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import readmodel
from tanggap_intake.errors import Conflict, NotFound
from tanggap_intake.models import Incident, Report
from tanggap_intake.readmodel import TRIAGE_NAMES
from tanggap_intake.reports import report_out, update_report
from tanggap_intake.schemas import (
    FactDecisionIn,
    FactsIn,
    ImpactIn,
    ReadFactOut,
    ReadingOut,
    ReportOut,
    ReportPatch,
    TriageIn,
)
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import FactDecision, IncidentTriaged, derive_event_id, utcnow

PRODUCER = "intake"
# Fact kinds that answer a 5W+1H question of the self-assessment under the same name.
FIVE_W_KINDS = ("what", "who", "when", "where", "how")
# What an exact casualty or amount counts → the impact answer it fills.
IMPACT_COUNTS = ("deaths", "injuries", "escapees")
IMPACT_LIMIT = 100_000


def latest_decisions(decisions: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """fact_id → the last decision taken on it (decisions are kept in the order they were taken)."""
    latest: dict[str, dict[str, Any]] = {}
    for decision in decisions:
        latest[str(decision.get("fact_id", ""))] = decision
    return latest


def _decided(fact: ReadFactOut, decision: dict[str, Any]) -> ReadFactOut:
    kind = decision["decision"]
    value = str(decision.get("value") or "") if kind == "corrected" else fact.value
    return fact.model_copy(
        update={
            "status": kind,
            "value": value or fact.value,
            "verified": kind != "removed",
            "decided_by": decision.get("decided_by"),
            "decided_at": datetime.fromisoformat(str(decision["decided_at"])),
        }
    )


def reading_of(report: Report) -> ReadingOut | None:
    """The report's latest reading with the people's decisions over it; None before the first reading."""
    if not report.reading:
        return None
    latest = latest_decisions(report.fact_decisions)
    facts = []
    for raw in report.reading.get("facts", []):
        fact = ReadFactOut.model_validate(raw)
        decision = latest.get(fact.fact_id)
        facts.append(_decided(fact, decision) if decision else fact)
    return ReadingOut(
        report_id=report.id, extractor=str(report.reading.get("extractor", "rules")), facts=facts
    )


def _find(report: Report, fact_id: str) -> ReadFactOut:
    reading = reading_of(report)
    for fact in reading.facts if reading else []:
        if fact.fact_id == fact_id:
            return fact
    raise NotFound(
        f"Report {report.id} has no fact '{fact_id}' in its latest reading; reload the incident to see "
        "the facts read now.",
        indonesian="Fakta ini tidak ada (lagi) pada laporan tersebut; muat ulang halaman.",
    )


def _count(fact: ReadFactOut, value: str) -> int | None:
    """The exact number a confirmed or corrected amount gives, or None when it is vague."""
    if value.strip().isdigit():
        number = int(value.strip())
    elif fact.amount and fact.amount.get("exact") and value == fact.value:
        number = int(fact.amount["low"])
    else:
        return None
    return number if number <= IMPACT_LIMIT else None


def _fill(report: Report, fact: ReadFactOut, value: str) -> ReportPatch:
    """What the self-assessment already has a place for and is still EMPTY gets the verified fact."""
    if fact.kind in FIVE_W_KINDS and fact.kind not in report.facts:
        answer = {fact.kind: {"value": value, "verified": True}}
        return ReportPatch(facts=FactsIn.model_validate(answer))
    counted = fact.detail if fact.kind in ("casualty", "amount") else ""
    if counted in IMPACT_COUNTS and counted not in report.impact:
        number = _count(fact, value)
        if number is not None:
            return ReportPatch(impact=ImpactIn.model_validate({counted: number}))
    return ReportPatch()


async def decide_fact(
    session: AsyncSession, report_id: str, fact_id: str, body: FactDecisionIn, decided_by: str
) -> tuple[ReportOut, list[str]]:
    """Confirm, correct or remove one read fact; the same decision again changes nothing."""
    # Locked (PostgreSQL) so two officers clicking at once append one decision each, in turn, and the
    # second of two identical decisions sees the first.
    report = await session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise NotFound(f"No report with id {report_id}.", indonesian="Laporan tidak ditemukan.")
    fact = _find(report, fact_id)
    value = (body.value or "") if body.decision == "corrected" else ""
    previous = latest_decisions(report.fact_decisions).get(fact_id)
    if previous and previous.get("decision") == body.decision and str(previous.get("value", "")) == value:
        return report_out(report), []
    decision = FactDecision(
        fact_id=fact_id, decision=body.decision, value=value, decided_by=decided_by, decided_at=utcnow()
    )
    patch = _fill(report, fact, value or fact.value) if body.decision != "removed" else ReportPatch()
    return await update_report(session, report_id, patch, decided_by, fact_decision=decision)


def triage_event_id(incident_id: str) -> uuid.UUID:
    """One triage decision per incident: a second click or a race yields the same event id."""
    return derive_event_id(uuid.UUID(incident_id), PRODUCER, "triage")


def _refuse_triage(incident: Incident) -> None:
    if incident.merged_into or incident.phase == "ditutup":
        raise Conflict(
            "This incident is merged or closed; there is nothing to decide.",
            indonesian="Insiden ini sudah digabung atau ditutup; tidak ada yang perlu diputuskan.",
        )
    if incident.triage:
        name = TRIAGE_NAMES.get(str(incident.triage.get("decision")), "")
        by = incident.triage.get("by", "")
        raise Conflict(
            f"This incident was already decided ({incident.triage.get('decision')}) by {by}.",
            indonesian=f"Insiden ini sudah diputuskan {name} oleh {by}.",
        )
    if not incident.needs_review:
        raise Conflict(
            "This incident is not waiting for review: Tanggap did not ask for a person's decision.",
            indonesian="Insiden ini tidak sedang menunggu peninjauan.",
        )


async def triage(session: AsyncSession, incident: Incident, body: TriageIn, decided_by: str) -> None:
    """Decide a 'perlu ditinjau' incident: applied to the read model and staged in the outbox."""
    _refuse_triage(incident)
    event = IncidentTriaged(
        event_id=triage_event_id(incident.id),
        incident_id=uuid.UUID(incident.id),
        producer=PRODUCER,
        decision=body.decision,
        decided_by=decided_by,
        reason=body.reason,
    )
    await readmodel.apply_event(session, event)
    add_to_outbox(session, event)
