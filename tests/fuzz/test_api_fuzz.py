"""Property-based fuzzing of the intake's HTTP API from its own OpenAPI schema (schemathesis).

Every generated request, valid or not, must get an answer below 500: bad input is the caller's error and is
answered as such. Bounded: a fixed number of examples per operation, no deadline per example. (The
strategies are driven with Hypothesis directly: schemathesis' lazy pytest plugin does not run on pytest 9.)
"""

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System(
        tmp_path_factory.mktemp("fuzz"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        services=("intake",),
    ) as running:
        yield running


def test_no_generated_request_makes_the_api_fail(intake: System) -> None:
    schema = schemathesis.openapi.from_url(f"{intake.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4, "the schema lists the public operations"
    calls: dict[str, int] = {}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def no_server_error(case: schemathesis.Case) -> None:
            label = case.operation.label
            calls[label] = calls.get(label, 0) + 1
            case.call_and_validate(base_url=intake.base_url, checks=[not_a_server_error])

        no_server_error()
    assert "POST /v1/reports" in calls
    assert calls["POST /v1/reports"] >= EXAMPLES_PER_OPERATION // 2, calls


@pytest.mark.parametrize("depth", [100, 5_000, 30_000])
def test_deeply_nested_bodies_are_refused_cleanly(intake: System, depth: int) -> None:
    body = b'{"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "facts": ' + b"[" * depth + b"]" * depth + b"}"
    response = httpx.post(
        f"{intake.base_url}/v1/reports",
        content=body,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]


def test_oversized_bodies_are_refused_before_they_are_read(intake: System) -> None:
    big = b'{"unit_code": "DKI-LAPAS-CIPINANG", "text": "' + b"x" * 2_000_000 + b'"}'
    response = httpx.post(
        f"{intake.base_url}/v1/reports", content=big, headers={"content-type": "application/json"}, timeout=10
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]
    assert httpx.get(f"{intake.base_url}/healthz", timeout=5).status_code == 200
