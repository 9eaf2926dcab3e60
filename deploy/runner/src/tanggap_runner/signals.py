"""Ctrl-C (SIGINT), SIGTERM and SIGHUP as a stop request, honoured at any moment of the runner's life.

A signal handler only records the request: start-up checks it between steps and inside every wait (the
broker's readiness, each service's /healthz), so the runner stops within about a second whatever it is
doing, stops exactly what it started, and never leaves a process it spawned untracked (an exception raised
from a handler in the middle of `subprocess.Popen` would). A second signal while stopping kills what is
still running instead of waiting for the grace period.

The handlers are installed explicitly, whatever the runner inherited: Python turns SIGINT into
KeyboardInterrupt only when the parent left it at its default, and a non-interactive shell starts
background jobs with SIGINT ignored (`make up &`), so the runner used to ignore Ctrl-C until its own
handler was installed after start-up.
"""

import signal
import threading
from types import FrameType

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """A stop was requested while starting; BaseException, so `except Exception` cannot swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return exit_code(self.signum)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_code(signum: int) -> int:
    """The shell's convention for a process stopped by a signal: 130 for Ctrl-C, 143 for SIGTERM."""
    return 128 + signum


class StopRequest:
    """Whether a stop was asked for (and by which signal), and whether it was asked for more than once."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.forced = threading.Event()
        self.signum = 0

    @property
    def name(self) -> str:
        return signal_name(self.signum)

    def request(self, signum: int) -> None:
        if self.requested.is_set():
            self.forced.set()
            return
        self.signum = signum
        self.requested.set()

    def check(self) -> None:
        """Raise Interrupted once a stop was requested."""
        if self.requested.is_set():
            raise Interrupted(self.signum)

    def sleep(self, seconds: float) -> None:
        """time.sleep that ends early, with Interrupted, when a stop is requested."""
        if self.requested.wait(seconds):
            raise Interrupted(self.signum)

    def install(self) -> dict[int, object]:
        """Route the stop signals here; returns the previous handlers. Call from the main thread.

        SIGHUP keeps an inherited SIG_IGN (`nohup make up` asked for exactly that); SIGINT and SIGTERM do not.
        """
        previous: dict[int, object] = {}
        for sig in STOP_SIGNALS:
            current = signal.getsignal(sig)
            if sig == signal.SIGHUP and current == signal.SIG_IGN:
                continue
            previous[sig] = current
            signal.signal(sig, self._handle)
        return previous

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        # Nothing else here: the main thread may hold the console's lock when the signal arrives.
        self.request(signum)


def restore(previous: dict[int, object]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)  # type: ignore[arg-type]
