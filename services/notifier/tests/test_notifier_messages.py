"""What a crisis-team member reads: Bahasa Indonesia, the essentials and a link, nothing from the report."""

import uuid
from datetime import UTC, datetime

from tanggap_notifier.deliveries import plan
from tanggap_notifier.directory import load_directory
from tanggap_notifier.messages import MessageRenderer, format_local
from tanggap_notifier.routing import load_policy
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import DraftProposed, Finding, IncidentClassified, ReportSnapshot, UnitRef

REPORT_TEXT = "Napi bernama Budi Santoso kabur lewat gorong-gorong pukul 02.00"
SALEMBA = UnitRef(
    code="DKI-LAPAS-SALEMBA",
    name="Lapas Kelas IIA Salemba",
    type="Lapas",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)
RENDERER = MessageRenderer(public_url="https://tanggap.example.go.id/")


def _classified(**overrides: object) -> IncidentClassified:
    fields: dict[str, object] = {
        "incident_id": uuid.uuid4(),
        "producer": "classifier",
        "unit": SALEMBA,
        "report": ReportSnapshot(
            report_id=uuid.uuid4(), text=REPORT_TEXT, received_at=datetime(2025, 3, 12, 7, 30, tzinfo=UTC)
        ),
        "crisis": True,
        "level": 3,
        "category": Category.ESCAPE,
        "secondary_categories": [Category.VIRAL],
        "policy_version": "test",
        "deadlines": {"holding_statement": 60},
    }
    return IncidentClassified.model_validate(fields | overrides)


def _plan(event: IncidentClassified | DraftProposed) -> dict[str, tuple[str, str]]:
    planned = plan(event, directory=load_directory(), policy=load_policy(), renderer=RENDERER)
    return {p.routed.person.id: (p.message.title, p.message.body) for p in planned}


def test_crisis_message_carries_level_unit_category_deadline_and_link() -> None:
    event = _classified()
    title, body = _plan(event)["ditjenpas-pusat"]
    assert title == "Tanggap: Krisis Level 3 (Tinggi) di Lapas Kelas IIA Salemba"
    assert "Kejadian: pelarian warga binaan (juga: konten viral / hoaks)" in body
    # 07:30 UTC + 60 min = 15.30 in Jakarta.
    assert "Batas pernyataan awal (holding statement): pukul 15.30 WIB, 12 Maret 2025" in body
    assert f"Buka insiden: https://tanggap.example.go.id/incidents/{event.incident_id}" in body
    assert "Pusat (Humas Ditjenpas)" in body


def test_message_never_carries_the_report_text_or_names() -> None:
    for title, body in _plan(_classified()).values():
        for fragment in ("Budi", "Santoso", "gorong", "02.00"):
            assert fragment not in title
            assert fragment not in body


def test_stand_in_is_told_whose_place_they_take() -> None:
    _, body = _plan(_classified())["kanwil-dki-supervisor"]
    assert "belum ada Ketua Tim Komunikasi Krisis (Kepala UPT) untuk Lapas Kelas IIA Salemba" in body
    assert "Mohon lengkapi daftar tim" in body


def test_no_deadline_line_without_a_deadline() -> None:
    _, body = _plan(_classified(deadlines={}))["ditjenpas-pusat"]
    assert "Batas pernyataan awal" not in body


def test_deadline_is_in_the_unit_time_zone() -> None:
    moment = datetime(2025, 1, 31, 23, 5, tzinfo=UTC)
    assert format_local(moment, "BALI") == "07.05 WITA, 1 Februari 2025"
    assert format_local(moment, "PAPUA") == "08.05 WIT, 1 Februari 2025"
    assert format_local(moment, "ACEH") == "06.05 WIB, 1 Februari 2025"


def test_draft_message_asks_for_approval() -> None:
    incident_id = uuid.uuid4()
    draft = DraftProposed(
        incident_id=incident_id,
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=DraftKind.HOLDING_STATEMENT,
        level=3,
        unit=SALEMBA,
        text=REPORT_TEXT,
        method="template",
        findings=[Finding(code="identity.full_name", severity="blocking", message="nama lengkap")],
    )
    messages = _plan(draft)
    assert list(messages) == ["kanwil-dki-supervisor"]
    title, body = messages["kanwil-dki-supervisor"]
    assert title == (
        "Tanggap: Draf pernyataan awal (holding statement) menunggu persetujuan Anda"
        " (Lapas Kelas IIA Salemba)"
    )
    assert body.startswith("Draf pernyataan awal (holding statement) menunggu persetujuan Anda.")
    assert "1 temuan wajib diperbaiki" in body
    assert f"https://tanggap.example.go.id/incidents/{incident_id}" in body
    assert "Budi" not in body
