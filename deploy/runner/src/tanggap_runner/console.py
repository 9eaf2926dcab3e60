"""Terminal output of `make up`: the runner's own lines and the services' log lines, prefixed by name."""

import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

PREFIX_WIDTH = 10
_COLOURS = {"tanggap": "1", "intake": "36", "classifier": "33", "drafter": "35", "notifier": "32"}


class Console:
    """Writes whole lines from several threads without interleaving them."""

    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
        self._stream = stream or sys.stdout
        self._colour = self._stream.isatty() if colour is None else colour
        # Re-entrant: a line said while another is being written in the same thread must not deadlock.
        self._lock = threading.RLock()

    def line(self, source: str, text: str) -> None:
        prefix = f"{source:<{PREFIX_WIDTH}} |"
        if self._colour:
            prefix = f"\033[{_COLOURS.get(source, '0')}m{prefix}\033[0m"
        with self._lock:
            self._stream.write(f"{prefix} {text}\n")
            self._stream.flush()

    def say(self, text: str) -> None:
        self.line("tanggap", text)

    def plain(self, text: str) -> None:
        with self._lock:
            self._stream.write(f"{text}\n")
            self._stream.flush()


class LogFollower:
    """Follows log files like `tail -f` and echoes new complete lines to the console.

    The services write straight into their files, so nothing they print depends on this thread keeping up.
    """

    def __init__(self, files: Mapping[str, Path], console: Console, *, interval: float = 0.2) -> None:
        self._files = dict(files)
        self._console = console
        self._interval = interval
        self._offsets = {name: _size(path) for name, path in self._files.items()}
        self._partial = dict.fromkeys(self._files, b"")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self.poll()

    def poll(self) -> int:
        """Echo what was appended since the last poll; returns the number of lines echoed."""
        echoed = 0
        for name, path in self._files.items():
            for text in self._read_new_lines(name, path):
                self._console.line(name, text)
                echoed += 1
        return echoed

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll()

    def _read_new_lines(self, name: str, path: Path) -> list[str]:
        size = _size(path)
        if size < self._offsets[name]:  # truncated or replaced: start over
            self._offsets[name], self._partial[name] = 0, b""
        if size == self._offsets[name]:
            return []
        with path.open("rb") as handle:
            handle.seek(self._offsets[name])
            chunk = handle.read(size - self._offsets[name])
        self._offsets[name] += len(chunk)
        *complete, rest = (self._partial[name] + chunk).split(b"\n")
        self._partial[name] = rest
        return [raw.decode(errors="replace").rstrip("\r") for raw in complete]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
