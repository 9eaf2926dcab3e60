"""Incidents the drafter tests share."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tanggap_shared.contracts import Category
from tanggap_shared.events import Fact, Facts, Impact, IncidentClassified, ReportSnapshot, UnitRef

PALOPO = UnitRef(
    code="SULSEL-LAPAS-PALOPO",
    name="Lapas Kelas IIA Palopo",
    type="Lapas",
    unit_class="IIA",
    city="Palopo",
    region="SULSEL",
    region_name="Kanwil Ditjenpas Sulawesi Selatan",
)

SENTANI = UnitRef(
    code="PAPUA-RUTAN-SENTANI",
    name="Rutan Kelas IIB Sentani",
    type="Rutan",
    unit_class="IIB",
    city="Jayapura",
    region="PAPUA",
    region_name="Kanwil Ditjenpas Papua",
)

RIOT_TEXT = (
    "Terjadi kerusuhan di Lapas Palopo tadi malam, napi membakar ruang kantor dan satu napi tewas. "
    "Pelaku provokator disebut bernama Andi Saputra. Video beredar di TikTok."
)

IncidentFactory = Callable[..., IncidentClassified]


def _incident(**overrides: Any) -> IncidentClassified:
    report = ReportSnapshot(
        report_id=uuid.uuid4(),
        received_at=datetime.now(UTC),
        text=overrides.pop("text", RIOT_TEXT),
        facts=overrides.pop(
            "facts",
            Facts(
                what=Fact(value="kerusuhan di blok hunian dan pembakaran ruang kantor", verified=True),
                when=Fact(value="Senin, 2 Maret 2026 sekitar pukul 21.00 WITA", verified=True),
                where=Fact(value="Blok C dan ruang kantor", verified=True),
                who=Fact(value="sejumlah napi Blok C, diduga dipimpin Andi Saputra", verified=False),
                why=Fact(value="dipicu meninggalnya seorang penghuni di sel isolasi", verified=False),
            ),
        ),
        impact=overrides.pop("impact", Impact(deaths=1, injuries=3, video_exists=True)),
    )
    fields: dict[str, Any] = {
        "incident_id": uuid.uuid4(),
        "producer": "classifier",
        "unit": PALOPO,
        "report": report,
        "crisis": True,
        "level": 4,
        "category": Category.UNREST,
        "secondary_categories": [Category.DEATH],
        "policy_version": "test",
    }
    fields.update(overrides)
    return IncidentClassified(**fields)


@pytest.fixture
def sentani() -> UnitRef:
    """A unit whose name does not contain its city."""
    return SENTANI


@pytest.fixture
def make_incident() -> IncidentFactory:
    """Build an IncidentClassified; by default a riot with one death at Lapas Palopo."""
    return _incident
