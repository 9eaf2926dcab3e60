"""The whole system as processes on one machine: a nats-server and the four services.

Used by `make up` (through the supervisor) and by the end-to-end tests:

    with System(tmp_path, http_port=free_port(), broker_url=f"nats://127.0.0.1:{free_port()}") as system:
        httpx.get(f"{system.base_url}/healthz")
        system.kill("classifier")           # SIGKILL, a crash
        system.start_service("classifier")  # returns once its /healthz answers
        system.kill("nats"); system.start_service("nats")   # a broker outage (same port, same data)
"""

import atexit
import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

from tanggap_runner.config import DEFAULT_GRACE_SECONDS, SERVICES, BrokerAddress
from tanggap_runner.nats import NatsServer, free_port, port_in_use
from tanggap_runner.private import PRIVATE_UMASK, make_private_dir, open_private, tighten
from tanggap_runner.signals import Interrupted, StopRequest

BROKER = "nats"
STATE_MARKER = ".tanggap-state"
# Removed from the inherited environment: the runner sets them per process, and one database URL shared by
# four services would mix their inbox and outbox tables.
PER_PROCESS_SETTINGS = ("TANGGAP_HTTP_PORT", "TANGGAP_HTTP_HOST", "TANGGAP_DATABASE_URL")

Progress = Callable[[str], None]
Command = Callable[[str], list[str]]


class RunnerError(RuntimeError):
    """Something the operator has to act on; the message says what."""


class PortInUseError(RunnerError):
    pass


class ServiceStartError(RunnerError):
    pass


class StateDirBusyError(RunnerError):
    pass


def base_service(unit: str) -> str:
    """The service a replica runs: classifier-2 → classifier."""
    return unit.split("-", 1)[0]


def service_command(service: str) -> list[str]:
    return [sys.executable, "-m", f"tanggap_{service}"]


def _quiet(_message: str) -> None:
    pass


