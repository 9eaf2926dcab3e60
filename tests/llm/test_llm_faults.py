"""The LLM down or hung: the template drafts go out without waiting for it; a late answer is added after.

No timing assertion: the model stand-in holds every answer until the test releases it, so the templates
arriving while the model has answered nothing proves they never wait on it.
"""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

from .standin import ModelStandIn, llm_env

pytestmark = pytest.mark.e2e

REPORT = {
    "unit_code": "DKI-LAPAS-CIPINANG",
    "text": "Terjadi kerusuhan di blok hunian. Seorang warga binaan tewas dan dua petugas luka-luka.",
}
GOOD_DRAFT = (
    "Kami menyampaikan duka cita atas peristiwa di Lapas Kelas I Cipinang. Kami sedang mengumpulkan fakta "
    "dan berkoordinasi dengan aparat penegak hukum, dan akan menyampaikan perkembangan secara berkala."
)


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    if "Ekstrak" in body["messages"][1]["content"]:
        return {
            "deaths": None,
            "injuries": None,
            "escapees": None,
            "media_reach": None,
            "children_involved": None,
            "officers_involved": None,
            "video_exists": None,
            "categories": [],
        }
    return {"text": GOOD_DRAFT}


def _incident(client: httpx.Client, incident_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/v1/incidents/{incident_id}").json()
    return body


def _wait(client: httpx.Client, incident_id: str, ready: Any, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _incident(client, incident_id)
        if ready(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"not ready: {_incident(client, incident_id)}")


def _templates(incident: dict[str, Any]) -> set[str]:
    return {d["kind"] for d in incident["drafts"] if d["method"] == "template"}


@pytest.fixture
def hung_model() -> Iterator[ModelStandIn]:
    with ModelStandIn(_answer, hold=True) as standin:
        yield standin


def test_templates_do_not_wait_for_a_hung_model_and_its_late_answer_is_added(
    hung_model: ModelStandIn, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = llm_env(hung_model.url)
    with (
        System(
            tmp_path_factory.mktemp("hung-llm"),
            http_port=free_port(),
            broker_url=f"nats://127.0.0.1:{free_port()}",
            service_env={"drafter": env},
        ) as system,
        httpx.Client(base_url=system.base_url, timeout=10) as client,
    ):
        incident_id = client.post("/v1/reports", json=REPORT).json()["incident_id"]
        incident = _wait(
            client, incident_id, lambda b: {"holding_statement", "press_release"} <= _templates(b)
        )
        assert hung_model.requests, "the drafter did ask the model"
        assert hung_model.answered == 0, "the templates went out while the model had answered nothing"
        assert not [d for d in incident["drafts"] if d["method"] == "llm"]

        hung_model.release()
        incident = _wait(client, incident_id, lambda b: any(d["method"] == "llm" for d in b["drafts"]))
        llm_kinds = {d["kind"] for d in incident["drafts"] if d["method"] == "llm"}
        assert llm_kinds <= _templates(incident), "each LLM draft stands beside its template"


def test_a_model_that_is_down_leaves_the_template_drafts(tmp_path_factory: pytest.TempPathFactory) -> None:
    env = llm_env(f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    with (
        System(
            tmp_path_factory.mktemp("down-llm"),
            http_port=free_port(),
            broker_url=f"nats://127.0.0.1:{free_port()}",
            service_env={"drafter": env, "classifier": env},
        ) as system,
        httpx.Client(base_url=system.base_url, timeout=10) as client,
    ):
        incident_id = client.post("/v1/reports", json=REPORT).json()["incident_id"]
        incident = _wait(
            client, incident_id, lambda b: {"holding_statement", "press_release"} <= _templates(b)
        )
        assert incident["level"] >= 3, "the rules classify without the model"
        time.sleep(1.0)
        incident = _incident(client, incident_id)
        assert not [d for d in incident["drafts"] if d["method"] == "llm"]
