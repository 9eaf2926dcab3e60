"""Human decisions: review a draft, ask for one, override the level, move through the life cycle, close,
merge, acknowledge. Each one is checked, applied to the read model and staged in the outbox in one
transaction. The person acting is given by the caller: the logged-in person or API key, or the name a
trusted integration sent (see auth.py)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import edit_checks, readmodel
from tanggap_intake.errors import Conflict, NotAllowed, NotFound, Refused
from tanggap_intake.metrics import TIME_TO_FIRST_STATEMENT
from tanggap_intake.models import Acknowledgement, Draft, Incident, Notification, Report
from tanggap_intake.readmodel import PHASE_NAMES
from tanggap_intake.schemas import (
    Acknowledged,
    CloseIn,
    DraftOut,
    DraftRequestIn,
    LevelOverrideIn,
    MergeIn,
    PhaseIn,
    ReviewIn,
)
from tanggap_intake.schemas import DraftRequested as DraftRequestedOut
from tanggap_shared import textnorm
from tanggap_shared.contracts import DraftKind, Role
from tanggap_shared.db import OutboxEntry, add_to_outbox
from tanggap_shared.events import (
    DraftRequested,
    DraftReviewed,
    Event,
    IncidentClosed,
    IncidentLevelOverridden,
    IncidentMerged,
    IncidentPhaseChanged,
    NotificationAcknowledged,
    derive_event_id,
    utcnow,
)

PRODUCER = "intake"

# Who may declare an incident over, by its level (DOMAIN.md §6.2 "leads / owner", §6.5 roles).
CLOSE_AUTHORITY: dict[int, tuple[Role, ...]] = {
    1: (Role.KETUA, Role.SUPERVISOR, Role.PUSAT),
    2: (Role.KETUA, Role.SUPERVISOR, Role.PUSAT),
    3: (Role.SUPERVISOR, Role.PUSAT),
    4: (Role.PUSAT,),
}

# Entering KRISIS requires a completed self-assessment (DOMAIN.md §6.1): these 5W+1H answers at least.
REQUIRED_FOR_KRISIS = ("what", "who", "when", "where")


async def _publish(session: AsyncSession, *events: Event) -> None:
    for event in events:
        await readmodel.apply_event(session, event)
        add_to_outbox(session, event)


async def _incident(session: AsyncSession, incident_id: str, *, open_only: bool = True) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident with id {incident_id}.")
    if open_only and incident.merged_into:
        raise Conflict(
            f"Incident {incident_id} was merged into {incident.merged_into}; act on that incident instead.",
            indonesian=f"Insiden ini sudah digabung ke insiden {readmodel.number(incident.merged_into)}.",
        )
    if open_only and incident.phase == "ditutup":
        raise Conflict(
            f"Incident {incident_id} is closed (by {incident.closed_by}); report a new incident.",
            indonesian=f"Insiden ini sudah ditutup oleh {incident.closed_by}.",
        )
    return incident


def blocking_left(findings: list[Any], final_text: str, *, edited: bool) -> list[dict[str, Any]]:
    """Blocking findings the text to approve still contains.

    A finding quotes an excerpt: while that excerpt is still in the text, it is not fixed. A blocking
    finding that quotes nothing cannot be checked against the edit: it blocks approval as proposed, and the
    reviewer's own edit is taken as the fix.
    """
    left = []
    for finding in findings:
        if finding.get("severity") != "blocking":
            continue
        excerpt = str(finding.get("excerpt") or "")
        # Compared as a reader sees the words: an edit that only changes case, adds invisible characters
        # or swaps in look-alike letters of another script does not remove what the check found.
        quoted = bool(textnorm.comparable(excerpt))
        if (quoted and textnorm.contains(final_text, excerpt)) or (not quoted and not edited):
            left.append(finding)
    return left


def _refuse_blocking(left: list[dict[str, Any]]) -> Refused:
    parts = [
        f"{f.get('code')}: {f.get('message')}" + (f" Edit “{f['excerpt']}”." if f.get("excerpt") else "")
        for f in left
    ]
    excerpts = "; ".join(f"“{f['excerpt']}”" for f in left if f.get("excerpt"))
    return Refused(
        "Approval refused: the text still contains what a blocking check found. "
        + " ".join(parts)
        + " Edit the text (send it in `text`) or reject the draft.",
        indonesian="Persetujuan ditolak: teks masih memuat temuan pemeriksaan yang memblokir. "
        + (f"Sunting bagian ini: {excerpts}." if excerpts else "Sunting teksnya sebelum menyetujui."),
        detail=[
            {
                "field": "text",
                "code": f.get("code"),
                "message": f.get("message"),
                "excerpt": f.get("excerpt", ""),
            }
            for f in left
        ],
    )


@dataclass(frozen=True)
class Signature:
    """Who really took a decision (the authenticated principal) and the name the caller sent for it."""

    recorded_by: str = ""
    recorded_by_kind: str = ""
    on_behalf_of: str = ""


async def review_draft(
    session: AsyncSession, draft_id: str, body: ReviewIn, reviewer: str, signed: Signature = Signature()
) -> DraftOut:
    draft = await session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft with id {draft_id}.")
    if draft.status != "proposed":
        decided = readmodel.DECISION_NAMES.get(draft.status, draft.status)
        raise Conflict(
            f"This draft was already {draft.status} by {draft.reviewed_by}.",
            indonesian=f"Draf ini sudah {decided} oleh {draft.reviewed_by}.",
        )
    final = body.text if body.text is not None else draft.text
    if body.decision == "approved":
        # A change that only looks like one (case, invisible characters) is no edit of an unquoted finding.
        edited = body.text is not None and textnorm.comparable(body.text) != textnorm.comparable(draft.text)
        left = blocking_left(draft.findings, final, edited=edited)
        if left:
            raise _refuse_blocking(left)
        # An edited text is approved only once the drafter's check of that very revision is in.
        edit_checks.require_current_check(draft, final)
    now = utcnow()
    revision = draft.edit_revision
    # Claimed with a conditional update so two reviewers at once cannot both decide, and an edit saved
    # after the check was read cannot slip through unchecked.
    claimed = await session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == "proposed", Draft.edit_revision == revision)
        .values(
            status=body.decision,
            reviewed_by=reviewer,
            reviewed_at=now,
            final_text=final,
            review_comment=body.comment,
            recorded_by=signed.recorded_by,
            recorded_by_kind=signed.recorded_by_kind,
            on_behalf_of=signed.on_behalf_of,
        )
    )
    if getattr(claimed, "rowcount", 1) != 1:
        raise Conflict(
            "This draft was edited or decided by someone else a moment ago; reload it.",
            indonesian="Draf ini baru saja disunting atau diputuskan oleh orang lain; muat ulang halaman.",
        )
    event = DraftReviewed(
        incident_id=uuid.UUID(draft.incident_id),
        producer=PRODUCER,
        occurred_at=now,
        draft_id=uuid.UUID(draft.id),
        kind=DraftKind(draft.kind),
        decision=body.decision,
        reviewer=reviewer,
        text=final,
        comment=body.comment,
        recorded_by=signed.recorded_by,
        recorded_by_kind=signed.recorded_by_kind,
        on_behalf_of=signed.on_behalf_of,
        revision=revision,
    )
    await _publish(session, event)
    await session.refresh(draft)
    if body.decision == "approved":
        await _observe_first_statement(session, draft, now)
    return DraftOut.model_validate(draft, from_attributes=True)


async def _observe_first_statement(session: AsyncSession, draft: Draft, approved_at: datetime) -> None:
    """Time from the incident's first report to its first approved statement (the 60-minute target)."""
    approved = await session.scalar(
        select(func.count())
        .select_from(Draft)
        .where(Draft.incident_id == draft.incident_id, Draft.status == "approved")
    )
    incident = await session.get(Incident, draft.incident_id)
    if approved == 1 and incident is not None:
        TIME_TO_FIRST_STATEMENT.labels(draft.kind).observe(
            (approved_at - incident.created_at).total_seconds()
        )


