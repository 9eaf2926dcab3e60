"""Who sent a report, apart from whom the caller names ("diisi atas nama"), on SQLite and PostgreSQL."""

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from tanggap_intake import accounts
from tanggap_intake.models import LoginFailure
from tanggap_shared.events import utcnow

from .conftest import log_in, runtime_of


async def test_a_claimed_name_too_long_for_its_column_is_refused_in_words(intake: httpx.AsyncClient) -> None:
    # The column holds 200 characters: a longer claim answered 500 on PostgreSQL (and stored nothing).
    body = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Kerusuhan di blok hunian.", "reported_by": "x" * 500}
    answer = await intake.post("/v1/reports", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "reported_by"
    assert (await intake.get("/v1/incidents")).json() == [], "nothing half written"


async def test_open_mode_records_itself_as_the_sender(intake: httpx.AsyncClient) -> None:
    body = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Kerusuhan di blok hunian.", "reported_by": "Budi"}
    accepted = (await intake.post("/v1/reports", json=body)).json()
    view = (await intake.get(f"/v1/incidents/{accepted['incident_id']}")).json()
    report = view["reports"][0]
    assert (report["reported_by"], report["recorded_by_kind"]) == ("Budi", "open")
    assert report["recorded_by"] == "mode terbuka"


async def test_old_login_failures_are_swept(intake: httpx.AsyncClient) -> None:
    async with runtime_of(intake).unit_of_work() as session:
        old = utcnow() - accounts.FAILURE_WINDOW - timedelta(minutes=1)
        session.add(LoginFailure(username="lama", address="203.0.113.1", at=old))
    async with httpx.AsyncClient(base_url=str(intake.base_url)) as client:
        assert (await log_in(client, "siapa", "salah-sekali-lagi")).status_code == 401
    async with runtime_of(intake).sessions() as session:
        left = await session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.at < old + timedelta(seconds=1))
        )
    assert left == 0, "failures older than the window do not pile up"
