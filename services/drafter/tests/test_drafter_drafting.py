"""Template drafts: only the event's facts, hedged when unverified, placeholders for the unknown."""

import re
from collections.abc import AsyncIterator, Callable

import pytest

from tanggap_drafter.checks import word_count
from tanggap_drafter.drafting import Draft, categories_of, compose_drafts, known_texts, query_text
from tanggap_drafter.items import load_starter
from tanggap_drafter.store import KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import Fact, Facts, Impact, IncidentClassified, UnitRef

IncidentFactory = Callable[..., IncidentClassified]

NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")


@pytest.fixture
async def store() -> AsyncIterator[KeyMessageStore]:
    store = KeyMessageStore(QdrantTarget())
    await store.open(load_starter())
    yield store
    await store.close()


async def _drafts(store: KeyMessageStore, event: IncidentClassified) -> dict[DraftKind, Draft]:
    retrieved = await store.search(query_text(event), categories_of(event))
    return {d.kind: d for d in compose_drafts(event, retrieved)}


async def test_holding_statement_comes_first_then_press_release(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    drafts = compose_drafts(event, await store.search(query_text(event), categories_of(event)))
    assert [d.kind for d in drafts] == [DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE]


async def test_riot_with_death_drafts_use_only_event_facts(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    drafts = await _drafts(store, event)
    known_numbers = set(NUMBER.findall("\n".join(known_texts(event))))
    for draft in drafts.values():
        text = draft.text
        assert "Lapas Kelas IIA Palopo" in text
        assert "Palopo," in text  # the dateline city
        assert "Andi" not in text
        assert "Saputra" not in text
        assert "AS" in text  # the initials stand in for the name
        assert not re.search(r"\bnapi\b", text, re.IGNORECASE)
        assert "Warga Binaan" in text
        assert set(NUMBER.findall(text)) <= known_numbers
        assert "1 orang meninggal dunia" in text
        assert "3 orang mengalami luka-luka" in text
        # The report's own sentences are never pasted in.
        assert "TikTok" not in text
        assert "tadi malam" not in text
        assert not [f for f in draft.findings if f.severity == "blocking"]
        assert draft.sources


async def test_unknown_items_are_visible_placeholders(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    drafts = await _drafts(store, make_incident())
    holding = drafts[DraftKind.HOLDING_STATEMENT].text
    release = drafts[DraftKind.PRESS_RELEASE].text
    assert "[tanggal]" in holding
    assert "[nama juru bicara]" in holding
    for placeholder in (
        "[nama Kepala UPT]",
        "[jabatan]",
        "[nomor telepon narahubung]",
        "[nomor siaran pers]",
    ):
        assert placeholder in release
    placeholders = {f.excerpt for f in drafts[DraftKind.PRESS_RELEASE].findings if f.code == "placeholder"}
    assert "[nomor siaran pers]" in placeholders


async def test_unknown_time_is_a_placeholder(store: KeyMessageStore, make_incident: IncidentFactory) -> None:
    event = make_incident(facts=Facts(what=Fact(value="kericuhan di ruang kunjungan", verified=True)))
    release = (await _drafts(store, event))[DraftKind.PRESS_RELEASE].text
    assert "[waktu kejadian]" in release


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
    assert any(line.startswith("Palopo, [tanggal] – ") for line in lines)
    assert "[nama Kepala UPT]" in text
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
        assert "Rutan Kelas IIB Sentani, Jayapura" in draft.text
    assert "2 orang penghuni melarikan diri" in drafts[DraftKind.PRESS_RELEASE].text
    assert "Identitas Anak yang terlibat kami lindungi" in drafts[DraftKind.PRESS_RELEASE].text


async def test_sources_cite_the_library_items_used(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    drafts = await _drafts(store, make_incident())
    release = drafts[DraftKind.PRESS_RELEASE]
    items = {item.id: item for item in load_starter()}
    assert len(release.sources) == 3
    for ref in release.sources:
        assert items[ref.id].text in release.text
    assert items[release.sources[0].id].category == Category.UNREST