def _categories(incident: Incident) -> set[str]:
    return {c for c in [incident.category, *incident.secondary_categories] if c}


async def request_draft(
    session: AsyncSession, incident_id: str, body: DraftRequestIn, requested_by: str
) -> DraftRequestedOut:
    incident = await _incident(session, incident_id)
    if body.kind is DraftKind.DPO_NOTICE and "escape" not in _categories(incident):
        found = ", ".join(sorted(_categories(incident))) or "not classified yet"
        raise Refused(
            "A DPO notice (wanted-person notice) is only for an escape; this incident's category is "
            f"{found}. Override the classification first if an inmate did escape.",
            detail=[{"field": "kind", "message": "dpo_notice needs category escape"}],
            indonesian="Pengumuman DPO hanya untuk insiden pelarian; ubah klasifikasinya dulu bila benar "
            "ada yang melarikan diri.",
        )
    event = DraftRequested(
        incident_id=uuid.UUID(incident.id),
        producer=PRODUCER,
        kind=body.kind,
        requested_by=requested_by,
        note=body.note,
    )
    await _publish(session, event)
    return DraftRequestedOut(incident_id=event.incident_id, kind=body.kind, event_id=event.event_id)


async def override_level(
    session: AsyncSession, incident_id: str, body: LevelOverrideIn, overridden_by: str
) -> None:
    incident = await _incident(session, incident_id)
    await _publish(
        session,
        IncidentLevelOverridden(
            incident_id=uuid.UUID(incident.id),
            producer=PRODUCER,
            level=body.level,
            previous_level=incident.level,
            reason=body.reason,
            overridden_by=overridden_by,
        ),
    )


