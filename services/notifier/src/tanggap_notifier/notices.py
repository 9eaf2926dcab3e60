"""A notice (one reason to tell people something) staged as deliveries, digest items and timers.

Everything here runs inside the caller's unit of work, so the rows, the escalation timer and the
consumed event commit together or not at all. Each (trigger, person) pair is staged once: a second
staging of the same trigger finds the rows and adds nothing.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.messages import IncidentView, Message, MessageRenderer
from tanggap_notifier.models import Delivery, DeliveryStatus, DigestItem, Timer, TimerKind, TimerStatus
from tanggap_notifier.routing import Routed, RoutingPolicy, policy_kind
from tanggap_shared.events import derive_event_id

PRODUCER = "notifier"
PAGE_KINDS = ("incident_new", "level_raised")

log = structlog.get_logger("tanggap.notifier")


@dataclass(frozen=True)
class Notice:
    kind: str
    trigger_event_id: uuid.UUID
    trigger_type: str
    incident: IncidentView
    chain_id: uuid.UUID
    extra: dict[str, Any] = field(default_factory=dict)
    step: int = 0  # escalation step that produced it (0: the original page)
    # What cancels its escalation (`approval:<request>` for an approval request); default `chain:<id>`.
    timer_key: str = ""


@dataclass
class Staged:
    paged: list[str] = field(default_factory=list)
    digested: list[str] = field(default_factory=list)


def delivery_id(trigger_event_id: uuid.UUID, person_id: str) -> uuid.UUID:
    return derive_event_id(trigger_event_id, PRODUCER, person_id)


def escalation_about(kind: str, extra: dict[str, Any]) -> str:
    if kind in ("approval_request", "escalation"):
        return str(extra.get("about", "pemberitahuan krisis"))
    return "pemberitahuan krisis"


def new_delivery(
    *,
    trigger: uuid.UUID,
    trigger_type: str,
    kind: str,
    chain_id: uuid.UUID,
    incidents: list[str],
    level: int,
    routed: Routed,
    message: Message,
    now: datetime,
) -> Delivery:
    """A pending delivery row with its texts fixed now (a resumed row sends exactly what was decided)."""
    person = routed.person
    return Delivery(
        id=str(delivery_id(trigger, person.id)),
        trigger_event_id=str(trigger),
        trigger_type=trigger_type,
        kind=kind,
        chain_id=str(chain_id),
        incident_id=incidents[0],
        incident_ids=incidents,
        level=level,
        person_id=person.id,
        name=person.name,
        role=routed.role.value,
        tier=person.tier.value,
        title=message.title,
        body=message.body,
        short_body=message.short,
        gap_note=routed.gap_note,
        status=DeliveryStatus.PENDING.value,
        created_at=now,
    )


async def _already_staged(session: AsyncSession, trigger: uuid.UUID, person_id: str) -> bool:
    key = str(trigger)
    found = await session.scalar(
        select(Delivery.id).where(Delivery.trigger_event_id == key, Delivery.person_id == person_id)
    )
    if found is not None:
        return True
    item = await session.scalar(
        select(DigestItem.id).where(DigestItem.trigger_event_id == key, DigestItem.person_id == person_id)
    )
    return item is not None


async def recent_pages(session: AsyncSession, person_id: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.person_id == person_id, Delivery.created_at >= since, Delivery.kind != "digest")
    )
    return int(await session.scalar(query) or 0)


async def _hold_reason(
    session: AsyncSession, notice: Notice, person_id: str, policy: RoutingPolicy, now: datetime
) -> str:
    """Why this notice waits for the digest instead of paging ("" when it pages now)."""
    level = notice.incident.level
    # A triage question waits for an answer: a level-1 digest a day later would leave it in the queue.
    if level in policy.digest.levels and notice.kind not in ("escalation", "triage_needed"):
        return "level"
    limit = policy.rate_limit
    if level >= limit.exempt_from_level or policy_kind(notice.kind) in limit.exempt_kinds:
        return ""
    since = now - timedelta(minutes=limit.window_minutes)
    return "rate_limit" if await recent_pages(session, person_id, since) >= limit.max_messages else ""


async def ensure_digest_timer(session: AsyncSession, person_id: str, due: datetime) -> None:
    """One pending digest per person; an earlier due time (the rate limit's window) moves it forward."""
    timer = await session.scalar(
        select(Timer).where(
            Timer.kind == TimerKind.DIGEST.value,
            Timer.key == f"person:{person_id}",
            Timer.status == TimerStatus.PENDING.value,
        )
    )
    if timer is None:
        session.add(
            Timer(
                id=str(uuid.uuid4()),
                kind=TimerKind.DIGEST.value,
                key=f"person:{person_id}",
                due_at=due,
                payload={"person_id": person_id},
            )
        )
    elif due < timer.due_at:
        timer.due_at = due


def _digest_due(policy: RoutingPolicy, routed: Routed, reason: str, now: datetime) -> datetime:
    if reason == "rate_limit":
        return now + timedelta(minutes=policy.rate_limit.window_minutes)
    minutes = policy.digest.interval_minutes.get(routed.person.tier, 1440.0)
    return now + timedelta(minutes=minutes)


def escalation_timer(notice: Notice, policy: RoutingPolicy, now: datetime) -> Timer | None:
    """The timer that escalates this page if nobody acknowledges it in time."""
    minutes = policy.escalation.ack_minutes.get(notice.incident.level)
    next_step = notice.step + 1 if notice.kind == "escalation" else 0
    if minutes is None or policy_kind(notice.kind) not in policy.escalation.requires_ack:
        return None
    if next_step >= len(policy.escalation.steps):
        return None
    about = escalation_about(notice.kind, notice.extra)
    key = notice.timer_key or f"chain:{notice.chain_id}"
    return Timer(
        id=str(derive_event_id(notice.chain_id, PRODUCER, "escalation-timer", str(next_step))),
        kind=TimerKind.ESCALATION.value,
        key=key,
        incident_id=str(notice.incident.incident_id),
        chain_id=str(notice.chain_id),
        due_at=now + timedelta(minutes=minutes),
        payload={
            "chain_id": str(notice.chain_id),
            "step": next_step,
            "level": notice.incident.level,
            "about": about,
            "started_at": now.isoformat(),
        },
    )


async def stage(
    session: AsyncSession,
    notice: Notice,
    recipients: list[Routed],
    *,
    policy: RoutingPolicy,
    renderer: MessageRenderer,
    now: datetime,
) -> Staged:
    """Page or hold back each recipient of a notice; start its escalation timer if it pages someone."""
    staged = Staged()
    for routed in recipients:
        person = routed.person
        if await _already_staged(session, notice.trigger_event_id, person.id):
            continue
        message = renderer.render(notice.kind, notice.incident, routed, notice.extra)
        for gap in routed.stands_in_for:
            log.warning(
                "notifier.roster_gap", gap=gap.note, stand_in=person.id, policy_version=policy.version
            )
        reason = await _hold_reason(session, notice, person.id, policy, now)
        if reason:
            session.add(
                DigestItem(
                    id=str(delivery_id(notice.trigger_event_id, person.id)),
                    person_id=person.id,
                    incident_id=str(notice.incident.incident_id),
                    trigger_event_id=str(notice.trigger_event_id),
                    kind=notice.kind,
                    level=notice.incident.level,
                    line=f"{message.title} — {renderer.incident_link(notice.incident.incident_id)}",
                    reason=reason,
                    created_at=now,
                )
            )
            await ensure_digest_timer(session, person.id, _digest_due(policy, routed, reason, now))
            staged.digested.append(person.id)
            if reason == "rate_limit":
                log.warning("notifier.rate_limited", person_id=person.id, kind=notice.kind)
            continue
        session.add(
            new_delivery(
                trigger=notice.trigger_event_id,
                trigger_type=notice.trigger_type,
                kind=notice.kind,
                chain_id=notice.chain_id,
                incidents=[str(notice.incident.incident_id)],
                level=notice.incident.level,
                routed=routed,
                message=message,
                now=now,
            )
        )
        staged.paged.append(person.id)
    await session.flush()
    timer = escalation_timer(notice, policy, now) if staged.paged else None
    if timer is not None and await session.get(Timer, timer.id) is None:
        session.add(timer)
    log.info(
        "notifier.staged",
        kind=notice.kind,
        paged=len(staged.paged),
        digested=len(staged.digested),
        policy_version=policy.version,
    )
    return staged
