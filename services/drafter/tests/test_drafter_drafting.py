"""Template drafts: only the event's facts, hedged when unverified, placeholders for the unknown."""

import re
from collections.abc import Callable

from tanggap_drafter.checks import word_count
from tanggap_drafter.composer import Composer
from tanggap_drafter.drafting import Draft, known_texts
from tanggap_drafter.items import load_starter
from tanggap_drafter.plan import load_plan
from tanggap_drafter.store import KeyMessageStore
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import Fact, Facts, Impact, IncidentClassified, UnitRef

IncidentFactory = Callable[..., IncidentClassified]

NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")


async def _drafts(store: KeyMessageStore, event: IncidentClassified) -> dict[DraftKind, Draft]:
    drafts = await Composer(store).drafts(event, load_plan().kinds_for(event) or list(DraftKind))
    return {d.kind: d for d in drafts}


async def test_holding_statement_comes_first_then_press_release(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    drafts = await Composer(store).drafts(event, load_plan().kinds_for(event))
    assert [d.kind for d in drafts][:2] == [DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE]
    assert all(d.method == "template" for d in drafts)


async def test_riot_with_death_drafts_use_only_event_facts(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    drafts = await _drafts(store, event)
    known_numbers = set(NUMBER.findall("\n".join(known_texts(event))))
    for draft in drafts.values():
        text = draft.text
        assert "Lapas Kelas IIA Palopo".lower() in text.lower()
        assert "Andi" not in text
        assert "Saputra" not in text
        assert not re.search(r"\bnapi\b", text, re.IGNORECASE)
        assert set(NUMBER.findall(text)) <= known_numbers
        # The report's own sentences are never pasted in.
        assert "TikTok" not in text
        assert "tadi malam" not in text
        assert not [f for f in draft.findings if f.severity == "blocking"], (draft.kind, draft.findings)
    for kind in (DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE):
        assert "AS" in drafts[kind].text  # the initials stand in for the name
        assert "Warga Binaan" in drafts[kind].text
        # The dateline city and today's date in the unit's time zone (Palopo: WITA).
        assert re.search(r"^Palopo, \d{1,2} [A-Z][a-z]+ \d{4}", drafts[kind].text, re.MULTILINE)
        assert "[tanggal]" not in drafts[kind].text
        assert "1 orang meninggal dunia" in drafts[kind].text
        assert "3 orang mengalami luka-luka" in drafts[kind].text
        assert drafts[kind].sources


async def test_unknown_items_are_visible_placeholders(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    drafts = await _drafts(store, make_incident())
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    release = drafts[DraftKind.PRESS_RELEASE].text
    # Without a crisis team on file, who fills the spokesperson says so; one placeholder per person.
    assert "[diisi Humas UPT: nama dan jabatan juru bicara]" in holding
    for placeholder in (
        "[diisi Humas UPT: nama dan jabatan juru bicara]",
        "[diisi Humas UPT: nama dan jabatan narahubung]",
        "[diisi Humas UPT: nomor telepon narahubung]",
        "[diisi Humas UPT: nomor siaran pers]",
    ):
        assert placeholder in release
    assert "[jabatan]" not in release
    placeholders = {f.excerpt for f in drafts[DraftKind.PRESS_RELEASE].findings if f.code == "placeholder"}
    assert "[diisi Humas UPT: nomor siaran pers]" in placeholders


async def test_unknown_time_is_a_placeholder(store: KeyMessageStore, make_incident: IncidentFactory) -> None:
    event = make_incident(facts=Facts(what=Fact(value="kericuhan di ruang kunjungan", verified=True)))
    release = (await _drafts(store, event))[DraftKind.PRESS_RELEASE].text
    assert "[diisi Humas UPT: waktu kejadian yang sudah diverifikasi]" in release


async def test_holding_statement_keeps_its_word_budget(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    sparse = make_incident(facts=Facts(), impact=Impact(), secondary_categories=[])
    for event in (make_incident(), sparse):
        holding = (await _drafts(store, event))[DraftKind.HOLDING_STATEMENT]
        assert 80 <= word_count(holding.text) <= 150, holding.text
        assert not [f for f in holding.findings if f.code in {"length", "missing_section"}]


async def test_press_release_has_every_part(store: KeyMessageStore, make_incident: IncidentFactory) -> None:
    release = (await _drafts(store, make_incident()))[DraftKind.PRESS_RELEASE]
    text = release.text
    lines = text.splitlines()
    assert lines[0].startswith("KEMENTERIAN")
    assert "SIARAN PERS" in lines
    assert "Untuk disiarkan segera" in lines
    assert any(re.match(r"Palopo, \d{1,2} [A-Z][a-z]+ \d{4} – ", line) for line in lines)
    assert "[diisi Humas UPT: nama dan jabatan juru bicara]" in text
    assert "“" in text
    assert "Tentang Pemasyarakatan" in lines
    assert "Narahubung" in lines
    assert lines[-1] == "###"
    assert 300 <= word_count(text) <= 500
    assert not [f for f in release.findings if f.code == "missing_section"]


async def test_unverified_facts_are_hedged(store: KeyMessageStore, make_incident: IncidentFactory) -> None:
    drafts = await _drafts(store, make_incident())
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    assert "Informasi awal yang masih kami verifikasi menyebutkan kejadian melibatkan" in holding
    # A cause that is not verified is never stated in a holding statement.
    assert "sel isolasi" not in holding
    release = drafts[DraftKind.PRESS_RELEASE].text
    confirmed, _, hedged = release.partition("Informasi awal yang masih kami verifikasi:")
    assert "Penyebab: dipicu meninggalnya seorang penghuni di sel isolasi" in hedged
    assert "sel isolasi" not in confirmed
    assert "Waktu: Senin, 2 Maret 2026 sekitar pukul 21.00 WITA" in confirmed


async def test_verified_facts_are_stated_as_confirmed(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    holding = (await _drafts(store, make_incident()))[DraftKind.HOLDING_STATEMENT].text
    assert "Hal yang dapat kami sampaikan saat ini yaitu kejadian tersebut berupa kerusuhan" in holding


async def test_children_are_never_identified(
    store: KeyMessageStore, make_incident: IncidentFactory, sentani: UnitRef
) -> None:
    event = make_incident(
        unit=sentani,
        category=Category.ESCAPE,
        secondary_categories=[],
        text="Dua Anak kabur dari Rutan Sentani.",
        facts=Facts(
            what=Fact(value="pelarian dari ruang hunian", verified=True),
            who=Fact(value="Budi Hartono dan Dedi Kurniawan, keduanya berusia di bawah umur", verified=True),
        ),
        impact=Impact(escapees=2, children_involved=True),
    )
    drafts = await _drafts(store, event)
    for draft in drafts.values():
        assert "Budi" not in draft.text
        assert "BH" not in draft.text
        assert "DK" not in draft.text
        assert not [f for f in draft.findings if f.code == "child_identity"], (draft.kind, draft.findings)
    assert "Rutan Kelas IIB Sentani, Jayapura" in drafts[DraftKind.HOLDING_STATEMENT].text
    assert "2 orang penghuni melarikan diri" in drafts[DraftKind.PRESS_RELEASE].text
    assert "Identitas Anak yang terlibat kami lindungi" in drafts[DraftKind.PRESS_RELEASE].text


async def test_sources_cite_the_library_items_used(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    drafts = await _drafts(store, make_incident())
    release = drafts[DraftKind.PRESS_RELEASE]
    items = {item.id: item for item in load_starter()}
    assert len(release.sources) == 4  # three key messages and one stock passage for press releases
    for ref in release.sources:
        assert items[ref.id].text in release.text
    assert items[release.sources[0].id].category == Category.UNREST
    assert {items[ref.id].kind for ref in release.sources} == {"key_message", "press_release"}


def _missing_sections(draft: Draft) -> list[str]:
    return [f.message for f in draft.findings if f.code == "missing_section"]


async def test_every_kind_is_complete_and_never_blocking_from_the_template(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    escape = make_incident(
        category=Category.ESCAPE,
        secondary_categories=[],
        facts=Facts(what=Fact(value="pelarian dari blok hunian", verified=True)),
        impact=Impact(escapees=2),
    )
    for event in (make_incident(), escape):
        drafts = await Composer(store).drafts(event, list(DraftKind))
        assert [d.kind for d in drafts] == list(DraftKind)
        for draft in drafts:
            assert not _missing_sections(draft), (draft.kind, _missing_sections(draft))
            assert not [f for f in draft.findings if f.severity == "blocking"], (draft.kind, draft.findings)
            if draft.kind != DraftKind.KEY_MESSAGES:
                assert "[" in draft.text, "unknowns stay visible placeholders"


async def test_escape_holding_statement_uses_its_category_template(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    facts = Facts(
        what=Fact(value="pelarian dari blok hunian", verified=True),
        when=Fact(value="Selasa dini hari", verified=False),
    )
    event = make_incident(
        category=Category.ESCAPE, secondary_categories=[], facts=facts, impact=Impact(escapees=1)
    )
    holding = (await _drafts(store, event))[DraftKind.HOLDING_STATEMENT]
    assert "tidak bertindak sendiri" in holding.text
    assert 80 <= word_count(holding.text) <= 150


async def test_escape_method_stays_out_of_public_drafts(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident(
        category=Category.ESCAPE,
        secondary_categories=[],
        level=3,
        facts=Facts(
            what=Fact(value="pelarian dari blok hunian", verified=True),
            how=Fact(value="kabur lewat gorong-gorong setelah memotong teralis", verified=True),
        ),
        impact=Impact(escapees=1),
    )
    drafts = await _drafts(store, event)
    for kind in (DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE, DraftKind.QA, DraftKind.KEY_MESSAGES):
        assert "gorong-gorong" not in drafts[kind].text
    report = drafts[DraftKind.ESCALATION_REPORT]
    assert "gorong-gorong" in report.text  # internal: the Kanwil needs to know
    assert {(f.code, f.severity) for f in report.findings} >= {("security_detail", "warning")}


async def test_key_messages_are_three_with_empathy_first(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    draft = (await _drafts(store, make_incident()))[DraftKind.KEY_MESSAGES]
    messages = re.findall(r"(?m)^\d\. (.+)$", draft.text)
    assert len(messages) == 3
    assert messages[0].startswith("Kami berduka")
    assert "Fakta pendukung: Waktu: Senin, 2 Maret 2026" in draft.text
    assert not [f for f in draft.findings if f.code == "key_message_count"]


async def test_hak_jawab_names_the_outlet_of_the_linked_article(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident(
        category=Category.VIRAL,
        level=2,
        report=make_incident().report.model_copy(
            update={"links": ["https://www.beritacontoh.id/2026/03/lapas"]}
        ),
    )
    drafts = await _drafts(store, event)
    letter = drafts[DraftKind.RIGHT_OF_REPLY].text
    assert "Pemimpin Redaksi beritacontoh.id" in letter
    assert "https://www.beritacontoh.id/2026/03/lapas" in letter
    assert list(drafts)[:3] == [
        DraftKind.HOLDING_STATEMENT,
        DraftKind.CLARIFICATION,
        DraftKind.RIGHT_OF_REPLY,
    ]


async def test_an_lpka_is_treated_as_children_involved(
    store: KeyMessageStore, make_incident: IncidentFactory, sentani: UnitRef
) -> None:
    lpka = sentani.model_copy(update={"type": "LPKA", "name": "LPKA Kelas II Jayapura", "code": "PAPUA-LPKA"})
    event = make_incident(
        unit=lpka,
        facts=Facts(who=Fact(value="Rudi Hartono, penghuni kamar tiga", verified=True)),
        impact=Impact(),
    )
    drafts = await _drafts(store, event)
    assert all("Rudi" not in d.text and "RH" not in d.text for d in drafts.values())
    assert "Identitas Anak yang terlibat kami lindungi" in drafts[DraftKind.PRESS_RELEASE].text