def suggest_port(taken: int) -> int:
    """A free port near the taken one (easier to remember than a random one)."""
    for candidate in range(taken + 1, min(taken + 20, 65535) + 1):
        if not port_in_use(candidate):
            return candidate
    return free_port()


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log yet)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class ServiceProcess:
    name: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class System:
    """NATS plus the services as child processes, sharing one state folder.

    `http_port` is the intake's port and `broker_url` where the broker listens; either left out means a free
    port. The broker is started by the System unless `external_broker` is true. `env` is added to every
    service's environment, `service_env[name]` to one service's only (e.g. its TANGGAP_DATABASE_URL or a fixed
    TANGGAP_HTTP_PORT for a worker).
    """

    def __init__(
        self,
        state_dir: Path | str,
        *,
        http_port: int | None = None,
        broker_url: str | None = None,
        env: Mapping[str, str] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        external_broker: bool = False,
        services: Sequence[str] = SERVICES,
        replicas: Mapping[str, int] | None = None,
        base_env: Mapping[str, str] | None = None,
        command: Command = service_command,
        startup_timeout: float = 90.0,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        progress: Progress = _quiet,
        stop_request: StopRequest | None = None,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.broker_url = broker_url or f"nats://127.0.0.1:{free_port()}"
        self.external_broker = external_broker
        self.startup_timeout = startup_timeout
        self.grace_seconds = grace_seconds
        self._broker_address = BrokerAddress.parse(self.broker_url)
        self._env = dict(env or {})
        self._service_env = {name: dict(values) for name, values in (service_env or {}).items()}
        self._base_env = dict(os.environ if base_env is None else base_env)
        self._command = command
        self._say = progress
        # Set by the runner's signal handlers; start-up checks it at every step and in every wait.
        self._stop_request = stop_request or StopRequest()
        self._fixed_ports: set[str] = set()
        self._services = {name: self._plan(name, http_port) for name in services}
        # Extra processes of one service ("classifier-2", …) share its database and its durable consumers:
        # competing consumers, as with `docker compose --scale`.
        for name, count in (replicas or {}).items():
            for k in range(2, count + 1):
                self._services[f"{name}-{k}"] = self._plan(f"{name}-{k}", None)
        self._broker: NatsServer | None = None
        self._broker_started_at = 0.0
        self._lock: IO[str] | None = None
        self._stopping = False

    def _plan(self, name: str, http_port: int | None) -> ServiceProcess:
        configured = self._service_env.get(name, {}).get("TANGGAP_HTTP_PORT") if "-" not in name else None
        port = http_port if name == "intake" else (int(configured) if configured else None)
        if port is not None:
            self._fixed_ports.add(name)
        return ServiceProcess(name, port or free_port(), self.log_dir / f"{name}.log")

    # -- what callers read -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def http_port(self) -> int:
        return self._services["intake"].port if "intake" in self._services else 0

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._services)

    @property
    def ports(self) -> dict[str, int]:
        return {name: sp.port for name, sp in self._services.items()}

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The latest process of each service that was started (it may have exited)."""
        return {name: sp.process for name, sp in self._services.items() if sp.process is not None}

    @property
    def broker(self) -> NatsServer | None:
        """The nats-server this System started (None with an external broker); `.kill()` for fault tests."""
        return self._broker

    def log_path(self, unit: str) -> Path:
        if unit == BROKER:
            return self.state_dir / "nats" / "nats-server.log"
        return self._service(unit).log_path

    def started_at(self, unit: str) -> float:
        """time.monotonic() of the unit's latest start."""
        return self._broker_started_at if unit == BROKER else self._service(unit).started_at

    # -- whole system ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the broker and every service and wait until all answer /healthz; on failure stop all."""
        self._stopping = False
        self._prepare_state_dir()
        self._acquire_lock()
        atexit.register(self.stop)
        check = self._stop_request.check
        try:
            check()
            self._check_ports()
            check()
            if not self.external_broker:
                self.start_broker()
            for name in self._services:
                check()
                self._spawn(name)
            self.wait_healthy()
        except Interrupted as exc:
            self._say(
                f"{exc} received while starting: stopping what was started ({exc} again kills it at once)"
            )
            self.stop()
            raise
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM every service, SIGKILL what is still running after the grace period, then the broker."""
        self._stopping = True
        atexit.unregister(self.stop)
        running = [sp for sp in self._services.values() if sp.running]
        if running:
            self._say(f"stopping {', '.join(sp.name for sp in running)}")
        self._terminate(running)
        if self._broker is not None and self._broker.running:
            self._say("stopping NATS")
            self._broker.stop(give_up=self._stop_request.forced.is_set)
        self._release_lock()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- single units, for the supervisor and fault tests ------------------------------------------------

    def start_broker(self) -> None:
        if self.external_broker:
            raise RunnerError("the broker is external (TANGGAP_EXTERNAL_BROKER=1): not started here")
        if self._broker is None:
            self._broker = NatsServer(
                port=self._broker_address.port,
                monitor_port=free_port(),
                store_dir=self.state_dir / "nats",
                own_session=True,
            )
        broker = self._broker
        self._say(f"starting NATS JetStream on 127.0.0.1:{broker.port} (data in {broker.store_dir})")
        self._broker.start(check=self._stop_request.check)
        self._broker_started_at = time.monotonic()

    def start_service(self, service: str, *, wait: bool = True, timeout: float | None = None) -> None:
        """Start one service (again); with `wait`, return once its /healthz answers. "nats": the broker."""
        if service == BROKER:
            self.start_broker()
            return
        if self._service(service).running:
            raise RunnerError(f"{service} is already running")
        self._stopping = False
        self._spawn(service)
        if wait:
            self.wait_healthy([service], timeout=timeout)

    def stop_service(self, service: str) -> None:
        """SIGTERM one service and wait for it (SIGKILL after the grace period)."""
        self._terminate([self._service(service)])

    def kill(self, service: str) -> None:
        """SIGKILL one service (or "nats", the broker) and reap it: a crash, for fault tests."""
        if service == BROKER:
            if self._broker is not None:
                self._broker.kill()
            return
        process = self._service(service).process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self, unit: str) -> None:
        """Start a unit that exited, without waiting for its health (the supervisor's restart)."""
        self.start_service(unit, wait=False)

    def crashed(self) -> dict[str, int]:
        """Units that exited on their own while the system runs: name → exit code."""
        if self._stopping:
            return {}
        exited = {
            name: sp.process.returncode
            for name, sp in self._services.items()
            if sp.process is not None and sp.process.poll() is not None
        }
        broker = self._broker
        if broker is not None and broker.process is not None and broker.process.poll() is not None:
            exited[BROKER] = broker.process.returncode
        return exited

    def healthy(self, service: str) -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{self._service(service).port}/healthz", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.is_success

    def wait_healthy(self, services: Iterable[str] | None = None, *, timeout: float | None = None) -> None:
        """Block until each service answers /healthz; raise with its log's tail if one exits or times out."""
        limit = self.startup_timeout if timeout is None else timeout
        started = time.monotonic()
        pending = set(self._services if services is None else services)
        while pending:
            self._stop_request.check()
            for name in sorted(pending):
                sp = self._service(name)
                if sp.process is None or sp.process.poll() is not None:
                    code = None if sp.process is None else sp.process.returncode
                    raise ServiceStartError(
                        f"{name} exited with code {code} while starting. Last lines of {sp.log_path}:\n"
                        f"{tail(sp.log_path)}"
                    )
                if self.healthy(name):
                    pending.discard(name)
                    waited = time.monotonic() - started
                    self._say(f"{name} is healthy on 127.0.0.1:{sp.port} ({waited:.1f} s)")
            if pending and time.monotonic() - started > limit:
                raise ServiceStartError(
                    f"{', '.join(sorted(pending))} did not answer /healthz within {limit:.0f} s; "
                    f"see the logs in {self.log_dir}"
                )
            if pending:
                self._stop_request.sleep(0.2)

    # -- internals ---------------------------------------------------------------------------------------

    def _service(self, name: str) -> ServiceProcess:
        try:
            return self._services[name]
        except KeyError:
            raise RunnerError(f"unknown service {name!r}; known: {', '.join(self._services)}") from None

    def _check_ports(self) -> None:
        for name, sp in self._services.items():
            if name in self._fixed_ports and port_in_use(sp.port):
                variable = "TANGGAP_HTTP_PORT" if name == "intake" else f"TANGGAP_{name.upper()}_HTTP_PORT"
                raise PortInUseError(
                    f"Port {sp.port} for the {name} ({variable}) is already taken by another program. "
                    f"Choose another port, e.g. {variable}={suggest_port(sp.port)} make up"
                )
        address = self._broker_address
        if self.external_broker:
            if not port_in_use(address.port, address.host):
                raise RunnerError(
                    f"TANGGAP_EXTERNAL_BROKER=1, but no broker answers at {self.broker_url}. Start it, or "
                    "unset TANGGAP_EXTERNAL_BROKER to let the runner start its own."
                )
        elif port_in_use(address.port):
            suggestion = f"TANGGAP_BROKER_URL=nats://127.0.0.1:{suggest_port(address.port)} make up"
            raise PortInUseError(
                f"Port {address.port} of TANGGAP_BROKER_URL ({self.broker_url}) is already taken, probably "
                "by another NATS server on this machine. Tanggap starts its own broker and never attaches "
                f"to one it did not start. Choose another port, e.g. {suggestion} "
                "(or set TANGGAP_EXTERNAL_BROKER=1 to use the running broker on purpose)."
            )

    def _prepare_state_dir(self) -> None:
        """Create the state folder 0700, or tighten one an older install left readable by others."""
        folder = self.state_dir
        existed = folder.is_dir()
        # Only a folder Tanggap made (its marker) or an empty one is tightened: TANGGAP_STATE_DIR=/tmp
        # must not chmod /tmp and everything in it.
        ours = not existed or (folder / STATE_MARKER).exists() or not any(folder.iterdir())
        make_private_dir(folder)
        if not ours:
            self._say(
                f"{folder} has files Tanggap did not create (no {STATE_MARKER}); their permissions are left "
                "as they are. What Tanggap writes there is readable by this user only"
            )
        else:
            tightened = tighten(folder)
            if tightened:
                shown = ", ".join(str(p.relative_to(folder)) or "." for p in tightened[:8])
                more = f" and {len(tightened) - 8} more" if len(tightened) > 8 else ""
                self._say(
                    f"tightened permissions of {len(tightened)} entries in {folder} that others could read "
                    f"(folders now 0700, files 0600): {shown}{more}"
                )
        open_private(folder / STATE_MARKER).close()

    def _environment(self, sp: ServiceProcess) -> dict[str, str]:
        env = {key: value for key, value in self._base_env.items() if key not in PER_PROCESS_SETTINGS}
        env.update(self._env)
        env.setdefault("TANGGAP_HTTP_HOST", "127.0.0.1")
        env.update(self._service_env.get(base_service(sp.name), {}))
        env.update(
            TANGGAP_BROKER_URL=self.broker_url,
            TANGGAP_STATE_DIR=str(self.state_dir),
            TANGGAP_HTTP_PORT=str(sp.port),
            PYTHONUNBUFFERED="1",
        )
        if base_service(sp.name) in {"intake", "notifier"}:
            env.setdefault("TANGGAP_PUBLIC_URL", self.base_url)
        return env

    def _spawn(self, name: str) -> None:
        sp = self._service(name)
        make_private_dir(sp.log_path.parent)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with open_private(sp.log_path) as log:
            log.write(f"--- {stamp} runner: starting {name} on 127.0.0.1:{sp.port}\n".encode())
            log.flush()
            # Own session: Ctrl-C on the terminal reaches only the runner, which then stops the services in
            # order instead of all processes dying at once.
            sp.process = subprocess.Popen(
                self._command(base_service(name)),
                env=self._environment(sp),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Whatever the runner's own umask: databases, the notification sink and Qdrant's files are
                # the services' user's alone.
                umask=PRIVATE_UMASK,
            )
        sp.started_at = time.monotonic()
        self._say(f"started {name} (pid {sp.process.pid}, port {sp.port}, log {sp.log_path})")

    def _terminate(self, services: Sequence[ServiceProcess]) -> None:
        """SIGTERM, then wait for the grace period; a second Ctrl-C meanwhile kills what still runs."""
        running = [sp for sp in services if sp.process is not None and sp.process.poll() is None]
        for sp in running:
            assert sp.process is not None
            sp.process.terminate()
        deadline = time.monotonic() + self.grace_seconds
        forced = self._stop_request.forced
        for sp in running:
            assert sp.process is not None
            while sp.process.poll() is None:
                if forced.is_set():
                    self._say(f"{self._stop_request.name} again: killing {sp.name} now")
                elif time.monotonic() >= deadline:
                    self._say(f"{sp.name} did not stop within {self.grace_seconds:.0f} s; killing it")
                else:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        sp.process.wait(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
                    continue
                sp.process.kill()
                sp.process.wait()

    def _acquire_lock(self) -> None:
        if self._lock is not None:
            return
        path = self.state_dir / "runner.lock"
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise StateDirBusyError(
                f"{self.state_dir} is in use by another running Tanggap (pid {owner}). Stop that one first, "
                "or give this one its own folder, e.g. TANGGAP_STATE_DIR=/tmp/tanggap-2 make up"
            ) from None
        handle.truncate(0)
        handle.seek(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle

    def _release_lock(self) -> None:
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None
