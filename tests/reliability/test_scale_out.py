"""Competing consumers: three classifier and two notifier processes on one JetStream share the work,
with no side effect twice."""

import time
from collections.abc import Iterator

import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

from .test_faults import Flood, assert_exactly_once

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System(
        tmp_path_factory.mktemp("scaled"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        replicas={"classifier": 3, "notifier": 2},
    ) as running:
        yield running


def _lines_with(system: System, unit: str, marker: str) -> int:
    return sum(marker in line for line in system.log_path(unit).read_text().splitlines())


def test_replicas_share_the_work_without_duplicates(scaled: System) -> None:
    assert {"classifier", "classifier-2", "classifier-3", "notifier", "notifier-2"} <= set(scaled.services)
    with Flood(scaled.base_url, count=45, rate=15.0) as flood:
        pass
    assert_exactly_once(scaled.base_url, flood.accepted, reports=flood.reports)
    time.sleep(0.5)
    classified = {
        u: _lines_with(scaled, u, "classifier.incident_classified")
        for u in scaled.services
        if "classifier" in u
    }
    assert sum(classified.values()) >= len(set(flood.accepted)), classified
    assert sum(1 for n in classified.values() if n > 0) >= 2, f"the work was not shared: {classified}"
    sent = {u: _lines_with(scaled, u, "notifier.sink_written") for u in ("notifier", "notifier-2")}
    assert all(n > 0 for n in sent.values()), f"both notifiers should deliver: {sent}"
