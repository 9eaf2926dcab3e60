"""Durable timers: escalation of unacknowledged pages, response deadlines, digests.

A timer is a row. Firing it is one transaction that first flips its status from `pending` to `fired`
(a conditional UPDATE: of two processes, or of a process and its restarted self, exactly one wins) and
then stages what it causes. A crash before the commit leaves the timer pending, so it fires after the
restart; a crash after the commit left the deliveries pending, which the dispatcher resumes.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.approvals import ApprovalRequests
from tanggap_notifier.directory import Directory
from tanggap_notifier.incidents import get_state, view_of
from tanggap_notifier.messages import (
    IncidentView,
    MessageRenderer,
    deadline_label,
    format_clock,
    format_local,
)
from tanggap_notifier.models import (
    Delivery,
    DeliveryStatus,
    DigestItem,
    IncidentState,
    Timer,
    TimerKind,
    TimerStatus,
)
from tanggap_notifier.notices import PRODUCER, Notice, new_delivery, stage
from tanggap_notifier.routing import Routed, RoutingPolicy, resolve
from tanggap_shared.events import derive_event_id

log = structlog.get_logger("tanggap.notifier")

DEADLINE_STAGES = ("approaching", "missed")


# -- scheduling and cancelling ---------------------------------------------------------------------------


def deadline_timer_id(incident_id: uuid.UUID, name: str, stage_name: str) -> str:
    return str(derive_event_id(incident_id, PRODUCER, "deadline", name, stage_name))


async def schedule_deadlines(
    session: AsyncSession, state: IncidentState, policy: RoutingPolicy, now: datetime
) -> int:
    """One "approaching" and one "missed" timer per watched deadline; a new level moves them."""
    incident_id = uuid.UUID(state.incident_id)
    watched = policy.deadlines
    if state.closed or not state.crisis or state.level not in watched.levels:
        await cancel(session, incident_id=state.incident_id, kinds=(TimerKind.DEADLINE,))
        return 0
    scheduled = 0
    for name, minutes in state.deadlines.items():
        kind = watched.satisfied_by.get(name)
        if kind is None or kind.value in state.approved_kinds:
            continue
        missed_at = state.known_at + timedelta(minutes=int(minutes))
        warn_at = state.known_at + timedelta(minutes=int(minutes) * watched.warn_at)
        for stage_name, due in (("approaching", warn_at), ("missed", missed_at)):
            if stage_name == "approaching" and missed_at <= now:
                continue  # learnt too late to warn: only the miss is worth a message
            timer_id = deadline_timer_id(incident_id, name, stage_name)
            timer = await session.get(Timer, timer_id)
            if timer is None:
                session.add(
                    Timer(
                        id=timer_id,
                        kind=TimerKind.DEADLINE.value,
                        key=f"incident:{state.incident_id}",
                        incident_id=state.incident_id,
                        due_at=due,
                        payload={"name": name, "stage": stage_name, "draft_kind": kind.value},
                    )
                )
            elif timer.status == TimerStatus.PENDING.value:
                timer.due_at = due
            scheduled += 1
    return scheduled


async def cancel(
    session: AsyncSession,
    *,
    incident_id: str | None = None,
    chain_id: str | None = None,
    key: str | None = None,
    kinds: tuple[TimerKind, ...] = (),
    draft_kind: str | None = None,
) -> int:
    """Cancel pending timers matching every given filter; returns how many."""
    query = select(Timer).where(Timer.status == TimerStatus.PENDING.value)
    if incident_id is not None:
        query = query.where(Timer.incident_id == incident_id)
    if chain_id is not None:
        query = query.where(Timer.chain_id == chain_id)
    if key is not None:
        query = query.where(Timer.key == key)
    if kinds:
        query = query.where(Timer.kind.in_([k.value for k in kinds]))
    cancelled = 0
    for timer in (await session.scalars(query)).all():
        if draft_kind is not None and timer.payload.get("draft_kind") != draft_kind:
            continue
        timer.status = TimerStatus.CANCELLED.value
        cancelled += 1
    return cancelled


# -- firing ----------------------------------------------------------------------------------------------


async def due_timer_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[str]:
    query = (
        select(Timer.id)
        .where(Timer.status == TimerStatus.PENDING.value, Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def next_due(session: AsyncSession) -> datetime | None:
    query = select(Timer.due_at).where(Timer.status == TimerStatus.PENDING.value).order_by(Timer.due_at)
    return await session.scalar(query.limit(1))


async def take(session: AsyncSession, timer_id: str, now: datetime) -> Timer | None:
    """Flip a due timer to fired; None if someone else fired or cancelled it first."""
    flipped = await session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.status == TimerStatus.PENDING.value, Timer.due_at <= now)
        .values(status=TimerStatus.FIRED.value, fired_at=now)
        .execution_options(synchronize_session=False)
    )
    if flipped.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Timer, timer_id, populate_existing=True)


class TimerActions:
    """What a fired timer does; runs inside the firing transaction."""

    def __init__(self, *, policy: RoutingPolicy, renderer: MessageRenderer) -> None:
        self._policy = policy
        self._renderer = renderer
        self._approvals = ApprovalRequests(policy=policy, renderer=renderer)

    async def run(self, session: AsyncSession, timer: Timer, directory: Directory, now: datetime) -> None:
        if timer.kind == TimerKind.ESCALATION.value:
            await self.escalate(session, timer, directory, now)
        elif timer.kind == TimerKind.DEADLINE.value:
            await self.deadline(session, timer, directory, now)
        elif timer.kind == TimerKind.DIGEST.value:
            await self.digest(session, timer, directory, now)
        elif timer.kind == TimerKind.APPROVAL.value:
            await self._approvals.send(session, timer, directory, now)

    async def _open_state(self, session: AsyncSession, timer: Timer) -> IncidentState | None:
        state = await get_state(session, timer.incident_id)
        if state is None or state.closed or not state.crisis:
            return None
        return state

    # escalation ------------------------------------------------------------------------------------

    async def escalate(
        self, session: AsyncSession, timer: Timer, directory: Directory, now: datetime
    ) -> None:
        state = await self._open_state(session, timer)
        if state is None:
            return
        chain = list(
            (await session.scalars(select(Delivery).where(Delivery.chain_id == timer.chain_id))).all()
        )
        if any(row.acknowledged_at is not None for row in chain):
            return  # an acknowledgement raced with the timer: the chain is done
        told = {row.person_id for row in chain}
        unconfirmed = [row.name for row in chain if row.status != DeliveryStatus.PASSED_ON.value]
        view = view_of(state)
        steps = self._policy.escalation.steps
        for index in range(int(timer.payload.get("step", 0)), len(steps)):
            recipients = self._step_recipients(index, chain, directory, view, told)
            if not recipients:
                continue
            started = datetime.fromisoformat(str(timer.payload.get("started_at", now.isoformat())))
            extra: dict[str, Any] = {
                "about": timer.payload.get("about", "pemberitahuan krisis"),
                "waited_minutes": max(1, int((now - started).total_seconds() // 60)),
                "unconfirmed": unconfirmed,
            }
            chain_id = uuid.UUID(timer.chain_id)
            notice = Notice(
                kind="escalation",
                trigger_event_id=derive_event_id(chain_id, PRODUCER, "escalation", str(index)),
                trigger_type="notifier.escalation",
                incident=view,
                chain_id=chain_id,
                extra=extra,
                step=index,
                # The next step stays cancellable by what cancels this one (a review, an approval).
                timer_key=timer.key,
            )
            await stage(session, notice, recipients, policy=self._policy, renderer=self._renderer, now=now)
            log.warning("notifier.escalated", chain_id=timer.chain_id, step=index, recipients=len(recipients))
            return
        log.warning("notifier.escalation_exhausted", chain_id=timer.chain_id)

    def _step_recipients(
        self, index: int, chain: list[Delivery], directory: Directory, view: IncidentView, told: set[str]
    ) -> list[Routed]:
        step = self._policy.escalation.steps[index]
        if step.deputies:
            people = [
                deputy
                for row in chain
                for deputy_id in getattr(directory.get(row.person_id), "deputies", [])
                if (deputy := directory.get(deputy_id)) is not None
            ]
            routed = [Routed(person) for person in people]
        else:
            routed = resolve(
                step.targets,
                directory=directory,
                policy=self._policy,
                unit=view.unit.code,
                region=view.unit.region,
            )
        unique: dict[str, Routed] = {}
        for item in routed:
            if item.person.id not in told:
                unique.setdefault(item.person.id, item)
        return list(unique.values())

    # deadlines -------------------------------------------------------------------------------------

    async def deadline(
        self, session: AsyncSession, timer: Timer, directory: Directory, now: datetime
    ) -> None:
        state = await self._open_state(session, timer)
        if state is None:
            return
        name = str(timer.payload["name"])
        stage_name = str(timer.payload["stage"])
        if timer.payload.get("draft_kind") in state.approved_kinds:
            return
        view = view_of(state)
        due = view.due(name)
        if due is None:
            return
        region = view.unit.region
        kind = f"deadline_{stage_name}"
        extra = {
            "deadline_name": deadline_label(name),
            "due": format_local(due, region),
            "due_clock": format_clock(due, region),
            "minutes_left": max(0, int((due - now).total_seconds() // 60)),
        }
        trigger = uuid.UUID(timer.id)
        recipients = resolve(
            self._policy.targets_for(kind, state.level),
            directory=directory,
            policy=self._policy,
            unit=view.unit.code,
            region=region,
        )
        notice = Notice(
            kind=kind,
            trigger_event_id=trigger,
            trigger_type=f"notifier.deadline_{stage_name}",
            incident=view,
            chain_id=trigger,
            extra=extra,
        )
        await stage(session, notice, recipients, policy=self._policy, renderer=self._renderer, now=now)

    # digests ---------------------------------------------------------------------------------------

    async def digest(self, session: AsyncSession, timer: Timer, directory: Directory, now: datetime) -> None:
        person_id = str(timer.payload["person_id"])
        items = list(
            (
                await session.scalars(
                    select(DigestItem)
                    .where(DigestItem.person_id == person_id, DigestItem.delivery_id.is_(None))
                    .order_by(DigestItem.created_at, DigestItem.id)
                )
            ).all()
        )
        person = directory.get(person_id)
        if not items:
            return
        if person is None:
            log.warning("notifier.digest_recipient_left_directory", person_id=person_id, items=len(items))
            return
        trigger = uuid.UUID(timer.id)
        message = self._renderer.render_digest([item.line for item in items])
        incidents = list(dict.fromkeys(item.incident_id for item in items))
        row = new_delivery(
            trigger=trigger,
            trigger_type="notifier.digest",
            kind="digest",
            chain_id=trigger,
            incidents=incidents,
            level=min(item.level for item in items),
            routed=Routed(person),
            message=message,
            now=now,
        )
        session.add(row)
        for item in items:
            item.delivery_id = row.id
        log.info("notifier.digest_staged", person_id=person_id, items=len(items), incidents=len(incidents))
