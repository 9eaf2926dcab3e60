"""Every edit of a draft is checked before it can be approved (issue 13 item 5).

The drafter owns the checks of DOMAIN.md §6.8, so an edit makes a round trip: saving an edited text (the
console's "Simpan suntingan", `POST /v1/drafts/{id}/save`, or an approval that sends an edited text) makes
it the draft's next revision and publishes `draft.edited` through the outbox; the drafter answers with
`draft.checked`, which is kept beside the draft. An approval is allowed only on the text of the latest
revision, once its check has arrived and found nothing blocking. Revision 0 is the text as proposed: the
drafter checked it when it drafted it.
"""

import hashlib
import uuid
from typing import Any

import structlog
from faststream.nats import NatsMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.errors import Conflict, Refused
from tanggap_intake.models import Draft, Incident, Report, Unit
from tanggap_intake.readmodel import DECISION_NAMES, DRAFT_NAMES, add_timeline
from tanggap_shared.contracts import DraftKind
from tanggap_shared.db import add_to_outbox, already_applied
from tanggap_shared.events import DraftChecked, DraftEdited, Event, derive_event_id, utcnow
from tanggap_shared.messaging import Handler
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.intake.edit_checks")

CONSUMER = "intake.draft_checks"
SUBJECTS = ["tanggap.draft.checked"]
PRODUCER = "intake"

PENDING = "Persetujuan ditunda: pemeriksaan teks terbaru belum selesai, coba lagi sebentar."


class DraftMissing(RuntimeError):
    """A check of a draft this intake does not hold (yet): retried, then dead-lettered."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def latest_text(draft: Draft) -> str:
    """The text of the draft's latest revision: the last saved edit, or the proposal."""
    return draft.working_text if draft.edit_revision and draft.working_text is not None else draft.text


def check_state(draft: Draft) -> str:
    """ "proposal" (no edit), "pending" (the latest edit is being checked) or "checked"."""
    if not draft.edit_revision:
        return "proposal"
    return "checked" if draft.checked_revision == draft.edit_revision else "pending"


def _values(answers: dict[str, Any]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for answer in answers.values():
        if isinstance(answer, dict) and answer.get("value"):
            out.append((str(answer["value"]), bool(answer.get("verified"))))
        elif isinstance(answer, str) and answer:
            out.append((answer, False))
    return out


async def _context(session: AsyncSession, incident: Incident) -> tuple[list[str], list[str], bool]:
    """What the checks compare an edit with, from every report of the incident (the drafter holds only
    the latest classification): the texts, the 5W+1H answers, the figures, and whether an Anak is involved."""
    reports = (await session.scalars(select(Report).where(Report.incident_id == incident.id))).all()
    known: list[str] = []
    unverified: list[str] = []
    children = False
    for report in reports:
        answers = _values(report.facts)
        known += [report.text, *(value for value, _ in answers)]
        unverified += [value for value, verified in answers if not verified]
        known += [str(v) for v in report.impact.values() if isinstance(v, int) and not isinstance(v, bool)]
        children = children or bool(report.impact.get("children_involved"))
    unit = await session.get(Unit, incident.unit_code)
    if unit is not None:
        known += [unit.name, unit.city, unit.code]
        children = children or unit.type.upper() == "LPKA"
    return known, unverified, children


async def submit_edit(session: AsyncSession, draft: Draft, incident: Incident, text: str, by: str) -> int:
    """Make `text` the draft's latest revision and send it to be checked; the revision number.

    The same text as the latest revision is no new revision (a second click, a retry, an approval of the
    saved edit): its check, done or on its way, stands.
    """
    if draft.status != "proposed":
        decided = DECISION_NAMES.get(draft.status, draft.status)
        raise Conflict(
            f"This draft was already {draft.status} by {draft.reviewed_by}; it can no longer be edited.",
            indonesian=f"Draf ini sudah {decided} oleh {draft.reviewed_by}; tidak dapat disunting lagi.",
        )
    # Compared as the API stores texts (without surrounding white space).
    if text.strip() == latest_text(draft).strip():
        return draft.edit_revision
    seen = draft.edit_revision
    revision = seen + 1
    now = utcnow()
    sha = digest(text)
    # Conditional on the revision read, so two saves at once make two revisions, never one lost.
    saved = await session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.edit_revision == seen, Draft.status == "proposed")
        .values(edit_revision=revision, edit_sha256=sha, working_text=text, working_by=by, working_at=now)
    )
    if getattr(saved, "rowcount", 1) != 1:
        raise Conflict(
            "This draft was edited or decided by someone else a moment ago; reload it.",
            indonesian="Draf ini baru saja disunting atau diputuskan orang lain; muat ulang halaman.",
        )
    known, unverified, children = await _context(session, incident)
    draft_id = uuid.UUID(draft.id)
    add_to_outbox(
        session,
        DraftEdited(
            event_id=derive_event_id(draft_id, "draft.edited", str(revision)),
            incident_id=uuid.UUID(incident.id),
            producer=PRODUCER,
            occurred_at=now,
            draft_id=draft_id,
            kind=DraftKind(draft.kind),
            revision=revision,
            text=text,
            text_sha256=sha,
            edited_by=by,
            known=known,
            unverified=unverified,
            children_involved=children,
        ),
    )
    name = DRAFT_NAMES.get(draft.kind, draft.kind)
    add_timeline(
        session,
        incident.id,
        "draft.edited",
        f"Suntingan draf {name} disimpan oleh {by} untuk disetujui (revisi {revision}; sedang diperiksa).",
        by,
    )
    await session.refresh(draft)
    log.info("intake.draft_edit_submitted", revision=revision)
    return revision


