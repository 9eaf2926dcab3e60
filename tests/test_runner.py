"""The local runner (`make up`, and the System the end-to-end tests use), without the four real services.

Where a test needs processes, the System runs a small stand-in: a real HTTP server that answers /healthz on
TANGGAP_HTTP_PORT, like a service, and prints the settings it was given.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tanggap_runner.cli import curl_example
from tanggap_runner.config import (
    DEFAULT_BROKER_URL,
    BrokerAddress,
    ConfigError,
    RunnerConfig,
    per_service_overrides,
)
from tanggap_runner.console import Console, LogFollower
from tanggap_runner.nats import NatsServer, NatsStartError, free_port
from tanggap_runner.signals import Interrupted, StopRequest
from tanggap_runner.supervisor import RestartPolicy, Supervisor, describe_exit
from tanggap_runner.system import (
    PortInUseError,
    RunnerError,
    ServiceStartError,
    StateDirBusyError,
    System,
)

from .runner_kit import RunnerProcess

ROOT = Path(__file__).resolve().parents[1]

STAND_IN = """
import json, os, signal, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

if os.environ.get("STAND_IN_CRASH"):
    print("boom: cannot open the database", flush=True)
    sys.exit(3)
if os.environ.get("STAND_IN_SLOW_START"):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("starting slowly", flush=True)
    time.sleep(600)

class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", int(os.environ["TANGGAP_HTTP_PORT"])), Health)
if os.environ.get("STAND_IN_STUBBORN"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a service stuck in its shutdown
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
seen = {key: value for key, value in os.environ.items() if key.startswith("TANGGAP_")}
print("settings " + json.dumps(seen, sort_keys=True), flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    script = tmp_path_factory.mktemp("stand-in") / "service.py"
    script.write_text(STAND_IN)
    return script


def stand_in_system(stand_in: Path, state_dir: Path, **kwargs: object) -> System:
    return System(
        state_dir,
        command=lambda service: [sys.executable, str(stand_in), service],
        startup_timeout=30,
        grace_seconds=10,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def settings_seen(system: System, service: str) -> str:
    return system.log_path(service).read_text()


# -- configuration -------------------------------------------------------------------------------------


def test_config_defaults_match_the_documented_ones() -> None:
    config = RunnerConfig.from_env({})
    assert config.http_port == 8080
    assert config.broker_url == DEFAULT_BROKER_URL == "nats://127.0.0.1:4222"
    assert config.state_dir == Path(".tanggap")
    assert config.external_broker is False
    assert config.service_env == {}


def test_config_reads_ports_state_dir_and_broker_from_the_environment() -> None:
    config = RunnerConfig.from_env(
        {
            "TANGGAP_HTTP_PORT": "8090",
            "TANGGAP_BROKER_URL": "nats://127.0.0.1:4223",
            "TANGGAP_STATE_DIR": "/tmp/tanggap-2",
            "TANGGAP_STOP_GRACE_SECONDS": "5",
        }
    )
    assert (config.http_port, config.broker.port, config.state_dir) == (8090, 4223, Path("/tmp/tanggap-2"))
    assert config.grace_seconds == 5.0


@pytest.mark.parametrize("raw", ["abc", "0", "70000", "-1"])
def test_config_rejects_a_bad_port_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="TANGGAP_HTTP_PORT must be a port number"):
        RunnerConfig.from_env({"TANGGAP_HTTP_PORT": raw})


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("", False)]
)
def test_config_reads_the_external_broker_flag(raw: str, expected: bool) -> None:
    assert RunnerConfig.from_env({"TANGGAP_EXTERNAL_BROKER": raw}).external_broker is expected


def test_config_rejects_an_unclear_external_broker_flag() -> None:
    with pytest.raises(ConfigError, match="TANGGAP_EXTERNAL_BROKER"):
        RunnerConfig.from_env({"TANGGAP_EXTERNAL_BROKER": "maybe"})


def test_a_remote_broker_must_be_declared_external() -> None:
    with pytest.raises(ConfigError, match="TANGGAP_EXTERNAL_BROKER=1"):
        RunnerConfig.from_env({"TANGGAP_BROKER_URL": "nats://broker.example:4222"})
    config = RunnerConfig.from_env(
        {"TANGGAP_BROKER_URL": "nats://broker.example:4222", "TANGGAP_EXTERNAL_BROKER": "1"}
    )
    assert config.broker == BrokerAddress("broker.example", 4222)


