"""`python -m tanggap_runner up` as a real process for tests: its output line by line, signals, leftovers.

Used by tests/test_runner.py and tests/security/test_state.py.
"""

import contextlib
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from tanggap_runner.nats import free_port

ROOT = Path(__file__).resolve().parents[1]


class RunnerProcess:
    """One `up` on free ports with its own state folder. `sigint_ignored`: started as a non-interactive
    shell starts a background job (`make up &`), with SIGINT ignored, which the runner inherits."""

    def __init__(self, state_dir: Path, *, env: dict[str, str] | None = None, sigint_ignored: bool = False):
        self.state_dir = state_dir
        self.http_port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TANGGAP_")},
            "TANGGAP_STATE_DIR": str(state_dir),
            "TANGGAP_HTTP_PORT": str(self.http_port),
            "TANGGAP_BROKER_URL": f"nats://127.0.0.1:{free_port()}",
            # Long enough for any service to finish a start it is in; short enough that a hang shows.
            "TANGGAP_STOP_GRACE_SECONDS": "20",
            **(env or {}),
        }
        command = [sys.executable, "-m", "tanggap_runner", "up"]
        if sigint_ignored:
            # `trap "" INT` ignores SIGINT and exec keeps it ignored: what `make up &` in a script does.
            command = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *command]
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 120.0) -> str:
        """The first output line containing `text`; fails with the output if the runner exits or times out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(
                        f"runner exited ({self.process.returncode}) before {text!r}:\n"
                        + "\n".join(self.lines)
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {text!r} within {timeout:.0f} s:\n" + "\n".join(self.lines))
                self._changed.wait(min(left, 0.5))

    def interrupt(self, sig: int = signal.SIGINT) -> None:
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        """The exit code; a liveness bound, not a timing assertion."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the runner did not exit within {timeout:.0f} s:\n{self.output}") from None
        self._reader.join(timeout=10)
        return code

    def leftovers(self) -> list[str]:
        """Processes still running for this state folder (services, nats-server): must be none after exit."""
        return processes_of(self.state_dir)

    def cleanup(self) -> None:
        """After a failed test: stop the runner and anything of this state folder still running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for entry in processes_of(self.state_dir):
            pid = int(entry.split(" ", 1)[0])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def processes_of(state_dir: Path) -> list[str]:
    """'pid command' of every live process whose environment or command line names the state folder."""
    marker = str(state_dir.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if "State:\tZ" in status:
            continue
        if f"TANGGAP_STATE_DIR={marker}".encode() in environ or marker in cmdline:
            found.append(f"{entry.name} {cmdline.strip()}")
    return found


def modes_not_private(root: Path) -> list[str]:
    """Every entry under `root` (itself included) whose mode is not 0700 (folders) or 0600 (files)."""
    wrong = []
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue
        expected = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        if stat.S_IMODE(info.st_mode) != expected:
            wrong.append(f"{oct(stat.S_IMODE(info.st_mode))} {path.relative_to(root)}")
    return wrong
