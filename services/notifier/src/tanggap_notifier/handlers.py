"""The notifier's consumer: each event becomes notices, timers and team updates in ONE unit of work.

incident.classified: store the incident, publish its crisis team when it changed, page who is new to
the crisis (everyone at first; on a level rise only the people the new level adds), watch deadlines.
A classification that is not a crisis but "perlu ditinjau" asks the unit's Humas, once, to decide.
draft.proposed: add the draft to the approver's request (approvals.py: one per incident and approver,
sent when its gathering window ends). draft.reviewed: mark it reviewed there (the request's escalation
stops once every listed draft is reviewed); an approval tells the team and meets its deadline.
notification.acknowledged: stop that page's escalation. incident.closed: stop every timer and tell the
team.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from faststream.nats import NatsMessage
from sqlalchemy import event as orm_events
from sqlalchemy import false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tanggap_notifier import approvals
from tanggap_notifier.directory import Directory
from tanggap_notifier.directory_cache import DirectoryCache
from tanggap_notifier.dispatch import Dispatcher
from tanggap_notifier.incidents import (
    get_state,
    paged_people,
    record_classification,
    refresh_team,
    team_of,
    view_of,
    view_of_classified,
)
from tanggap_notifier.messages import MessageRenderer, draft_label
from tanggap_notifier.metrics import TIME_TO_ACKNOWLEDGE
from tanggap_notifier.models import (
    Delivery,
    DeliveryStatus,
    DigestItem,
    IncidentState,
    Timer,
    TimerKind,
    TimerStatus,
)
from tanggap_notifier.notices import PRODUCER, Notice, stage
from tanggap_notifier.routing import RoutingPolicy, resolve
from tanggap_notifier.scheduler import Scheduler
from tanggap_notifier.settings import NotifierSettings
from tanggap_notifier.timers import cancel, schedule_deadlines
from tanggap_shared.contracts import Channel
from tanggap_shared.db import already_applied
from tanggap_shared.events import (
    DraftProposed,
    DraftReviewed,
    Event,
    IncidentClassified,
    IncidentClosed,
    NotificationAcknowledged,
    derive_event_id,
    utcnow,
)
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime

CONSUMER = "notifier.routing"
SUBJECTS = [
    "tanggap.incident.classified",
    "tanggap.draft.proposed",
    "tanggap.draft.reviewed",
    "tanggap.notification.acknowledged",
    "tanggap.incident.closed",
]
Handled = IncidentClassified | DraftProposed | DraftReviewed | NotificationAcknowledged | IncidentClosed

log = structlog.get_logger("tanggap.notifier")


async def triage_noticed(session: AsyncSession, incident_id: uuid.UUID) -> bool:
    """Whether this incident's 'perlu ditinjau' notice was staged before (paged or held for a digest)."""
    key = str(incident_id)
    paged = select(Delivery.id).where(Delivery.incident_id == key, Delivery.kind == "triage_needed")
    held = select(DigestItem.id).where(DigestItem.incident_id == key, DigestItem.kind == "triage_needed")
    found = await session.scalar(select(or_(paged.exists(), held.exists())))
    return bool(found)


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite: start the transaction as a writer, so two processes queue instead of failing on upgrade."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(IncidentState).where(false()).values(level=IncidentState.level))


@dataclass
class StagedInUnit:
    """What a unit of work staged, noted at every flush (the identity map holds objects only weakly, so it
    cannot be read afterwards): the earliest due time of the timers it created or moved, and the
    triggers of the deliveries it added."""

    soonest: datetime | None = None
    triggers: set[str] = field(default_factory=set)

    def watch(self, session: AsyncSession) -> None:
        orm_events.listen(session.sync_session, "before_flush", self._note)

    def _note(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Timer) and obj.status in (TimerStatus.PENDING.value, None) and obj.due_at:
                self.soonest = obj.due_at if self.soonest is None else min(self.soonest, obj.due_at)
            elif isinstance(obj, Delivery) and obj.status in (DeliveryStatus.PENDING.value, None):
                self.triggers.add(obj.trigger_event_id)


