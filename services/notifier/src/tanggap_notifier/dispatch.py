"""Sending pending deliveries after their rows are committed, and resuming those a crash left behind.

Order per delivery: claim the row (one UPDATE: the lease makes replicas and the resume loop skip a row
someone is sending), send through the recipient's channels, then mark it sent or failed together with
the notification.sent / notification.failed event in one unit of work.

The remaining at-least-once window: if the process dies after a channel accepted the message but before
the row was marked, the row is still pending; once its lease runs out it is sent again (the person gets
the message twice; the event ids stay the same, so consumers see one notification.sent). The file sink
narrows nothing here: the line is appended, then the mark may be lost.
"""

import asyncio
import contextlib
import uuid
from datetime import timedelta

import structlog
from sqlalchemy import or_, select, update

from tanggap_notifier.deliveries import record_outcome
from tanggap_notifier.directory import Directory
from tanggap_notifier.models import Delivery, DeliveryStatus
from tanggap_notifier.sender import Sender
from tanggap_shared.events import utcnow
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.notifier")


class Dispatcher:
    """Sends pending deliveries; one per process, shared by the handler and the resume loop."""

    def __init__(
        self, runtime: Runtime, *, directory: Directory, sender: Sender, lease_seconds: float
    ) -> None:
        self._runtime = runtime
        self._directory = {p.id: p for p in directory.people}
        self._sender = sender
        self._lease = timedelta(seconds=lease_seconds)
        self._task: asyncio.Task[None] | None = None

    async def pending_ids(self, trigger_event_id: uuid.UUID | None = None) -> list[str]:
        """Pending deliveries nobody holds a live lease on (all, or one trigger's)."""
        query = select(Delivery.id).where(
            Delivery.status == DeliveryStatus.PENDING.value,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < utcnow()),
        )
        if trigger_event_id is not None:
            query = query.where(Delivery.trigger_event_id == str(trigger_event_id))
        async with self._runtime.sessions() as session:
            return list((await session.scalars(query.order_by(Delivery.created_at, Delivery.id))).all())

    async def deliver_pending(self, trigger_event_id: uuid.UUID | None = None) -> int:
        """Send every free pending delivery; returns how many this call finished (sent or failed)."""
        done = 0
        for delivery_id in await self.pending_ids(trigger_event_id):
            try:
                done += await self.deliver(delivery_id)
            except Exception:
                # The row stays pending; the resume loop takes it again once the lease runs out.
                log.exception("notifier.delivery_crashed", delivery_id=delivery_id)
        return done

    async def _claim(self, delivery_id: str) -> Delivery | None:
        now = utcnow()
        async with self._runtime.unit_of_work() as session:
            claimed = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.status == DeliveryStatus.PENDING.value,
                    or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                )
                .values(attempts=Delivery.attempts + 1, claimed_until=now + self._lease)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return await session.get(Delivery, delivery_id, populate_existing=True)

    async def deliver(self, delivery_id: str) -> int:
        """Claim, send and mark one delivery; 0 if another process holds it or it is done already."""
        row = await self._claim(delivery_id)
        if row is None:
            return 0
        # The resume loop runs outside any message, so the ids every log line must carry are bound here.
        with structlog.contextvars.bound_contextvars(
            incident_id=row.incident_id, event_id=row.trigger_event_id
        ):
            return await self._send_and_mark(row)

    async def _send_and_mark(self, row: Delivery) -> int:
        delivery_id = row.id
        person = self._directory.get(row.person_id)
        if person is None:
            log.warning("notifier.recipient_left_directory", person_id=row.person_id)
        outcome = await self._sender.send(
            recipient=row.person_id,
            channels=person.channels if person else [],
            title=row.title,
            body=row.body,
        )
        async with self._runtime.unit_of_work() as session:
            fresh = await session.get(Delivery, delivery_id, with_for_update=True)
            if fresh is None or fresh.status != DeliveryStatus.PENDING.value:
                return 0
            record_outcome(session, fresh, outcome)
        if outcome.sent:
            log.info(
                "notifier.delivered",
                delivery_id=delivery_id,
                person_id=row.person_id,
                channel=outcome.channel,
            )
        else:
            log.warning(
                "notifier.delivery_failed",
                delivery_id=delivery_id,
                person_id=row.person_id,
                error=outcome.error,
            )
        return 1

    async def _resume_forever(self, interval: float) -> None:
        while True:
            try:
                finished = await self.deliver_pending()
            except Exception:  # database unreachable: keep the loop alive, try again next round
                log.exception("notifier.resume_failed")
            else:
                if finished:
                    log.info("notifier.resumed_deliveries", count=finished)
            await asyncio.sleep(interval)

    def start_resuming(self, interval: float) -> None:
        """Resume what a crash left pending now, then keep sweeping every `interval` seconds."""
        self._task = asyncio.create_task(self._resume_forever(interval), name="notifier-resume")

    async def stop_resuming(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
