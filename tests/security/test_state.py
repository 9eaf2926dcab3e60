"""Issue 14, item 8: the state folder was world-readable (databases with password hashes, API key hashes,
CSRF tokens and report text; the notification sink with working acknowledgement links; the logs: 0644).

Replayed against the real runner (`python -m tanggap_runner up`, NATS and the four services) in a folder of
its own: after a report went through every service, the folder is 0700 and every file in it 0600, while
the services run (SQLite's -wal/-shm, Qdrant's files, the sink) and after they stopped; a folder an older
install left 0755/0644 is tightened on start; a folder Tanggap did not create is left as it is.
"""

import contextlib
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tanggap_runner.nats import NatsServer, free_port

from ..runner_kit import RunnerProcess, modes_not_private

pytestmark = pytest.mark.e2e

RIOT = (
    "Terjadi kerusuhan di blok hunian pada Minggu malam. Seorang warga binaan tewas dan dua petugas "
    "luka-luka. Video kericuhan beredar di media sosial."
)
BOUND = 120.0


@pytest.fixture
def runners() -> Iterator[list[RunnerProcess]]:
    started: list[RunnerProcess] = []
    yield started
    for runner in started:
        runner.cleanup()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def wait_for_file(path: Path, runner: RunnerProcess, timeout: float = BOUND) -> None:
    """Bounded wait until a service wrote `path` (the notifier's sink after a page)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert runner.process.poll() is None, runner.output
        assert time.monotonic() < deadline, (
            f"{path.name} not written within {timeout:.0f} s:\n{runner.output}"
        )
        time.sleep(0.2)


def test_a_run_keeps_the_state_folder_and_every_file_private(
    runners: list[RunnerProcess], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    runner = RunnerProcess(state)
    runners.append(runner)
    runner.wait_for("Tanggap berjalan", timeout=BOUND)
    response = httpx.post(
        f"{runner.base_url}/v1/reports",
        json={"unit_code": "DKI-LAPAS-CIPINANG", "text": RIOT, "impact": {"deaths": 1, "injuries": 2}},
        headers={"Idempotency-Key": "state-modes-1"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    # The page reaches the sink after the classifier and the notifier handled it: every service wrote.
    sink = state / "notifications.jsonl"
    wait_for_file(sink, runner)

    files = {p.name for p in state.rglob("*") if p.is_file()}
    assert {"admin_password", "notifications.jsonl", "intake.log", "nats-server.log"} <= files
    assert any(name.endswith("-wal") for name in files), "SQLite's WAL files exist while the services run"
    assert modes_not_private(state) == [], "while running"

    runner.interrupt()
    assert runner.wait_exit(BOUND) == 0, runner.output
    assert "tightened permissions" not in runner.output, "a new folder has nothing to tighten"
    assert mode(state) == 0o700
    assert modes_not_private(state) == [], "after the stop"


def test_an_older_install_is_tightened_on_start(runners: list[RunnerProcess], tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "logs").mkdir(parents=True)
    old = {
        state / ".tanggap-state": "",
        state / "intake.db": "password hashes",
        state / "notifications.jsonl": '{"ack_url": "…"}\n',
        state / "logs" / "intake.log": "older log\n",
    }
    for path, text in old.items():
        path.write_text(text)
        os.chmod(path, 0o644)
    os.chmod(state / "logs", 0o755)
    os.chmod(state, 0o755)

    runner = RunnerProcess(state)
    runners.append(runner)
    line = runner.wait_for("tightened permissions")
    assert "intake.db" in line
    assert "notifications.jsonl" in line
    assert "logs/intake.log" in line
    runner.wait_for("started notifier", timeout=BOUND)
    runner.interrupt()
    assert runner.wait_exit(BOUND) == 130, runner.output
    assert modes_not_private(state) == []
    assert (state / "intake.db").read_text() == "password hashes", "only the modes change"


def test_a_folder_tanggap_did_not_create_keeps_its_modes(
    runners: list[RunnerProcess], tmp_path: Path
) -> None:
    """TANGGAP_STATE_DIR pointed at a shared folder (/tmp, a home) must not chmod what is already there."""
    shared = tmp_path / "shared"
    shared.mkdir()
    someone_else = shared / "notes.txt"
    someone_else.write_text("not Tanggap's")
    os.chmod(someone_else, 0o644)
    os.chmod(shared, 0o755)

    runner = RunnerProcess(shared)
    runners.append(runner)
    runner.wait_for("Tanggap did not create")
    runner.wait_for("started notifier", timeout=BOUND)
    runner.interrupt()
    assert runner.wait_exit(BOUND) == 130, runner.output
    assert mode(shared) == 0o755
    assert mode(someone_else) == 0o644
    ours = [p for p in shared.iterdir() if p != someone_else]
    assert ours, "the runner wrote its marker, lock and logs"
    for path in ours:
        assert modes_not_private(path) == [], path


SERVICES = ("intake", "classifier", "drafter", "notifier")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_started_without_the_runner_keeps_its_files_private(
    service: str, fresh_nats: NatsServer, tmp_path: Path
) -> None:
    """As docker compose or systemd start it: the parent's umask is 022, the service's own entry point
    makes what it creates private (its database and -wal/-shm files, Qdrant's, the sink)."""
    state = tmp_path / "state"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TANGGAP_")},
        "TANGGAP_STATE_DIR": str(state),
        "TANGGAP_BROKER_URL": fresh_nats.url,
        "TANGGAP_HTTP_HOST": "127.0.0.1",
        "TANGGAP_HTTP_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", f"tanggap_{service}"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=0o022,
    )
    try:
        deadline = time.monotonic() + BOUND
        while True:
            assert process.poll() is None, f"{service} exited with {process.returncode}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                    break
            assert time.monotonic() < deadline, f"{service} not healthy within {BOUND:.0f} s"
            time.sleep(0.2)
        assert any(p.name.endswith("-wal") for p in state.rglob("*")), "its SQLite database is open"
        assert modes_not_private(state) == []
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert modes_not_private(state) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_creates_the_state_folder_private(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert "TANGGAP_STATE_DIR=/var/lib/tanggap" in text
    assert "chmod 0700 /var/lib/tanggap" in text