@dataclass
class RoutingHandler:
    runtime: Runtime
    policy: RoutingPolicy
    renderer: MessageRenderer
    dispatcher: Dispatcher
    scheduler: Scheduler
    directories: DirectoryCache = field(default_factory=DirectoryCache)

    async def __call__(self, event: Event, _msg: NatsMessage | None) -> None:
        if not isinstance(event, Handled):
            return
        async with self.runtime.unit_of_work() as session:
            await take_write_lock(session)
            staged = StagedInUnit()
            staged.watch(session)
            redelivered = await already_applied(session, CONSUMER, event.event_id)
            if not redelivered:
                await self.apply(session, event, utcnow())
        soonest, triggers = staged.soonest, staged.triggers
        # The watchdog sleeps until its next timer; only one due sooner than that needs to wake it.
        if soonest is not None:
            self.scheduler.due_at(soonest)
        if redelivered:
            # A crash right after the commit may have left this event's rows pending: send them now.
            await self.dispatcher.deliver_pending()
        elif triggers:
            # Only what this event staged (and the deputies' rows those may hand over to); the resume loop
            # and the watchdog send everything else, so concurrent handlers never race for the same rows.
            await self.dispatcher.deliver_pending(triggers=triggers)

    async def apply(self, session: AsyncSession, event: Handled, now: datetime) -> None:
        directory = await self.directories.get(session)
        match event:
            case IncidentClassified():
                await self.classified(session, event, directory, now)
            case DraftProposed():
                await self.draft_proposed(session, event, directory, now)
            case DraftReviewed():
                await self.draft_reviewed(session, event, directory, now)
            case NotificationAcknowledged():
                await self.acknowledged(session, event)
            case IncidentClosed():
                await self.closed(session, event, directory, now)

    async def _stage(
        self, session: AsyncSession, notice: Notice, directory: Directory, now: datetime, kind: str
    ) -> None:
        recipients = resolve(
            self.policy.targets_for(kind, notice.incident.level),
            directory=directory,
            policy=self.policy,
            unit=notice.incident.unit.code,
            region=notice.incident.unit.region,
        )
        await stage(session, notice, recipients, policy=self.policy, renderer=self.renderer, now=now)

    async def classified(
        self, session: AsyncSession, event: IncidentClassified, directory: Directory, now: datetime
    ) -> None:
        state, previous = await record_classification(session, event)
        if not event.crisis:
            # Not the approval windows: the drafts already proposed still reach their approver.
            kinds = (TimerKind.ESCALATION, TimerKind.DEADLINE)
            await cancel(session, incident_id=state.incident_id, kinds=kinds)
            log.info("notifier.not_a_crisis", level=event.level, needs_review=event.needs_review)
            if event.needs_review and not state.closed:
                await self.triage_needed(session, event, state, directory, now)
            return
        await refresh_team(session, state, directory, self.policy)
        await schedule_deadlines(session, state, self.policy, now)
        before = previous if previous is not None else event.previous_level
        if previous is not None and previous >= event.level:
            log.info("notifier.level_not_raised", level=event.level, previous_level=previous)
            return
        raised = before is not None and before < event.level
        already = await paged_people(session, event.incident_id)
        newcomers = [r for r in team_of(state, directory, self.policy) if r.person.id not in already]
        view = view_of_classified(event, state.known_at)
        kind = "level_raised" if raised else "incident_new"
        extra = {"previous_level": before} if raised else {}
        notice = Notice(kind, event.event_id, event.type, view, event.event_id, extra)
        await stage(session, notice, newcomers, policy=self.policy, renderer=self.renderer, now=now)

    def _notify_feeds(self) -> bool:
        settings = self.runtime.settings
        return isinstance(settings, NotifierSettings) and settings.triage_notify_feeds

    async def triage_needed(
        self,
        session: AsyncSession,
        event: IncidentClassified,
        state: IncidentState,
        directory: Directory,
        now: datetime,
    ) -> None:
        """ONE low-priority question to the unit's Humas (its Kanwil when nobody holds the role): crisis
        or not? Not after the classification that answers a triage decision, and never again while the
        incident waits (a re-classification finds the first notice)."""
        if event.trigger == "triage":
            return
        if event.report.channel is Channel.FEED and not self._notify_feeds():
            log.info("notifier.triage_silent_for_feed")
            return
        if await triage_noticed(session, event.incident_id):
            log.info("notifier.triage_already_asked")
            return
        # One trigger per incident, so a redelivery or a second classification stages nobody twice.
        trigger = derive_event_id(event.incident_id, PRODUCER, "triage_needed")
        view = view_of_classified(event, state.known_at)
        notice = Notice("triage_needed", trigger, event.type, view, trigger)
        await self._stage(session, notice, directory, now, "triage_needed")

    def _approval_window(self) -> timedelta:
        settings = self.runtime.settings
        seconds = settings.approval_digest_seconds if isinstance(settings, NotifierSettings) else 20.0
        return timedelta(seconds=seconds)

    async def draft_proposed(
        self, session: AsyncSession, event: DraftProposed, directory: Directory, now: datetime
    ) -> None:
        """The draft joins its approver's request (one per incident and approver); nothing is paged now."""
        approvers = resolve(
            self.policy.targets_for(approvals.KIND, event.level),
            directory=directory,
            policy=self.policy,
            unit=event.unit.code,
            region=event.unit.region,
        )
        await approvals.gather(session, event, approvers, window=self._approval_window(), now=now)

    async def draft_reviewed(
        self, session: AsyncSession, event: DraftReviewed, directory: Directory, now: datetime
    ) -> None:
        # `draft:<id>`: the escalation of a per-draft page staged before approval requests existed.
        stopped = await cancel(session, key=f"draft:{event.draft_id}")
        stopped += await approvals.reviewed(session, str(event.incident_id), str(event.draft_id))
        state = await get_state(session, event.incident_id)
        if event.decision != "approved":
            log.info("notifier.draft_rejected", escalations_stopped=stopped)
            return
        if state is None:
            log.warning("notifier.approval_for_unknown_incident", draft_id=str(event.draft_id))
            return
        if event.kind.value not in state.approved_kinds:
            state.approved_kinds = [*state.approved_kinds, event.kind.value]
        met = await cancel(
            session, incident_id=state.incident_id, kinds=(TimerKind.DEADLINE,), draft_kind=event.kind.value
        )
        extra = {"kind": draft_label(event.kind), "reviewer": event.reviewer}
        notice = Notice("draft_approved", event.event_id, event.type, view_of(state), event.event_id, extra)
        await self._stage(session, notice, directory, now, "draft_approved")
        log.info("notifier.draft_approved", deadlines_met=met, escalations_stopped=stopped)

    async def acknowledged(self, session: AsyncSession, event: NotificationAcknowledged) -> None:
        row = await session.get(Delivery, str(event.notification_id))
        if row is None:
            log.warning("notifier.ack_for_unknown_notification", notification_id=str(event.notification_id))
            return
        if row.acknowledged_at is None:
            row.acknowledged_at = event.occurred_at
            row.acknowledged_by = event.acknowledged_by[:200]
            if row.sent_at is not None:
                TIME_TO_ACKNOWLEDGE.observe(max(0.0, (event.occurred_at - row.sent_at).total_seconds()))
        stopped = await cancel(session, chain_id=row.chain_id, kinds=(TimerKind.ESCALATION,))
        log.info("notifier.acknowledged", delivery_id=row.id, escalations_stopped=stopped)

    async def closed(
        self, session: AsyncSession, event: IncidentClosed, directory: Directory, now: datetime
    ) -> None:
        state = await get_state(session, event.incident_id)
        stopped = await cancel(session, incident_id=str(event.incident_id))
        await approvals.close(session, str(event.incident_id))
        if state is None:
            log.warning("notifier.closed_unknown_incident")
            return
        state.closed = True
        extra = {"closed_by": event.closed_by}
        notice = Notice("incident_closed", event.event_id, event.type, view_of(state), event.event_id, extra)
        if state.crisis:
            await self._stage(session, notice, directory, now, "incident_closed")
        log.info("notifier.incident_closed", timers_stopped=stopped)


def register(runtime: Runtime, handler: RoutingHandler) -> None:
    settings = runtime.settings
    subscribe(
        runtime.broker,
        service=settings.service_name,
        name="routing",
        subjects=SUBJECTS,
        handler=handler,
        max_deliveries=settings.max_deliveries,
        ack_wait=settings.ack_wait_seconds,
        batch=settings.consumer_batch,
    )
