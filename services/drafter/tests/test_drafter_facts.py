"""Drafts from the facts read from the report's text (issue 13, items 1 and 2): suggestions hedged,
confirmations stated, amounts in the report's words, sensitive detail never public, and what Tanggap
knows (date, city, next update, the crisis team) filled in instead of placeholders."""

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tanggap_drafter.checks import word_count
from tanggap_drafter.composer import Composer
from tanggap_drafter.drafting import Draft
from tanggap_drafter.known import Team
from tanggap_drafter.store import KeyMessageStore
from tanggap_shared.contracts import DraftKind, Role, Tier
from tanggap_shared.events import (
    Amount,
    Impact,
    IncidentClassified,
    ReadFact,
    Recipient,
    ReportReading,
    TeamMember,
    TextSpan,
    UnitRef,
)

IncidentFactory = Callable[..., IncidentClassified]
EscapeFactory = Callable[..., IncidentClassified]
ReadingsFactory = Callable[..., list[ReportReading]]
CIPINANG = UnitRef(
    code="DKI-LAPAS-CIPINANG",
    name="Lapas Kelas I Cipinang",
    type="Lapas",
    unit_class="I",
    city="Jakarta Timur",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)

PUBLIC = [
    DraftKind.HOLDING_STATEMENT,
    DraftKind.PRESS_RELEASE,
    DraftKind.KEY_MESSAGES,
    DraftKind.QA,
    DraftKind.SOCIAL_POST,
    DraftKind.CLARIFICATION,
]


async def _drafts(store: KeyMessageStore, event: IncidentClassified, **kw: Any) -> dict[DraftKind, Draft]:
    kinds = [*PUBLIC, DraftKind.ESCALATION_REPORT, DraftKind.CRISIS_PLAN]
    return {d.kind: d for d in await Composer(store).drafts(event, kinds, **kw)}


def _sentence_with(text: str, phrase: str) -> str:
    at = text.index(phrase)
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    end = text.find("\n", at)
    return text[start : end if end >= 0 else len(text)]


