"""Decisions as a principal takes them, shared by the JSON API and the console: the scope check, the
authority of the level, who the actor is, then the decision itself (decisions.py), in one transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import decisions, edit_checks, guards
from tanggap_intake.access import Principal
from tanggap_intake.errors import NotFound, Refused
from tanggap_intake.schemas import (
    CloseIn,
    DraftOut,
    DraftRequested,
    DraftRequestIn,
    LevelOverrideIn,
    MergeIn,
    PhaseIn,
    ReviewIn,
)


def actor(principal: Principal, given: str | None, field: str) -> str:
    """Who acts: the caller's own identity, or the person a trusted integration names in `field`."""
    name = principal.actor(given)
    if not name:
        raise Refused(
            f"Invalid request: {field}: required when acting with the bootstrap key or in open mode "
            "(a console session or a scoped API key acts as itself).",
            detail=[{"field": field, "message": "Field required"}],
        )
    return name


def signature(principal: Principal, given: str | None) -> decisions.Signature:
    """The authenticated principal, always; the name the caller sent kept apart, as a claim."""
    claim = (given or "").strip()
    return decisions.Signature(
        recorded_by=principal.label,
        recorded_by_kind=principal.kind.value,
        on_behalf_of=claim if claim != principal.label else "",
    )


async def review_as(session: AsyncSession, principal: Principal, draft_id: str, body: ReviewIn) -> DraftOut:
    """Review a draft within scope and with the authority of its incident's level (console and API)."""
    by = actor(principal, body.reviewer, "reviewer")
    _draft, incident = await guards.visible_draft(session, principal, draft_id)
    guards.require_authority(principal, incident, "Reviewing a draft")
    return await decisions.review_draft(session, draft_id, body, by, signature(principal, body.reviewer))


async def save_edit_as(
    session: AsyncSession,
    principal: Principal,
    draft_id: str,
    text: str,
    given: str | None = None,
    *,
    approving: bool = False,
) -> int:
    """Save an edit within scope and send it to be checked; the revision it became. Anyone in scope may
    prepare an edit; when it comes with an approval, the authority of the level is needed first."""
    by = actor(principal, given, "edited_by")
    draft, incident = await guards.visible_draft(session, principal, draft_id)
    if approving:
        guards.require_authority(principal, incident, "Reviewing a draft")
    return await edit_checks.submit_edit(session, draft, incident, text, by)


async def request_draft_as(
    session: AsyncSession, principal: Principal, incident_id: str, body: DraftRequestIn
) -> DraftRequested:
    by = actor(principal, body.requested_by, "requested_by")
    await guards.visible_incident(session, principal, incident_id)
    return await decisions.request_draft(session, incident_id, body, by)


async def override_as(
    session: AsyncSession, principal: Principal, incident_id: str, body: LevelOverrideIn
) -> None:
    """Anyone in scope may raise the level (more people are told); keeping or lowering it needs the
    authority of the current level."""
    by = actor(principal, body.overridden_by, "overridden_by")
    incident = await guards.visible_incident(session, principal, incident_id)
    if body.level <= (incident.level or 0):
        guards.require_authority(principal, incident, "Lowering the level")
    await decisions.override_level(session, incident_id, body, by)


async def phase_as(session: AsyncSession, principal: Principal, incident_id: str, body: PhaseIn) -> None:
    """Entering krisis is open to anyone in scope; other moves need the authority of the level."""
    by = actor(principal, body.changed_by, "changed_by")
    incident = await guards.visible_incident(session, principal, incident_id)
    if body.phase != "krisis":
        guards.require_authority(principal, incident, "Changing the phase")
    await decisions.change_phase(session, incident_id, body, by)


async def close_as(session: AsyncSession, principal: Principal, incident_id: str, body: CloseIn) -> None:
    by = actor(principal, body.closed_by, "closed_by")
    role = principal.team_role(body.role)
    if role is None:
        raise Refused(
            "Invalid request: role: required when acting with the bootstrap key or in open mode.",
            detail=[{"field": "role", "message": "Field required"}],
        )
    await guards.visible_incident(session, principal, incident_id)
    await decisions.close_incident(session, incident_id, body, by, role)


async def merge_as(session: AsyncSession, principal: Principal, incident_id: str, body: MergeIn) -> None:
    by = actor(principal, body.merged_by, "merged_by")
    await guards.visible_incident(session, principal, incident_id)
    try:
        await guards.visible_incident(session, principal, body.into)
    except NotFound:
        raise NotFound(
            f"No incident with id {body.into} to merge into.", indonesian="Insiden tujuan tidak ditemukan."
        ) from None
    await decisions.merge_incidents(session, incident_id, body, by)