def test_broker_url_parsing() -> None:
    assert BrokerAddress.parse("nats://127.0.0.1") == BrokerAddress("127.0.0.1", 4222)
    assert BrokerAddress.parse("nats://localhost:4223").is_loopback
    with pytest.raises(ConfigError, match="TANGGAP_BROKER_URL"):
        BrokerAddress.parse("http://127.0.0.1:4222")
    with pytest.raises(ConfigError, match="invalid port"):
        BrokerAddress.parse("nats://127.0.0.1:99999")


def test_per_service_settings_reach_only_their_service() -> None:
    environ = {
        "TANGGAP_CLASSIFIER_HTTP_PORT": "9001",
        "TANGGAP_DRAFTER_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/drafter",
        "TANGGAP_LOG_LEVEL": "DEBUG",
    }
    assert per_service_overrides(environ) == {
        "classifier": {"TANGGAP_HTTP_PORT": "9001"},
        "drafter": {"TANGGAP_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/drafter"},
    }
    with pytest.raises(ConfigError, match="TANGGAP_NOTIFIER_HTTP_PORT"):
        RunnerConfig.from_env({"TANGGAP_NOTIFIER_HTTP_PORT": "x"})


# -- restart back-off ----------------------------------------------------------------------------------


def test_backoff_doubles_from_one_second_up_to_a_minute() -> None:
    policy = RestartPolicy()
    assert [policy.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.delay(0) == 0
    assert policy.delay(10_000) == 60


def test_backoff_starts_over_after_a_long_stable_run() -> None:
    policy = RestartPolicy(base_seconds=0.5, max_seconds=10, stable_after_seconds=30)
    assert policy.failures_after_crash(previous=4, ran_for=2.0) == 5
    assert policy.failures_after_crash(previous=4, ran_for=31.0) == 1
    assert [policy.delay(n) for n in (1, 2, 3, 6)] == [0.5, 1.0, 2.0, 10]


def test_exit_codes_are_described_for_people() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exit code 3"


# -- ports that are taken ------------------------------------------------------------------------------


def test_nats_server_refuses_a_taken_port_and_says_how_to_choose_another(
    taken_port: int, tmp_path: Path
) -> None:
    server = NatsServer(port=taken_port, monitor_port=free_port(), store_dir=tmp_path / "nats")
    with pytest.raises(NatsStartError, match=f"port {taken_port} is already taken") as raised:
        server.start()
    assert "TANGGAP_BROKER_URL=nats://127.0.0.1:" in str(raised.value)
    assert server.process is None


def test_system_refuses_a_taken_intake_port_before_starting_anything(
    stand_in: Path, taken_port: int, tmp_path: Path
) -> None:
    system = stand_in_system(stand_in, tmp_path, http_port=taken_port)
    with pytest.raises(PortInUseError, match=f"Port {taken_port} for the intake") as raised:
        system.start()
    assert "TANGGAP_HTTP_PORT=" in str(raised.value)
    assert "make up" in str(raised.value)
    assert system.broker is None
    assert system.processes == {}


def test_system_never_attaches_to_a_broker_it_did_not_start(
    stand_in: Path, fresh_nats: NatsServer, tmp_path: Path
) -> None:
    system = stand_in_system(stand_in, tmp_path, broker_url=fresh_nats.url)
    with pytest.raises(PortInUseError) as raised:
        system.start()
    message = str(raised.value)
    assert f"Port {fresh_nats.port} of TANGGAP_BROKER_URL" in message
    assert "TANGGAP_BROKER_URL=nats://127.0.0.1:" in message
    assert "TANGGAP_EXTERNAL_BROKER=1" in message
    assert system.processes == {}


def test_system_uses_a_running_broker_only_when_told_to(
    stand_in: Path, fresh_nats: NatsServer, tmp_path: Path
) -> None:
    with stand_in_system(
        stand_in, tmp_path, broker_url=fresh_nats.url, external_broker=True, services=("classifier",)
    ) as system:
        assert system.broker is None
        assert f'"TANGGAP_BROKER_URL": "{fresh_nats.url}"' in settings_seen(system, "classifier")
    assert fresh_nats.running, "the runner must not stop a broker it did not start"


def test_an_external_broker_that_does_not_answer_is_reported(stand_in: Path, tmp_path: Path) -> None:
    system = stand_in_system(
        stand_in, tmp_path, broker_url=f"nats://127.0.0.1:{free_port()}", external_broker=True
    )
    with pytest.raises(RunnerError, match="no broker answers"):
        system.start()


def test_cli_refuses_a_taken_broker_port_with_a_clear_message(taken_port: int, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TANGGAP_BROKER_URL": f"nats://127.0.0.1:{taken_port}",
        "TANGGAP_HTTP_PORT": str(free_port()),
        "TANGGAP_STATE_DIR": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tanggap_runner", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert f"Port {taken_port} of TANGGAP_BROKER_URL" in result.stdout
    assert "TANGGAP_BROKER_URL=nats://127.0.0.1:" in result.stdout


# -- the system's processes ----------------------------------------------------------------------------


def test_system_starts_broker_and_services_with_their_settings_and_stops_them(
    stand_in: Path, tmp_path: Path
) -> None:
    system = stand_in_system(
        stand_in,
        tmp_path / "state",
        env={"TANGGAP_LOG_LEVEL": "DEBUG"},
        service_env={"drafter": {"TANGGAP_QDRANT_PATH": "/somewhere"}},
        base_env={**os.environ, "TANGGAP_DATABASE_URL": "sqlite+aiosqlite:///shared.db"},
    )
    with system:
        assert system.broker is not None
        assert system.broker.running
        assert httpx.get(f"{system.base_url}/healthz").status_code == 204
        assert set(system.processes) == {"intake", "classifier", "drafter", "notifier"}
        assert len(set(system.ports.values())) == 4
        drafter = settings_seen(system, "drafter")
        assert f'"TANGGAP_STATE_DIR": "{system.state_dir}"' in drafter
        assert f'"TANGGAP_BROKER_URL": "{system.broker_url}"' in drafter
        assert '"TANGGAP_QDRANT_PATH": "/somewhere"' in drafter
        assert '"TANGGAP_LOG_LEVEL": "DEBUG"' in drafter
        assert "TANGGAP_DATABASE_URL" not in drafter, "one database URL must not be shared by all services"
        assert "TANGGAP_QDRANT_PATH" not in settings_seen(system, "classifier")
        assert f'"TANGGAP_PUBLIC_URL": "{system.base_url}"' in settings_seen(system, "intake")
        processes = system.processes
    assert all(process.returncode == 0 for process in processes.values()), "SIGTERM, not SIGKILL"
    assert not system.broker.running
    assert (system.state_dir / "nats" / "js").is_dir()


def test_a_crashing_service_fails_the_start_with_the_end_of_its_log(stand_in: Path, tmp_path: Path) -> None:
    system = stand_in_system(stand_in, tmp_path, service_env={"notifier": {"STAND_IN_CRASH": "1"}})
    with pytest.raises(ServiceStartError, match="notifier exited with code 3") as raised:
        system.start()
    assert "boom: cannot open the database" in str(raised.value)
    assert all(process.poll() is not None for process in system.processes.values())
    assert system.broker is not None
    assert not system.broker.running


def test_a_state_folder_serves_one_system_at_a_time(stand_in: Path, tmp_path: Path) -> None:
    with stand_in_system(stand_in, tmp_path, services=("intake",)):
        second = stand_in_system(stand_in, tmp_path, services=("intake",))
        with pytest.raises(StateDirBusyError, match="TANGGAP_STATE_DIR="):
            second.start()
    with stand_in_system(stand_in, tmp_path, services=("intake",)) as again:
        assert again.healthy("intake")


def test_kill_and_start_service_for_fault_tests(stand_in: Path, tmp_path: Path) -> None:
    with stand_in_system(stand_in, tmp_path, services=("intake", "classifier")) as system:
        system.kill("classifier")
        assert system.processes["classifier"].returncode == -9
        assert system.crashed() == {"classifier": -9}
        system.start_service("classifier")
        assert system.healthy("classifier")
        assert system.crashed() == {}
        with pytest.raises(RunnerError, match="already running"):
            system.start_service("classifier")
        with pytest.raises(RunnerError, match="unknown service"):
            system.kill("classifer")
        broker = system.broker
        assert broker is not None
        system.kill("nats")
        assert not broker.running
        system.start_service("nats")
        assert broker.running
        assert broker.url == system.broker_url


def test_supervisor_restarts_a_crashed_service_with_growing_back_off(stand_in: Path, tmp_path: Path) -> None:
    said: list[str] = []
    offset = [0.0]
    with stand_in_system(stand_in, tmp_path, services=("intake", "drafter")) as system:
        supervisor = Supervisor(
            system, say=said.append, clock=lambda: system.started_at("drafter") + offset[0]
        )
        system.kill("drafter")
        supervisor.tick()
        assert set(supervisor.pending_restarts) == {"drafter"}
        assert "drafter stopped unexpectedly (killed by SIGKILL); restarting in 1 s" in said[-1]
        offset[0] = 0.5
        supervisor.tick()
        assert system.processes["drafter"].poll() is not None, "restarted before its back-off"
        offset[0] = 1.0
        supervisor.tick()
        assert said[-1] == "drafter restarted"
        system.wait_healthy(["drafter"])

        system.kill("drafter")
        offset[0] = 0.0
        supervisor.tick()
        assert "restarting in 2 s (restart #2)" in said[-1]
        assert supervisor.failures("drafter") == 2
    assert system.crashed() == {}, "a stopped system reports no crashes to restart"


def test_supervisor_restarts_the_broker_it_started(stand_in: Path, tmp_path: Path) -> None:
    said: list[str] = []
    with stand_in_system(stand_in, tmp_path, services=("intake",)) as system:
        supervisor = Supervisor(system, say=said.append, policy=RestartPolicy(base_seconds=0))
        system.kill("nats")
        assert "nats" in system.crashed()
        supervisor.tick()
        assert said[-1] == "nats restarted"
        assert system.broker is not None
        assert system.broker.running


# -- terminal output -----------------------------------------------------------------------------------


def test_log_follower_echoes_new_complete_lines_with_the_service_name(tmp_path: Path) -> None:
    intake_log, drafter_log = tmp_path / "intake.log", tmp_path / "drafter.log"
    intake_log.write_text("from an earlier run\n")
    out = io.StringIO()
    follower = LogFollower({"intake": intake_log, "drafter": drafter_log}, Console(out, colour=False))
    with intake_log.open("a") as log:
        log.write("intake.started port=8080\nhalf a li")
    drafter_log.write_text("drafter.ready\n")
    assert follower.poll() == 2
    with intake_log.open("a") as log:
        log.write("ne\n")
    assert follower.poll() == 1
    assert out.getvalue().splitlines() == [
        "intake     | intake.started port=8080",
        "drafter    | drafter.ready",
        "intake     | half a line",
    ]


def test_curl_example_posts_a_report_to_the_console_url() -> None:
    example = curl_example("http://127.0.0.1:8090", with_key=False)
    assert example.startswith("curl -sS -X POST http://127.0.0.1:8090/v1/reports")
    assert '"unit_code": "ACEH-LAPAS-BANDAACEH"' in example
    assert "Authorization" not in example
    assert "Bearer $TANGGAP_BOOTSTRAP_API_KEY" in curl_example("http://127.0.0.1:8090", with_key=True)


# -- Ctrl-C at any moment (issue 14, item 13) --------------------------------------------------------------
# The real runner with the real services. Bounds on the exit are liveness checks (a hang fails), not timings.

EXIT_BOUND = 60.0


@pytest.fixture
def runners() -> Iterator[list[RunnerProcess]]:
    started: list[RunnerProcess] = []
    yield started
    for runner in started:
        runner.cleanup()


def start_runner(runners: list[RunnerProcess], state_dir: Path, **kwargs: object) -> RunnerProcess:
    runner = RunnerProcess(state_dir, **kwargs)  # type: ignore[arg-type]
    runners.append(runner)
    return runner


def assert_stopped_without_leftovers(runner: RunnerProcess, expected: set[int]) -> None:
    code = runner.wait_exit(EXIT_BOUND)
    assert code in expected, runner.output
    assert runner.leftovers() == [], f"processes left running:\n{runner.output}"


@pytest.mark.e2e
def test_ctrl_c_immediately_after_start_leaves_nothing_running(
    runners: list[RunnerProcess], tmp_path: Path
) -> None:
    runner = start_runner(runners, tmp_path / "state")
    runner.interrupt()
    # Before the interpreter reaches the runner's first line the signal's default ends it (the shell shows
    # 130 for both); from there on the runner answers 130 itself.
    assert_stopped_without_leftovers(runner, {130, -signal.SIGINT})


@pytest.mark.e2e
@pytest.mark.parametrize(
    "moment",
    [
        "starting NATS JetStream",  # while NATS starts
        "started intake",  # NATS is up, the services are being spawned
        # every service spawned, waiting for /healthz (the intake migrating, the drafter seeding Qdrant)
        "started notifier",
    ],
)
def test_ctrl_c_during_start_up_stops_everything_with_130(
    runners: list[RunnerProcess], tmp_path: Path, moment: str
) -> None:
    runner = start_runner(runners, tmp_path / "state")
    runner.wait_for(moment)
    runner.interrupt()
    assert_stopped_without_leftovers(runner, {130})
    assert (
        "interrupted (SIGINT) while starting; everything that was started has been stopped" in runner.output
    )
    assert "Tanggap berjalan" not in runner.output


@pytest.mark.e2e
def test_ctrl_c_during_start_up_works_when_sigint_was_inherited_ignored(
    runners: list[RunnerProcess], tmp_path: Path
) -> None:
    """The issue's case: the first Ctrl-C was ignored until start-up ended, only the second one worked."""
    runner = start_runner(runners, tmp_path / "state", sigint_ignored=True)
    runner.wait_for("started notifier")
    runner.interrupt()
    assert_stopped_without_leftovers(runner, {130})
    assert "SIGINT received while starting" in runner.output


@pytest.mark.e2e
def test_sigterm_during_start_up_stops_everything(runners: list[RunnerProcess], tmp_path: Path) -> None:
    runner = start_runner(runners, tmp_path / "state")
    runner.wait_for("started classifier")
    runner.interrupt(signal.SIGTERM)
    assert_stopped_without_leftovers(runner, {128 + signal.SIGTERM})


@pytest.mark.e2e
def test_ctrl_c_once_running_stops_cleanly(runners: list[RunnerProcess], tmp_path: Path) -> None:
    runner = start_runner(runners, tmp_path / "state")
    runner.wait_for("Tanggap berjalan")
    assert httpx.get(f"{runner.base_url}/healthz").is_success
    runner.interrupt()
    assert_stopped_without_leftovers(runner, {0})
    assert "SIGINT received: stopping everything" in runner.output
    assert "stopped cleanly" in runner.output


def test_a_stop_request_interrupts_a_service_that_never_becomes_healthy(
    stand_in: Path, tmp_path: Path
) -> None:
    stop = StopRequest()
    system = stand_in_system(
        stand_in,
        tmp_path,
        services=("intake", "drafter"),
        service_env={"drafter": {"STAND_IN_SLOW_START": "1"}},
        stop_request=stop,
    )
    system.startup_timeout = 600
    threading.Timer(1.0, stop.request, args=(signal.SIGINT,)).start()
    with pytest.raises(Interrupted) as raised:
        system.start()
    assert raised.value.exit_code == 130
    assert all(process.poll() is not None for process in system.processes.values())
    assert system.broker is not None
    assert not system.broker.running


def test_a_second_ctrl_c_kills_services_that_do_not_stop(stand_in: Path, tmp_path: Path) -> None:
    stop = StopRequest()
    system = stand_in_system(
        stand_in,
        tmp_path,
        services=("intake",),
        service_env={"intake": {"STAND_IN_STUBBORN": "1"}},
        stop_request=stop,
    )
    system.grace_seconds = 600  # only the second request can end the wait
    system.start()
    stop.request(signal.SIGINT)
    stopper = threading.Thread(target=system.stop)
    stopper.start()
    time.sleep(0.5)
    assert stopper.is_alive(), "the stubborn service ignores SIGTERM: the stop waits"
    stop.request(signal.SIGINT)
    stopper.join(timeout=EXIT_BOUND)
    assert not stopper.is_alive()
    assert system.processes["intake"].returncode == -signal.SIGKILL
    assert system.broker is not None
    assert not system.broker.running


def test_stop_request_keeps_an_ignored_sighup_and_takes_sigint_whatever_was_inherited() -> None:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        stop = StopRequest()
        stop.install()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN, "nohup asked for it"
        signal.raise_signal(signal.SIGINT)
        assert stop.requested.is_set()
        assert stop.name == "SIGINT"
        assert not stop.forced.is_set()
        signal.raise_signal(signal.SIGTERM)
        assert stop.forced.is_set(), "a second signal escalates"
        assert stop.name == "SIGINT", "the first one is the one reported"
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
