"""What a team member reads: Bahasa Indonesia, short on chat, complete by e-mail, nothing from the report."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

from tanggap_notifier.directory import load_directory
from tanggap_notifier.messages import (
    ACK_PLACEHOLDER,
    IncidentView,
    Message,
    MessageRenderer,
    format_local,
)
from tanggap_notifier.routing import TEMPLATE_KINDS, Routed, crisis_recipients, load_policy
from tanggap_notifier.sender import style_for
from tanggap_shared.contracts import Category
from tanggap_shared.events import UnitRef

REPORT_TEXT = "Napi bernama Budi Santoso kabur lewat gorong-gorong pukul 02.00"
SALEMBA = UnitRef(
    code="DKI-LAPAS-SALEMBA",
    name="Lapas Kelas IIA Salemba",
    type="Lapas",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)
RENDERER = MessageRenderer(public_url="https://tanggap.example.go.id/")
INCIDENT = IncidentView(
    incident_id=uuid.uuid4(),
    unit=SALEMBA,
    level=3,
    category=Category.ESCAPE,
    known_at=datetime(2025, 3, 12, 7, 30, tzinfo=UTC),
    deadlines={"holding_statement": 60},
    secondary_categories=(Category.VIRAL,),
)
EXTRAS = {
    "level_raised": {"previous_level": 2},
    "approval_request": {
        "drafts": [
            {"title": "Pernyataan awal (holding statement)", "blocking": 0},
            {"title": "Siaran pers", "blocking": 1},
        ],
        "count": 2,
        "blocking": 1,
        "round": 1,
        "about": "permintaan persetujuan: 2 draf",
    },
    "draft_approved": {"kind": "siaran pers", "reviewer": "Kakanwil DKI"},
    "deadline_approaching": {"deadline_name": "x", "due": "y", "due_clock": "z", "minutes_left": 15},
    "deadline_missed": {"deadline_name": "x", "due": "y", "due_clock": "z", "minutes_left": 0},
    "incident_closed": {"closed_by": "Kakanwil DKI"},
    "escalation": {"about": "pemberitahuan krisis", "waited_minutes": 15, "unconfirmed": ["Contoh: A"]},
}


def _team() -> dict[str, Routed]:
    routed = crisis_recipients(
        crisis=True,
        level=3,
        directory=load_directory(),
        policy=load_policy(),
        unit=SALEMBA.code,
        region="DKI",
    )
    return {r.person.id: r for r in routed}


def _render(kind: str, person: str = "ditjenpas-pusat", renderer: MessageRenderer = RENDERER) -> Message:
    return renderer.render(kind, INCIDENT, _team()[person], EXTRAS.get(kind, {}))


def test_crisis_message_carries_level_unit_category_deadline_and_links() -> None:
    message = _render("incident_new")
    assert message.title == "Tanggap: Krisis Level 3 (Tinggi) di Lapas Kelas IIA Salemba"
    assert "Kejadian: pelarian warga binaan (juga: konten viral / hoaks)" in message.body
    # 07:30 UTC + 60 min = 15.30 in Jakarta.
    assert "Batas pernyataan awal (holding statement): pukul 15.30 WIB, 12 Maret 2025" in message.body
    assert f"Buka insiden: https://tanggap.example.go.id/incidents/{INCIDENT.incident_id}" in message.body
    assert f"Konfirmasi bahwa pesan ini sudah Anda terima: {ACK_PLACEHOLDER}" in message.body
    assert "Pusat (Humas Ditjenpas)" in message.body


def test_short_text_for_chat_and_sms_holds_the_essentials() -> None:
    message = _render("incident_new")
    assert message.short.splitlines() == [
        "KRISIS LEVEL 3 (Tinggi) - Lapas Kelas IIA Salemba",
        "Kejadian: pelarian warga binaan",
        "Holding statement paling lambat 15.30 WIB",
        f"Buka: https://tanggap.example.go.id/incidents/{INCIDENT.incident_id}",
        f"Konfirmasi terima: {ACK_PLACEHOLDER}",
    ]
    assert len(message.short) < len(message.body)
    assert message.for_style("short") == message.short
    assert message.for_style("full") == message.body
    assert [
        style_for(u) for u in ("tgram://t/c", "whatsapp://x", "twilio://a", "mailto://x", "json://h")
    ] == [
        "short",
        "short",
        "short",
        "full",
        "full",
    ]


def test_every_kind_renders_and_never_carries_the_report_text() -> None:
    for kind in TEMPLATE_KINDS:
        if kind == "digest":
            message = RENDERER.render_digest(["Tanggap: Krisis Level 1 di Lapas X — https://t/incidents/1"])
        else:
            message = _render(kind)
        for text in (message.title, message.short, message.body):
            assert text.strip(), kind
            for fragment in ("Budi", "Santoso", "gorong", "02.00"):
                assert fragment not in text


def test_stand_in_is_told_whose_place_they_take() -> None:
    message = _render("incident_new", "kanwil-dki-supervisor")
    assert "belum ada Ketua Tim Komunikasi Krisis (Kepala UPT) untuk Lapas Kelas IIA Salemba" in message.body
    assert "Mohon lengkapi daftar tim" in message.body
    assert (
        "Anda menggantikan: Ketua Tim Komunikasi Krisis (Kepala UPT) (Lapas Kelas IIA Salemba"
        in message.short
    )


def test_deadline_is_in_the_unit_time_zone() -> None:
    moment = datetime(2025, 1, 31, 23, 5, tzinfo=UTC)
    assert format_local(moment, "BALI") == "07.05 WITA, 1 Februari 2025"
    assert format_local(moment, "PAPUA") == "08.05 WIT, 1 Februari 2025"
    assert format_local(moment, "ACEH") == "06.05 WIB, 1 Februari 2025"


def test_draft_and_escalation_texts() -> None:
    request = _render("approval_request")
    assert request.title == "Tanggap: Permintaan persetujuan: 2 draf (Lapas Kelas IIA Salemba)"
    assert request.body.startswith(
        "2 draf menunggu persetujuan Anda:\n"
        "- Pernyataan awal (holding statement)\n"
        "- Siaran pers (1 temuan wajib diperbaiki)\n"
    )
    assert request.short.startswith(
        "PERMINTAAN PERSETUJUAN - Level 3 - Lapas Kelas IIA Salemba\n2 draf menunggu persetujuan Anda:\n"
        "- Pernyataan awal (holding statement)\n- Siaran pers (1 temuan wajib diperbaiki)\n"
    )
    link = f"https://tanggap.example.go.id/incidents/{INCIDENT.incident_id}"
    assert request.body.count(link) == 1, "one link to the incident page"
    assert request.short.count(link) == 1
    escalation = _render("escalation")
    assert escalation.title == "Tanggap: BELUM DIKONFIRMASI - pemberitahuan krisis (Lapas Kelas IIA Salemba)"
    assert "Belum mengonfirmasi: Contoh: A." in escalation.body
    raised = _render("level_raised")
    assert raised.short.startswith("LEVEL NAIK 2 → 3 (Tinggi) - Lapas Kelas IIA Salemba")


def test_a_templates_folder_overrides_single_files(tmp_path: Path) -> None:
    (tmp_path / "incident_new.short.j2").write_text(
        "L{{ level }} {{ unit_code }} {{ link }} {{ ack_link }}\n"
    )
    renderer = MessageRenderer(public_url="https://t", templates_dir=tmp_path)
    message = _render("incident_new", renderer=renderer)
    assert (
        message.short
        == f"L3 DKI-LAPAS-SALEMBA https://t/incidents/{INCIDENT.incident_id} {ACK_PLACEHOLDER}\n"
    )
    assert message.title == "Tanggap: Krisis Level 3 (Tinggi) di Lapas Kelas IIA Salemba", (
        "others stay shipped"
    )
