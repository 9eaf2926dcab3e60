"""The watchdog: fires due timers, whether they came due while the process ran or while it was down.

It sleeps until the earliest pending timer (at most `interval` seconds, so a timer another process
created is not missed) or until a new timer of its own is due sooner than that (`due_at`); an event that
creates no earlier timer does not wake it.
"""

import asyncio
import contextlib
from datetime import datetime, timedelta

import structlog

from tanggap_notifier.directory_cache import DirectoryCache
from tanggap_notifier.dispatch import Dispatcher, stop_task
from tanggap_notifier.timers import TimerActions, due_timer_ids, next_due, take
from tanggap_shared.events import utcnow
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.notifier")


class Scheduler:
    def __init__(
        self, runtime: Runtime, *, actions: TimerActions, dispatcher: Dispatcher, interval: float
    ) -> None:
        self._runtime = runtime
        self._actions = actions
        self._dispatcher = dispatcher
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sleeping_until: datetime | None = None  # None while it is firing or planning
        self._hint: datetime | None = None
        self._directories = DirectoryCache()

    def wake(self) -> None:
        self._wake.set()

    def due_at(self, when: datetime) -> None:
        """A timer was committed that comes due at `when`: wake only if that is before the planned wake-up.

        While it is firing or planning, the hint is kept for the next plan (a look for the next due timer
        that started before the commit may not see it)."""
        if self._sleeping_until is None:
            self._hint = when if self._hint is None else min(self._hint, when)
        elif when < self._sleeping_until:
            self._wake.set()

    async def fire_due(self, now: datetime | None = None) -> int:
        """Fire every due timer (each in its own transaction), then send what they staged."""
        fired = 0
        moment = now or utcnow()
        async with self._runtime.sessions() as session:
            due = await due_timer_ids(session, moment)
        for timer_id in due:
            async with self._runtime.unit_of_work() as session:
                timer = await take(session, timer_id, moment)
                if timer is None:
                    continue
                with structlog.contextvars.bound_contextvars(incident_id=timer.incident_id):
                    directory = await self._directories.get(session)
                    await self._actions.run(session, timer, directory, moment)
                    log.info("notifier.timer_fired", timer_id=timer_id, kind=timer.kind)
            fired += 1
        if fired:
            await self._dispatcher.deliver_pending()
        return fired

    async def _sleep(self) -> None:
        async with self._runtime.sessions() as session:
            upcoming = await next_due(session)
        # No await from here until the wait: a hint is either taken into this plan or wakes the sleep.
        hint, self._hint = self._hint, None
        soonest = min((t for t in (upcoming, hint) if t is not None), default=None)
        delay = self._interval
        if soonest is not None:
            delay = max(0.0, min(delay, (soonest - utcnow()).total_seconds()))
        self._sleeping_until = utcnow() + timedelta(seconds=delay)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            self._sleeping_until = None
        self._wake.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self.fire_due()
                await self._sleep()
            except asyncio.CancelledError:
                raise
            except Exception:  # database busy or unreachable: the timers stay pending, try again
                log.exception("notifier.timers_failed")
                await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier-timers")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
