"""The notifier as real processes: a timer survives a SIGKILL, and two processes never page anyone twice.

Both use `python -m tanggap_notifier` on a real nats-server. Two processes share one database: a SQLite
file by default, or PostgreSQL when TANGGAP_TEST_POSTGRES_URL is set.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from tanggap_runner.nats import NatsServer, free_port
from tanggap_shared.contracts import Category
from tanggap_shared.events import IncidentClassified, ReportSnapshot, UnitRef
from tanggap_shared.messaging import STREAM_NAME

CIPINANG = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")


def classified() -> IncidentClassified:
    return IncidentClassified(
        incident_id=uuid.uuid4(),
        producer="classifier",
        unit=CIPINANG,
        report=ReportSnapshot(report_id=uuid.uuid4(), text="…", received_at=datetime.now(UTC)),
        crisis=True,
        level=3,
        category=Category.UNREST,
        policy_version="test",
    )


class Notifier:
    """One `python -m tanggap_notifier` process."""

    def __init__(self, state_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = state_dir / f"notifier-{self.port}.log"
        full = {k: v for k, v in os.environ.items() if not k.startswith("TANGGAP_")}
        full |= env | {"TANGGAP_HTTP_PORT": str(self.port), "TANGGAP_STATE_DIR": str(state_dir)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tanggap_notifier"], env=full, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until(self._healthy, 60, lambda: f"notifier did not start:\n{self.log.read_text()[-3000:]}")

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(ready: Callable[[], bool], seconds: float, why: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(why())
        time.sleep(0.1)


def sink(state_dir: Path) -> list[dict[str, str]]:
    path = state_dir / "notifications.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


async def publish(url: str, *events: IncidentClassified) -> None:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        for event in events:
            await js.publish(event.subject, event.model_dump_json().encode(), stream=STREAM_NAME)
    finally:
        await connection.close()


@pytest.fixture
def env(fresh_nats: NatsServer, tmp_path: Path, team_file: Path) -> dict[str, str]:
    policy: dict[str, Any] = yaml.safe_load(
        resources.files("tanggap_notifier").joinpath("routing.yaml").read_text(encoding="utf-8")
    )
    policy["escalation"]["ack_minutes"][3] = 0.05  # three seconds to acknowledge a level-3 page
    routing = tmp_path / "routing.yaml"
    routing.write_text(yaml.safe_dump({k: v for k, v in policy.items() if not k.startswith("x-")}))
    return {
        "TANGGAP_BROKER_URL": fresh_nats.url,
        "TANGGAP_DIRECTORY_FILE": str(team_file),
        "TANGGAP_ROUTING_FILE": str(routing),
        "TANGGAP_TIMER_INTERVAL_SECONDS": "0.3",
        "TANGGAP_RESUME_INTERVAL_SECONDS": "0.5",
        "TANGGAP_DELIVERY_LEASE_SECONDS": "10",
        "TANGGAP_LINK_SECRET": "test-secret",
        "TANGGAP_LOG_JSON": "true",
    }


def sent_rows(database: Path) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(database) as db:
        try:
            return int(
                db.execute("SELECT count(*) FROM notifier_deliveries WHERE status = 'sent'").fetchone()[0]
            )
        except sqlite3.OperationalError:  # the schema is not created yet
            return 0


def pending_escalations(database: Path) -> int:
    with sqlite3.connect(database) as db:
        query = "SELECT count(*) FROM notifier_timers WHERE kind = 'escalation' AND status = 'pending'"
        return int(db.execute(query).fetchone()[0])


async def test_a_timer_pending_when_the_notifier_is_killed_escalates_once_after_restart(
    env: dict[str, str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    notifier = Notifier(state, env)
    try:
        await publish(env["TANGGAP_BROKER_URL"], classified())
        # Killed once the pages are recorded as sent (a kill between a send and its record would resend
        # that page after the lease: the documented at-least-once window, not what is tested here).
        wait_until(lambda: sent_rows(state / "notifier.db") == 4, 30, lambda: f"no pages: {sink(state)}")
        notifier.kill()
        assert pending_escalations(state / "notifier.db") == 1
        time.sleep(3.5)  # the timer comes due while nobody runs

        notifier = Notifier(state, env)
        escalated = lambda: [m for m in sink(state) if m["recipient"] == "wakil"]  # noqa: E731
        wait_until(lambda: bool(escalated()), 30, lambda: f"no escalation: {sink(state)}")
        time.sleep(1.5)  # several watchdog rounds: a second firing would show now
        (page,) = escalated()
        assert page["title"].startswith("Tanggap: BELUM DIKONFIRMASI - pemberitahuan krisis")
        assert sorted(m["recipient"] for m in sink(state)) == ["humas", "ketua", "pusat", "sup", "wakil"]
    finally:
        notifier.stop()


@pytest.fixture
async def shared_database(tmp_path: Path) -> AsyncIterator[str]:
    """The database both processes share: a throwaway PostgreSQL database when TANGGAP_TEST_POSTGRES_URL is
    set (created and dropped here, so no earlier run's directory or deliveries can leak in), else SQLite."""
    server = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
        return
    name = f"tanggap_notifier_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        await admin.dispose()


async def test_two_processes_on_one_database_page_each_person_once(
    env: dict[str, str], tmp_path: Path, shared_database: str
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    shared = shared_database
    # The packaged policy (15 minutes to acknowledge): only the first pages are counted here.
    env = {k: v for k, v in env.items() if k != "TANGGAP_ROUTING_FILE"}
    env |= {"TANGGAP_DATABASE_URL": shared, "TANGGAP_CONSUMER_BATCH": "2"}
    first = Notifier(state, env)
    second = Notifier(state, env)
    try:
        incidents = [classified() for _ in range(6)]
        # Each event twice, without a message id: JetStream keeps both copies, the processes share them.
        await publish(env["TANGGAP_BROKER_URL"], *incidents, *incidents)
        expected = 4 * len(incidents)
        wait_until(lambda: len(sink(state)) >= expected, 60, lambda: f"{len(sink(state))} of {expected}")
        time.sleep(1.5)  # redeliveries and resume sweeps: a duplicate would show now
        pages = [(m["recipient"], m["body"].split("/incidents/")[1].split()[0]) for m in sink(state)]
        assert len(pages) == expected
        assert len(set(pages)) == expected
        assert {incident for _, incident in pages} == {str(e.incident_id) for e in incidents}
    finally:
        first.stop()
        second.stop()