async def _missing_answers(session: AsyncSession, incident_id: str) -> list[str]:
    reports = (await session.scalars(select(Report).where(Report.incident_id == incident_id))).all()
    answered = {key for r in reports for key in r.facts}
    return [key for key in REQUIRED_FOR_KRISIS if key not in answered]


async def change_phase(session: AsyncSession, incident_id: str, body: PhaseIn, changed_by: str) -> None:
    incident = await _incident(session, incident_id)
    if body.phase == "ditutup":
        raise Refused(
            "Closing needs a declaration by someone with the authority of the incident's level: "
            f"use POST /v1/incidents/{incident_id}/close.",
            detail=[{"field": "phase", "message": "use the close endpoint"}],
        )
    if body.phase == incident.phase:
        raise Conflict(
            f"The incident is already in phase {PHASE_NAMES[body.phase]}.",
            indonesian=f"Insiden sudah berada di fase {PHASE_NAMES[body.phase]}.",
        )
    if body.phase == "krisis":
        missing = await _missing_answers(session, incident.id)
        if missing:
            raise Refused(
                "Entering KRISIS needs a completed self-assessment; still unanswered: "
                f"{', '.join(missing)}. Complete them with PATCH /v1/reports/{{report_id}}.",
                detail=[{"field": f"facts.{key}", "message": "unanswered"} for key in missing],
                indonesian="Masuk fase krisis memerlukan self-assessment yang lengkap; belum dijawab: "
                f"{', '.join(missing)}.",
            )
    await _publish(
        session,
        IncidentPhaseChanged(
            incident_id=uuid.UUID(incident.id),
            producer=PRODUCER,
            phase=body.phase,
            previous_phase=incident.phase,
            changed_by=changed_by,
            reason=body.reason,
        ),
    )


def may_close(level: int | None, role: Role) -> tuple[bool, tuple[Role, ...]]:
    allowed = CLOSE_AUTHORITY[level or 1]
    return role in allowed, allowed


async def close_incident(
    session: AsyncSession, incident_id: str, body: CloseIn, closed_by: str, role: Role
) -> None:
    incident = await _incident(session, incident_id)
    ok, allowed = may_close(incident.level, role)
    if not ok:
        who = ", ".join(r.value for r in allowed)
        raise NotAllowed(
            f"A level {incident.level or 1} incident can only be closed by: {who} "
            f"(the role given was {role.value}).",
            indonesian=f"Insiden Level {incident.level or 1} hanya dapat ditutup oleh: {who}.",
        )
    closed = IncidentClosed(
        incident_id=uuid.UUID(incident.id),
        producer=PRODUCER,
        closed_by=closed_by,
        declaration=body.declaration,
    )
    phase = IncidentPhaseChanged(
        event_id=derive_event_id(closed.event_id, "phase"),
        incident_id=closed.incident_id,
        producer=PRODUCER,
        occurred_at=closed.occurred_at,
        phase="ditutup",
        previous_phase=incident.phase,
        changed_by=closed_by,
        reason=f"Deklarasi ({role.value}): {body.declaration}",
    )
    await _publish(session, phase, closed)