def _finding_words(findings: list[dict[str, Any]]) -> str:
    return " ".join(
        f"{f.get('message')}" + (f" (“{f['excerpt']}”)" if f.get("excerpt") else "") for f in findings
    )


def require_current_check(draft: Draft, final_text: str) -> None:
    """Approval needs the check of the very text approved, and nothing blocking in it."""
    if not draft.edit_revision:
        return  # the proposal: its findings came with it (decisions.blocking_left guards them)
    if final_text.strip() != (draft.working_text or "").strip():
        raise Conflict(
            f"The text sent is not the latest saved edit (revision {draft.edit_revision}, by "
            f"{draft.working_by}); approve that text, or send yours to be checked first.",
            indonesian=f"Teks yang akan disetujui bukan suntingan terbaru (oleh {draft.working_by}). "
            "Muat ulang halaman, lalu setujui suntingan terbaru.",
            detail=[{"field": "text", "code": "not_latest_revision", "revision": draft.edit_revision}],
        )
    if draft.checked_revision != draft.edit_revision:
        raise Conflict(
            f"The checks of the latest edit (revision {draft.edit_revision}) have not finished; "
            "retry in a moment.",
            indonesian=PENDING,
            detail=[{"field": "text", "code": "check_pending", "revision": draft.edit_revision}],
        )
    blocking = [f for f in draft.check_findings if f.get("severity") == "blocking"]
    if blocking:
        raise Refused(
            "Approval refused: the checks of the edited text found: " + _finding_words(blocking),
            indonesian="Persetujuan ditolak: pemeriksaan teks suntingan menemukan hal yang memblokir. "
            + _finding_words(blocking)
            + " Sunting teksnya lalu simpan lagi.",
            detail=[
                {
                    "field": "text",
                    "code": f.get("code"),
                    "message": f.get("message"),
                    "excerpt": f.get("excerpt", ""),
                }
                for f in blocking
            ],
        )


async def apply_checked(session: AsyncSession, event: DraftChecked) -> bool:
    """Keep the drafter's check of a revision; False when this event was applied before.

    A check of an older revision (the officer saved again meanwhile) or of another text is recorded in the
    inbox and changes nothing: only the check of the latest revision can open the way to approval.
    """
    if await already_applied(session, CONSUMER, event.event_id):
        return False
    draft = await session.get(Draft, str(event.draft_id))
    if draft is None:
        raise DraftMissing(f"draft {event.draft_id} is not known to this intake")
    kept = await session.execute(
        update(Draft)
        .where(
            Draft.id == draft.id,
            Draft.edit_revision == event.revision,
            Draft.edit_sha256 == event.text_sha256,
        )
        .values(
            checked_revision=event.revision,
            check_findings=[f.model_dump(mode="json") for f in event.findings],
            checked_at=event.checked_at,
            checks_version=event.checks_version,
        )
    )
    if getattr(kept, "rowcount", 1) != 1:
        log.info("intake.draft_check_stale", revision=event.revision, latest=draft.edit_revision)
        return True
    blocking = sum(f.severity == "blocking" for f in event.findings)
    warnings = sum(f.severity == "warning" for f in event.findings)
    name = DRAFT_NAMES.get(draft.kind, draft.kind)
    verdict = f"{blocking} temuan memblokir, {warnings} peringatan" if event.findings else "tanpa temuan"
    add_timeline(
        session,
        draft.incident_id,
        "draft.checked",
        f"Suntingan draf {name} (revisi {event.revision}) selesai diperiksa: {verdict}.",
        event.producer,
        event,
    )
    log.info("intake.draft_check_applied", revision=event.revision, blocking=blocking)
    return True


def handler(runtime: Runtime) -> Handler:
    """The consumer of `draft.checked`: each check applied once, in its own transaction."""

    async def on_draft_checked(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, DraftChecked):
            return
        async with runtime.unit_of_work() as session:
            await apply_checked(session, event)

    return on_draft_checked
