"""Sending pending deliveries after their rows are committed, and resuming those a crash left behind.

Per batch: claim the free rows (one conditional UPDATE … RETURNING with a lease: replicas and the resume
loop skip a row someone is sending; a handler claims only the rows its own event staged). Per delivery:
try the person's channels in order, each up to `retry_attempts` times with a doubling back-off while the
failure looks temporary, recording every try in notifier_attempts and renewing the lease; then, in one unit
of work, mark the row and stage its event. When every channel failed, the person's next deputy gets a row of
their own (same trigger) and this row is `passed_on`; notification.failed is published only when nobody is
left to try.

Deliveries go out concurrently (bounded), so one slow or failing channel delays nobody else.

The remaining at-least-once window: if the process dies after a channel accepted the message but before
the row was marked, the row is still pending; once its lease runs out it is sent again (the person gets
the message twice; the event ids stay the same, so consumers see one notification.sent).
"""

import asyncio
import contextlib
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.deliveries import AckLinks, outcome_events
from tanggap_notifier.directory import Person
from tanggap_notifier.messages import ACK_PLACEHOLDER, ROLE_LABELS
from tanggap_notifier.metrics import DELIVERY_ATTEMPTS, channel_type
from tanggap_notifier.models import Attempt, Delivery, DeliveryStatus, PersonRow
from tanggap_notifier.notices import delivery_id
from tanggap_notifier.people import person_of
from tanggap_notifier.sender import ChannelAttempt, Sender, style_for
from tanggap_shared.contracts import Role
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import utcnow
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.notifier")


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background loop and wait until it has ended."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 2.0

    def delay(self, try_number: int) -> float:
        return float(self.backoff_seconds * 2 ** (try_number - 1))


@dataclass(frozen=True)
class Outcome:
    sent: bool
    channel: str
    error: str = ""


def deputy_preamble(row: Delivery) -> str:
    role = ROLE_LABELS.get(Role(row.role), row.role)
    return (
        f"Anda menerima pesan ini sebagai wakil dari {row.name} ({role}), "
        "yang tidak dapat dihubungi melalui semua salurannya.\n\n"
    )