async def merge_incidents(session: AsyncSession, incident_id: str, body: MergeIn, merged_by: str) -> None:
    if body.into == incident_id:
        raise Refused(
            "An incident cannot be merged into itself.", detail=[{"field": "into", "message": "same"}]
        )
    source = await _incident(session, incident_id)
    target = await session.get(Incident, body.into)
    if target is None:
        raise NotFound(f"No incident with id {body.into} to merge into.")
    if target.merged_into:
        raise Conflict(
            f"Incident {body.into} was itself merged into {target.merged_into}; merge into that one."
        )
    if target.phase == "ditutup":
        raise Conflict(f"Incident {body.into} is closed; it cannot take more reports.")
    if source.unit_code != target.unit_code:
        _record_across_units(session, source, target, body, merged_by)
    await _publish(
        session,
        IncidentMerged(
            incident_id=uuid.UUID(source.id),
            producer=PRODUCER,
            into_incident_id=uuid.UUID(target.id),
            merged_by=merged_by,
            reason=body.reason,
        ),
    )
    target.updated_at = utcnow()


def _record_across_units(
    session: AsyncSession, source: Incident, target: Incident, body: MergeIn, merged_by: str
) -> None:
    """Merging two units' incidents moves one unit's reports out of its own scope (they follow the target
    incident from now on), so it is never implied: the caller says so, and both timelines say so."""
    if not body.across_units:
        raise Conflict(
            f"Incident {source.id} is of {source.unit_code} and {target.id} of {target.unit_code}. Merging "
            "them moves the reports of one unit into the other unit's incident, out of its own team's reach; "
            "if that is meant (one event reported by two units), send across_units: true.",
            indonesian="Kedua insiden berasal dari UPT yang berbeda. Penggabungan lintas UPT memindahkan "
            f"laporan {source.unit_code} ke insiden {target.unit_code}, di luar jangkauan tim UPT asalnya. "
            "Konfirmasikan penggabungan lintas UPT bila memang satu kejadian.",
            detail=[{"field": "across_units", "message": "required for incidents of two units"}],
        )
    summary = (
        f"Penggabungan lintas UPT oleh {merged_by}: laporan insiden {readmodel.number(source.id)} "
        f"({source.unit_code}) dipindahkan ke insiden {readmodel.number(target.id)} ({target.unit_code}); "
        f"sejak itu hanya yang berwenang atas {target.unit_code} dapat melihat dan mengubahnya. "
        f"Alasan: {body.reason}"
    )
    for incident_id in (source.id, target.id):
        readmodel.add_timeline(session, incident_id, "incident.merged_across_units", summary, merged_by)


def ack_event_id(notification_id: uuid.UUID) -> uuid.UUID:
    return derive_event_id(notification_id, "ack")


async def notification_incident(session: AsyncSession, notification_id: str) -> str:
    incident_id = await session.scalar(
        select(Notification.incident_id).where(Notification.notification_id == notification_id).limit(1)
    )
    if incident_id is None:
        raise NotFound(f"No notification with id {notification_id}.")
    return incident_id


async def acknowledge(
    session: AsyncSession, notification_id: uuid.UUID, incident_id: str, acknowledged_by: str
) -> Acknowledged:
    """Acknowledge once: a second click, a retry or a second channel answers with the first ack."""
    event_id = ack_event_id(notification_id)
    done = await session.scalar(select(OutboxEntry.event_id).where(OutboxEntry.event_id == str(event_id)))
    previous = await session.get(Acknowledgement, str(notification_id))
    if done is not None or previous is not None:
        by = previous.acknowledged_by if previous else acknowledged_by
        return Acknowledged(
            notification_id=notification_id,
            incident_id=uuid.UUID(incident_id),
            acknowledged_by=by,
            already=True,
        )
    await _incident(session, incident_id, open_only=False)
    await _publish(
        session,
        NotificationAcknowledged(
            event_id=event_id,
            incident_id=uuid.UUID(incident_id),
            producer=PRODUCER,
            notification_id=notification_id,
            acknowledged_by=acknowledged_by,
        ),
    )
    return Acknowledged(
        notification_id=notification_id,
        incident_id=uuid.UUID(incident_id),
        acknowledged_by=acknowledged_by,
        already=False,
    )
