"""The watchdog: fires due timers, whether they came due while the process ran or while it was down.

It sleeps until the earliest pending timer (at most `interval` seconds, so a timer another process
created is not missed) or until woken by a new timer of its own.
"""

import asyncio
import contextlib
from datetime import datetime

import structlog

from tanggap_notifier.dispatch import Dispatcher, stop_task
from tanggap_notifier.people import load_directory_from_db
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

    def wake(self) -> None:
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
                    directory = await load_directory_from_db(session)
                    await self._actions.run(session, timer, directory, moment)
                    log.info("notifier.timer_fired", timer_id=timer_id, kind=timer.kind)
            fired += 1
        if fired:
            await self._dispatcher.deliver_pending()
        return fired

    async def _sleep(self) -> None:
        async with self._runtime.sessions() as session:
            upcoming = await next_due(session)
        delay = self._interval
        if upcoming is not None:
            delay = max(0.0, min(delay, (upcoming - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
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
