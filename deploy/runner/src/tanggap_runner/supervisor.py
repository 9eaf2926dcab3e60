"""Restart what crashes, with exponential back-off, like compose's `restart: unless-stopped`."""

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tanggap_runner.nats import NatsStartError
from tanggap_runner.system import Progress, RunnerError


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass(frozen=True)
class RestartPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 60.0
    # A unit that ran this long before crashing starts counting its failures afresh.
    stable_after_seconds: float = 60.0

    def delay(self, failures: int) -> float:
        """Wait before restart number `failures` (1-based): base, 2×base, 4×base, … capped at max."""
        if failures < 1:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** min(failures - 1, 62))

    def failures_after_crash(self, previous: int, ran_for: float) -> int:
        return 1 if ran_for >= self.stable_after_seconds else previous + 1


class Supervised(Protocol):
    """What the supervisor needs from a System."""

    def crashed(self) -> dict[str, int]: ...

    def restart(self, unit: str) -> None: ...

    def started_at(self, unit: str) -> float: ...

    def log_path(self, unit: str) -> object: ...


class Supervisor:
    """Polls for crashed units and restarts each after its back-off delay, saying what it does."""

    def __init__(
        self,
        system: Supervised,
        *,
        say: Progress,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._system = system
        self._say = say
        self._policy = policy or RestartPolicy()
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}

    @property
    def pending_restarts(self) -> dict[str, float]:
        """Unit → clock time of its scheduled restart."""
        return dict(self._due)

    def failures(self, unit: str) -> int:
        return self._failures.get(unit, 0)

    def tick(self) -> None:
        """One pass: schedule restarts for newly crashed units, perform the restarts that are due."""
        now = self._clock()
        for unit, code in self._system.crashed().items():
            if unit not in self._due:
                ran_for = now - self._system.started_at(unit)
                failures = self._policy.failures_after_crash(self._failures.get(unit, 0), ran_for)
                self._schedule(unit, now, failures, f"stopped unexpectedly ({describe_exit(code)})")
        for unit, due in sorted(self._due.items()):
            if now >= due:
                del self._due[unit]
                self._restart(unit, now)

    def run(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        while not stop.wait(interval):
            self.tick()

    def _schedule(self, unit: str, now: float, failures: int, why: str) -> None:
        self._failures[unit] = failures
        delay = self._policy.delay(failures)
        self._due[unit] = now + delay
        self._say(
            f"{unit} {why}; restarting in {delay:.0f} s (restart #{failures}). "
            f"Log: {self._system.log_path(unit)}"
        )

    def _restart(self, unit: str, now: float) -> None:
        try:
            self._system.restart(unit)
        except (RunnerError, NatsStartError, OSError) as exc:
            self._schedule(unit, now, self._failures.get(unit, 0) + 1, f"could not be restarted ({exc})")
            return
        self._say(f"{unit} restarted")