async def test_suggested_facts_appear_only_hedged(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    drafts = await _drafts(store, make_escape())
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    # The report's day and time, and its amount in its own word, both hedged.
    when = _sentence_with(holding, "Selasa dini hari sekitar pukul 03.00 WIB")
    assert "Informasi awal yang masih kami verifikasi" in when
    amount = _sentence_with(holding, "dua Warga Binaan melarikan diri")
    assert amount.startswith("Dilaporkan")
    assert "masih kami verifikasi" in amount
    # What the report gives is no longer "masih kami dalami".
    assert "waktu pasti kejadian" not in holding.lower()
    assert "jumlah Warga Binaan yang melarikan diri" not in holding
    for kind, draft in drafts.items():
        assert not [f for f in draft.findings if f.severity == "blocking"], (kind, draft.findings)


async def test_the_press_release_lead_carries_verified_facts_only(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    release = (await _drafts(store, make_escape()))[DraftKind.PRESS_RELEASE].text
    lead = next(line for line in release.splitlines() if line.startswith("Jakarta Timur, "))
    assert "[diisi Humas UPT: waktu kejadian yang sudah diverifikasi]" in lead
    assert "Selasa" not in lead
    assert "menerima laporan mengenai peristiwa pelarian" in lead
    hedged = release.split("Informasi awal yang masih kami verifikasi:", 1)[1]
    assert "Waktu: Selasa dini hari sekitar pukul 03.00 WIB." in hedged


async def test_confirmed_facts_are_stated_plainly(
    store: KeyMessageStore,
    make_incident: IncidentFactory,
    make_escape: EscapeFactory,
    escape_readings: ReadingsFactory,
) -> None:
    event = make_escape(readings=escape_readings(status="confirmed", verified=True))
    drafts = await _drafts(store, event)
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    assert (
        "Hal yang dapat kami sampaikan saat ini yaitu kejadian tersebut berupa pelarian dan terjadi pada "
        "Selasa dini hari sekitar pukul 03.00 WIB." in holding
    )
    assert "Berdasarkan data sementara, dua Warga Binaan melarikan diri." in holding
    assert "Informasi awal" not in holding
    lead = next(line for line in drafts[DraftKind.PRESS_RELEASE].text.splitlines() if " – " in line)
    assert "membenarkan telah terjadi pelarian" in lead  # "melarikan diri" is a verb: its noun leads
    assert "pada Selasa dini hari sekitar pukul 03.00 WIB" in lead


async def test_a_removed_reading_is_gone_and_a_person_answer_wins(
    store: KeyMessageStore, make_escape: EscapeFactory, escape_readings: ReadingsFactory
) -> None:
    readings = escape_readings()
    facts = [f.model_copy(update={"status": "removed"}) if f.kind == "when" else f for f in readings[0].facts]
    event = make_escape(
        readings=[readings[0].model_copy(update={"facts": facts})],
        impact=Impact(escapees=3),
    )
    holding = (await _drafts(store, event))[DraftKind.HOLDING_STATEMENT].text
    assert "Selasa" not in holding
    assert "Waktu pasti kejadian" in holding
    # The self-assessment's count stands over the reading's.
    assert "3 orang penghuni melarikan diri" in holding
    assert "dua Warga Binaan" not in holding


async def test_vague_amounts_keep_the_report_words(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    text = "Puluhan napi kabur dari Lapas Kelas I Cipinang pada Senin petang."
    amount = ReadFact(
        fact_id="amount:0-12",
        kind="amount",
        value="Puluhan napi",
        span=TextSpan(start=0, end=12, text="Puluhan napi"),
        detail="escapees",
        amount=Amount(words="Puluhan", low=10, high=99),
    )
    event = make_escape(text=text, readings=[ReportReading(report_id=uuid.uuid4(), facts=[amount])])
    drafts = await _drafts(store, event)
    for kind in (DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE, DraftKind.QA):
        assert "Dilaporkan puluhan Warga Binaan melarikan diri" in drafts[kind].text, kind
        assert not re.search(r"\b(?:10|99)\b", drafts[kind].text)
    clarification = drafts[DraftKind.CLARIFICATION].text.split("Hal yang masih kami verifikasi:")[1]
    assert "- Jumlah: puluhan Warga Binaan melarikan diri." in clarification
    support = "Jumlah: puluhan Warga Binaan melarikan diri (sumber: laporan; belum terverifikasi)."
    assert support in drafts[DraftKind.KEY_MESSAGES].text
    assert not [f for f in drafts[DraftKind.KEY_MESSAGES].findings if f.severity == "blocking"]


async def test_security_detail_never_reaches_a_public_kind(
    store: KeyMessageStore,
    make_incident: IncidentFactory,
    make_escape: EscapeFactory,
    escape_readings: ReadingsFactory,
) -> None:
    for readings in (escape_readings(), escape_readings(status="confirmed", verified=True)):
        drafts = await _drafts(store, make_escape(readings=readings))
        for kind in PUBLIC:
            text = drafts[kind].text.lower()
            assert "memanjat" not in text, kind
            assert "tembok belakang" not in text, kind  # a place that is part of the method
        # The internal escalation report keeps it, with a warning not to pass it on.
        escalation = drafts[DraftKind.ESCALATION_REPORT]
        assert "memanjat tembok belakang" in escalation.text
        assert any(f.code == "security_detail" and f.severity == "warning" for f in escalation.findings)


async def test_the_holding_statement_has_every_section_in_its_word_budget(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    for event in (make_escape(), make_escape(readings=[]), make_incident()):
        holding = (await _drafts(store, event))[DraftKind.HOLDING_STATEMENT]
        assert 80 <= word_count(holding.text) <= 150, holding.text
        assert not [f for f in holding.findings if f.code in {"missing_section", "length"}], holding.findings
        text = holding.text
        assert re.search(r"prihatin|berduka", text)  # empathy
        assert "masih kami" in text  # what is not known yet
        assert "Kepolisian" in text or "aparat penegak hukum" in text  # what is being done
        assert "berkomitmen" in text  # commitment
        assert "informasi selanjutnya kami sampaikan" in text  # next update


async def test_what_tanggap_knows_is_filled_in(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    drafts = await _drafts(store, make_escape())
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    # Today's date in the unit's time zone, the dateline city, the next update from the level-3 cadence
    # (four hours, on the hour: 11.10 WIB → 16.00 WIB).
    assert holding.splitlines()[1] == "Jakarta Timur, 1 Desember 2026"
    assert "informasi selanjutnya kami sampaikan hari ini pukul 16.00 WIB" in holding
    release = drafts[DraftKind.PRESS_RELEASE].text
    assert "KANWIL DITJENPAS DKI JAKARTA" in release
    assert "Perkembangan penanganan akan kami sampaikan hari ini pukul 16.00 WIB" in release
    for draft in drafts.values():
        assert "[tanggal]" not in draft.text
        assert "[jabatan]" not in draft.text  # never one placeholder standing for two people
        assert "[waktu pembaruan berikutnya]" not in draft.text
        # Every placeholder left says who fills it.
        for placeholder in re.findall(r"\[[^\]]+\]", draft.text):
            assert placeholder.startswith("[diisi ") or "Verifikator Fakta" in placeholder, placeholder


async def test_a_night_report_in_another_time_zone_gets_its_local_date(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    # 2026-12-01 20:30 UTC is already 2 December in Palopo (WITA, UTC+8).
    event = make_incident(occurred_at=datetime(2026, 12, 1, 20, 30, tzinfo=UTC), level=2)
    holding = (await _drafts(store, event))[DraftKind.HOLDING_STATEMENT].text
    assert holding.splitlines()[1] == "Palopo, 2 Desember 2026"
    # Level 2: daily, so tomorrow at the hour.
    assert "besok, Kamis, 3 Desember 2026, pukul 05.00 WITA" in holding


def team_members(unit: UnitRef) -> list[TeamMember]:
    def member(person: str, name: str, role: Role, tier: Tier) -> TeamMember:
        return TeamMember(recipient=Recipient(person_id=person, name=name, role=role, tier=tier))

    return [
        member("k", "Budi Santoso", Role.KETUA, Tier.UPT),
        member("j", "Rina Wulandari", Role.JURU_BICARA, Tier.UPT),
        member("h", "Dedi Kurniawan", Role.KOORDINATOR_HUMAS, Tier.UPT),
        member("s", "Siti Rahma", Role.SUPERVISOR, Tier.REGION),
    ]


async def test_the_crisis_team_names_the_spokesperson_narahubung_and_kepala(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    event = make_escape()
    team = Team.from_members(team_members(CIPINANG), CIPINANG)
    drafts = await _drafts(store, event, team=team)
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    assert holding.rstrip().endswith("Rina Wulandari, Juru Bicara Lapas Kelas I Cipinang")
    release = drafts[DraftKind.PRESS_RELEASE].text
    assert "ujar Rina Wulandari, Juru Bicara Lapas Kelas I Cipinang." in release
    assert "Dedi Kurniawan, Koordinator Humas Lapas Kelas I Cipinang" in release
    assert "[diisi Humas UPT: nomor telepon narahubung]" in release  # nobody told Tanggap the phone
    plan = drafts[DraftKind.CRISIS_PLAN].text
    assert "- Ketua: Budi Santoso" in plan
    # Officials named in full with their position are no finding (only inmates' names are).
    for kind, draft in drafts.items():
        assert not [f for f in draft.findings if f.severity == "blocking"], (kind, draft.findings)


async def test_without_a_spokesperson_the_kepala_speaks(
    store: KeyMessageStore, make_incident: IncidentFactory, make_escape: EscapeFactory
) -> None:
    members = [m for m in team_members(CIPINANG) if m.recipient.role != Role.JURU_BICARA]
    team = Team.from_members(members, CIPINANG)
    holding = (await _drafts(store, make_escape(), team=team))[DraftKind.HOLDING_STATEMENT].text
    assert holding.rstrip().endswith("Budi Santoso, Kepala Lapas Kelas I Cipinang")