class Dispatcher:
    """Sends pending deliveries; one per process, shared by the handlers, the timers and the resume loop."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        sender: Sender,
        links: AckLinks,
        lease_seconds: float,
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
    ) -> None:
        self._runtime = runtime
        self._sender = sender
        self._links = links
        self._lease = timedelta(seconds=lease_seconds)
        self._retry = retry or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)
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

    async def deliver_pending(
        self, trigger_event_id: uuid.UUID | None = None, *, triggers: Collection[str] = ()
    ) -> int:
        """Send every free pending delivery (all, or one trigger's, deputies' rows included); returns how
        many ended. Rows are claimed in bulk, so concurrent callers split the work instead of racing."""
        done = 0
        wanted = {str(trigger_event_id)} if trigger_event_id is not None else set(triggers)
        while claimed := await self._claim_batch(wanted):
            finished = await asyncio.gather(*(self._guarded(row, person) for row, person in claimed))
            done += sum(finished)
        return done

    async def _guarded(self, row: Delivery, person: Person | None) -> int:
        async with self._slots:
            try:
                return await self._deliver_claimed(row, person)
            except Exception:
                # The row stays pending; the resume loop takes it again once the lease runs out.
                log.exception("notifier.delivery_crashed", delivery_id=row.id)
                return 0

    async def _claim_batch(
        self, triggers: Collection[str] = (), delivery_id_: str | None = None, limit: int = 100
    ) -> list[tuple[Delivery, Person | None]]:
        """Lease free pending rows in one transaction (one UPDATE … RETURNING) with their recipients; a row
        another caller leased first is left out, so it is sent once."""
        now = utcnow()
        free = [
            Delivery.status == DeliveryStatus.PENDING.value,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        ]
        if triggers:
            free.append(Delivery.trigger_event_id.in_(sorted(triggers)))
        if delivery_id_ is not None:
            free.append(Delivery.id == delivery_id_)
        async with self._runtime.unit_of_work() as session:
            candidates = (
                select(Delivery.id).where(*free).order_by(Delivery.created_at, Delivery.id).limit(limit)
            )
            claimed = (
                await session.scalars(
                    update(Delivery)
                    .where(Delivery.id.in_(candidates.scalar_subquery()), *free)
                    .values(attempts=Delivery.attempts + 1, claimed_until=now + self._lease)
                    .returning(Delivery.id)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            if not claimed:
                return []
            rows = (
                await session.scalars(
                    select(Delivery)
                    .where(Delivery.id.in_(claimed))
                    .order_by(Delivery.created_at, Delivery.id)
                    .execution_options(populate_existing=True)
                )
            ).all()
            wanted = {row.person_id for row in rows}
            people = {
                found.id: person_of(found)
                for found in (await session.scalars(select(PersonRow).where(PersonRow.id.in_(wanted)))).all()
            }
        return [(row, people.get(row.person_id)) for row in rows]

    async def _claim(self, delivery_id_: str) -> tuple[Delivery, Person | None] | None:
        """Lease one row; None if another caller holds it or it is done already."""
        claimed = await self._claim_batch(delivery_id_=delivery_id_)
        return claimed[0] if claimed else None

    async def deliver(self, delivery_id_: str) -> int:
        """Claim, send and mark one delivery; 0 if another process holds it or it is done already."""
        claimed = await self._claim(delivery_id_)
        if claimed is None:
            return 0
        return await self._deliver_claimed(*claimed)

    async def _deliver_claimed(self, row: Delivery, person: Person | None) -> int:
        # The resume loop runs outside any message, so the ids every log line must carry are bound here.
        with structlog.contextvars.bound_contextvars(
            incident_id=row.incident_id, event_id=row.trigger_event_id
        ):
            if person is None:
                log.warning("notifier.recipient_left_directory", person_id=row.person_id)
            outcome = await self._send(row, person.channels if person else [])
            return await self._mark(row, outcome, person)

    async def _person(self, person_id: str) -> Person | None:
        async with self._runtime.sessions() as session:
            found = await session.get(PersonRow, person_id)
            return person_of(found) if found is not None else None

    async def _send(self, row: Delivery, channels: list[str]) -> Outcome:
        errors: list[str] = []
        last = ""
        link = self._links.link(row)
        for url in self._sender.channels_for(channels):
            text = row.short_body if style_for(url) == "short" and row.short_body else row.body
            body = text.replace(ACK_PLACEHOLDER, link)
            for try_number in range(1, self._retry.attempts + 1):
                tried = await self._sender.attempt(
                    url, recipient=row.person_id, title=row.title, body=body, ack_id=row.id
                )
                await self._record(row, tried, try_number)
                last = tried.channel
                if tried.ok:
                    return Outcome(sent=True, channel=tried.channel)
                errors.append(f"{tried.channel} (percobaan {try_number}): {tried.error}")
                if not tried.temporary or try_number == self._retry.attempts:
                    break
                await asyncio.sleep(self._retry.delay(try_number))
        return Outcome(sent=False, channel=last, error="; ".join(errors) or "no channel")

    async def _record(self, row: Delivery, tried: ChannelAttempt, try_number: int) -> None:
        """Record the try and renew the lease, so a long retry series is not taken over mid-way."""
        async with self._runtime.unit_of_work() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.status == DeliveryStatus.PENDING.value)
                .values(claimed_until=utcnow() + self._lease)
                .execution_options(synchronize_session=False)
            )
            session.add(
                Attempt(
                    delivery_id=row.id,
                    person_id=row.person_id,
                    channel=tried.channel[:500],
                    try_number=try_number,
                    ok=tried.ok,
                    temporary=tried.temporary,
                    error=tried.error,
                    started_at=tried.started_at,
                    finished_at=tried.finished_at,
                )
            )
        result = "sent" if tried.ok else ("temporary_failure" if tried.temporary else "failed")
        DELIVERY_ATTEMPTS.labels(channel_type(tried.channel), result).inc()
        log.info(
            "notifier.attempt",
            delivery_id=row.id,
            channel=tried.channel,
            ok=tried.ok,
            temporary=tried.temporary,
            try_number=try_number,
        )

    async def _mark(self, row: Delivery, outcome: Outcome, person: Person | None) -> int:
        async with self._runtime.unit_of_work() as session:
            handover = None if outcome.sent else await self._next_deputy(session, row, person)
            status = (
                DeliveryStatus.SENT
                if outcome.sent
                else DeliveryStatus.PASSED_ON
                if handover is not None
                else DeliveryStatus.FAILED
            )
            error = "; ".join(part for part in (row.error, outcome.error) if part)
            marked = await session.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.status == DeliveryStatus.PENDING.value)
                .values(
                    status=status.value,
                    channel=outcome.channel[:500],
                    error=error,
                    claimed_until=None,
                    sent_at=utcnow() if outcome.sent else None,
                )
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                return 0
            if handover is not None:
                session.add(self._deputy_row(row, *handover, error))
            else:
                for event in outcome_events(row, sent=outcome.sent, channel=outcome.channel, error=error):
                    add_to_outbox(session, event)
        self._log_outcome(row, outcome, handover[1] if handover else None)
        return 1

    async def _next_deputy(
        self, session: AsyncSession, row: Delivery, person: Person | None
    ) -> tuple[Person, Person] | None:
        """The original recipient and their first deputy who has no row for this trigger yet."""
        root_id = row.deputy_for or row.person_id
        root = person if person is not None and person.id == root_id else await self._person(root_id)
        if root is None or not root.deputies:
            return None
        taken = set(
            (
                await session.scalars(
                    select(Delivery.person_id).where(Delivery.trigger_event_id == row.trigger_event_id)
                )
            ).all()
        )
        for deputy_id in root.deputies:
            if deputy_id not in taken:
                found = await session.get(PersonRow, deputy_id)
                if found is not None:
                    return root, person_of(found)
        return None

    @staticmethod
    def _deputy_row(row: Delivery, root: Person, deputy: Person, error: str) -> Delivery:
        # A deputy's deputy keeps the original preamble: the text names whom the message was for.
        preamble = "" if row.deputy_for else deputy_preamble(row)
        return Delivery(
            id=str(delivery_id(uuid.UUID(row.trigger_event_id), deputy.id)),
            trigger_event_id=row.trigger_event_id,
            trigger_type=row.trigger_type,
            kind=row.kind,
            chain_id=row.chain_id,
            incident_id=row.incident_id,
            incident_ids=list(row.incident_ids),
            level=row.level,
            person_id=deputy.id,
            name=deputy.name,
            role=deputy.role.value,
            tier=deputy.tier.value,
            title=row.title,
            body=preamble + row.body,
            short_body=preamble + row.short_body if row.short_body else "",
            gap_note=f"deputy for {root.name}: unreachable",
            deputy_for=root.id,
            error=error,
        )

    @staticmethod
    def _log_outcome(row: Delivery, outcome: Outcome, deputy: Person | None) -> None:
        if outcome.sent:
            log.info(
                "notifier.delivered", delivery_id=row.id, person_id=row.person_id, channel=outcome.channel
            )
        elif deputy is not None:
            log.warning(
                "notifier.passed_to_deputy", delivery_id=row.id, person_id=row.person_id, deputy=deputy.id
            )
        else:
            log.warning(
                "notifier.delivery_failed", delivery_id=row.id, person_id=row.person_id, error=outcome.error
            )

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
        await stop_task(self._task)
        self._task = None
