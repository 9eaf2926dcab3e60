"""The rules reader (issue 12): facts from a report's free text, each quoting its exact span, vague
amounts as ranges, sensitive methods, roles, no invented facts, people's decisions standing over any
reading, bad input that still gets a reading, and floors on reading_eval over the real news sets."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from tanggap_classifier import reading_eval
from tanggap_classifier.facts import LlmReadFact
from tanggap_classifier.reading import (
    MAX_FACTS,
    apply_decisions,
    llm_read_facts,
    merge_facts,
    read_report,
    read_text,
    reading_of,
)
from tanggap_classifier.realset import Split
from tanggap_shared.events import FactDecision, ReadFact, ReportSnapshot

ISSUE = "Dua warga binaan melarikan diri pada Selasa dini hari pukul 03.00 dengan memanjat tembok belakang"
T0 = datetime(2026, 11, 2, 21, 0, tzinfo=UTC)


def snapshot(text: str, decisions: list[FactDecision] | None = None) -> ReportSnapshot:
    return ReportSnapshot(report_id=uuid.uuid4(), text=text, received_at=T0, fact_decisions=decisions or [])


def quotes_exactly(text: str, facts: list[ReadFact]) -> None:
    """The contract every reading keeps: each fact is its own span of the text, a suggestion."""
    ids = [f.fact_id for f in facts]
    assert len(ids) == len(set(ids)), "fact ids are unique within a report"
    for fact in facts:
        assert fact.span is not None
        assert text[fact.span.start : fact.span.end] == fact.span.text == fact.value
        assert fact.fact_id == f"{fact.kind}:{fact.span.start}-{fact.span.end}"
        assert (fact.status, fact.verified, fact.extractor) == ("suggested", False, "rules")


def one(facts: list[ReadFact], kind: str, value: str) -> ReadFact:
    found = [f for f in facts if f.kind == kind and f.value == value]
    assert found, f"no {kind} {value!r} in {[(f.kind, f.value) for f in facts]}"
    return found[0]


def kinds(facts: list[ReadFact], kind: str) -> list[str]:
    return [f.value for f in facts if f.kind == kind]


def test_the_issue_example_is_read_fact_by_fact_with_exact_spans() -> None:
    report = snapshot(ISSUE)
    reading = read_report(report)
    facts = reading.facts
    quotes_exactly(ISSUE, facts)
    assert (reading.report_id, reading.extractor, reading.schema_version) == (report.report_id, "rules", 1)

    count = one(facts, "amount", "Dua warga binaan")
    assert count.span is not None
    assert count.span.start == 0
    assert count.amount is not None
    assert (count.amount.words, count.amount.low, count.amount.high, count.amount.exact) == (
        "Dua",
        2,
        2,
        True,
    )
    assert (count.detail, count.role) == ("escapees", "warga_binaan")
    when = one(facts, "when", "Selasa dini hari pukul 03.00")
    assert set(when.detail.split("+")) == {"day", "part_of_day", "clock"}
    what = one(facts, "what", "melarikan diri")
    assert what.span is not None
    assert (what.span.start, what.span.end) == (17, 31)
    how = one(facts, "how", "memanjat tembok belakang")
    assert how.sensitive is True
    assert one(facts, "where", "tembok belakang").detail == "area"
    assert one(facts, "who", "warga binaan").role == "warga_binaan"


@pytest.mark.parametrize(
    ("text", "words", "low", "high", "exact"),
    [
        ("Puluhan napi kabur dari Lapas Sorong.", "Puluhan", 10, 99, False),
        ("Ratusan napi belum tertangkap.", "Ratusan", 100, 999, False),
        ("Sejumlah tahanan luka-luka.", "Sejumlah", 2, None, False),
        ("Beberapa petugas dianiaya napi.", "Beberapa", 2, None, False),
        ("Tiga belas narapidana dipindahkan ke Nusakambangan.", "Tiga belas", 13, 13, True),
        ("Sebanyak 448 tahanan melarikan diri.", "448", 448, 448, True),
        ("Sedikitnya 41 narapidana tewas dalam kebakaran.", "Sedikitnya 41", 41, None, False),
        ("Petugas menyita puluhan ribu butir ekstasi.", "puluhan ribu", 10_000, 99_999, False),
    ],
)
def test_amounts_keep_the_reports_words_and_vague_ones_are_ranges(
    text: str, words: str, low: int, high: int | None, exact: bool
) -> None:
    facts = read_text(text)
    quotes_exactly(text, facts)
    amounts = [f.amount for f in facts if f.amount is not None]
    assert [(a.words, a.low, a.high, a.exact) for a in amounts] == [(words, low, high, exact)]


def test_ratusan_escapees_are_escapees_not_two() -> None:
    text = "Ratusan napi Lapas Sorong kabur dan hingga kini belum tertangkap."
    facts = read_text(text)
    escaped = [f for f in facts if f.kind == "amount" and f.detail == "escapees"]
    assert [(f.value, f.amount.low if f.amount else None) for f in escaped] == [("Ratusan napi", 100)]


def test_casualties_deaths_injuries_and_none() -> None:
    text = (
        "Seorang warga binaan tewas dan dua petugas luka-luka. Kebakaran itu menewaskan 41 narapidana. "
        "Di blok lain tidak ada korban jiwa."
    )
    facts = read_text(text)
    quotes_exactly(text, facts)
    casualties = {
        (f.value, f.detail, f.amount.low if f.amount else None) for f in facts if f.kind == "casualty"
    }
    assert casualties == {
        ("Seorang warga binaan tewas", "deaths", 1),
        ("dua petugas luka-luka", "injuries", 2),
        ("menewaskan 41 narapidana", "deaths", 41),
        ("tidak ada korban jiwa", "deaths", 0),
    }


@pytest.mark.parametrize(
    ("text", "phrase", "sensitive"),
    [
        ("Napi kabur dengan menjebol plafon kamar mandi.", "menjebol plafon", True),
        ("Mereka lolos lewat lubang ventilasi.", "lewat lubang ventilasi", True),
        ("Saat itu CCTV mati di blok C.", "CCTV mati", True),
        ("Napi kabur saat pergantian regu jaga.", "saat pergantian regu", True),
        ("Sabu dikirim menggunakan drone ke dalam lapas.", "menggunakan drone", False),
    ],
)
def test_how_is_sensitive_for_escape_methods_and_weaknesses(text: str, phrase: str, sensitive: bool) -> None:
    facts = read_text(text)
    quotes_exactly(text, facts)
    assert one(facts, "how", phrase).sensitive is sensitive


def test_a_guard_count_is_a_sensitive_weakness() -> None:
    text = "Malam itu blok hunian hanya dijaga dua petugas."
    facts = read_text(text)
    guard = [f for f in facts if f.kind == "how" and f.detail == "guard_count"]
    assert [(f.value, f.sensitive) for f in guard] == [("hanya dijaga dua petugas", True)]


@pytest.mark.parametrize(
    ("text", "phrase", "role"),
    [
        ("Seorang WBP ditemukan lemas.", "WBP", "warga_binaan"),
        ("Seorang tahanan titipan kejaksaan kabur.", "tahanan", "tahanan"),
        ("Anak di LPKA Blitar mogok makan.", "Anak", "anak"),
        ("Oknum sipir diperiksa.", "Oknum sipir", "petugas"),
        ("Seorang pengunjung membawa sabu.", "pengunjung", "pengunjung"),
        ("Pihak keluarga memprotes pemindahan.", "Pihak keluarga", "keluarga"),
        ("Polisi membantu pengejaran.", "Polisi", "aph"),
    ],
)
def test_who_is_read_by_role(text: str, phrase: str, role: str) -> None:
    assert one(read_text(text), "who", phrase).role == role


def test_a_house_arrest_and_anyones_child_are_not_roles() -> None:
    facts = read_text("Ia kini menjadi tahanan rumah. Anaknya menjenguk setiap pekan.")
    assert [f.role for f in facts if f.kind == "who"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Petugas Lapas Sragen menggelar kegiatan pembinaan kerohanian bagi warga binaan.",
        "Ia dijerat Pasal 12 UU 22 tahun 2009 dan kerugian ditaksir Rp 200 juta.",
        "Blok 3 kamar 12 lantai 2 sudah dicat ulang tahun ini dalam 2 tahap.",
    ],
)
def test_no_amount_or_casualty_the_text_does_not_state(text: str) -> None:
    facts = read_text(text)
    quotes_exactly(text, facts)
    assert [f for f in facts if f.kind in ("amount", "casualty")] == []


def test_a_text_that_is_only_a_link_gets_an_empty_reading() -> None:
    link = "https://www.example.com/jateng/berita/d-123/dua-napi-kabur-dari-lapas-sragen-selasa-dini-hari"
    reading = read_report(snapshot(link))
    assert reading.facts == []
    beside = f"Lihat {link} — dua napi kabur Selasa malam."
    facts = read_text(beside)
    quotes_exactly(beside, facts)
    assert all(f.span is not None and f.span.start > len(link) for f in facts)
    assert kinds(facts, "when") == ["Selasa malam"]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (
            "DUA NAPI KABUR DARI LAPAS CIPINANG SENIN MALAM PUKUL 23.00 WIB, SATU PETUGAS LUKA-LUKA",
            {("amount", "DUA NAPI"), ("when", "SENIN MALAM PUKUL 23.00 WIB"), ("what", "KABUR")},
        ),
        (
            "gan td mlm ad 3 napi kbur lwt atap 😱😱 blok C rusuh bgt, 1 org tewas 🙏 #viral",
            {("amount", "3 napi"), ("where", "blok C"), ("casualty", "1 org tewas"), ("reach", "viral")},
        ),
        (
            "Wingi bengi ana loro napi mlayu saka Lapas, liwat gorong-gorong.",
            {("when", "Wingi bengi"), ("amount", "loro napi"), ("what", "mlayu"), ("how", "gorong-gorong")},
        ),
        (
            "Tadi peuting aya tilu tahanan kabur ti Rutan. Kamari aya nu luka.",
            {("when", "Tadi peuting"), ("amount", "tilu tahanan"), ("when", "Kamari")},
        ),
    ],
)
def test_capitals_slang_emoji_javanese_and_sundanese_still_get_a_reading(
    text: str, expect: set[tuple[str, str]]
) -> None:
    facts = read_text(text)
    quotes_exactly(text, facts)
    assert expect <= {(f.kind, f.value) for f in facts}


def test_two_events_in_one_message_are_both_read() -> None:
    text = (
        "Kemarin pagi 2 napi berkelahi di blok A, satu luka. Sore harinya ratusan warga binaan mogok makan "
        "di lapangan karena kunjungan keluarga dibatasi."
    )
    facts = read_text(text)
    quotes_exactly(text, facts)
    assert {"berkelahi", "mogok makan"} <= set(kinds(facts, "what"))
    assert {"2 napi", "ratusan warga binaan"} <= set(kinds(facts, "amount"))
    assert {"Kemarin pagi", "Sore"} <= set(kinds(facts, "when"))
    assert {"blok A", "lapangan"} <= set(kinds(facts, "where"))


def test_twenty_thousand_characters_read_bounded() -> None:
    piece = (
        "Terjadi kerusuhan di blok hunian pada Minggu malam. Dua warga binaan tewas. Sebagian napi kabur "
        "lewat lubang ventilasi. Puluhan napi dianiaya. Senin, 12 Mei 2025 pukul 02.00 WIB. "
    )
    text = (piece * (20_000 // len(piece) + 1))[:20_000]
    read_text(text)  # warm the vocabulary and the stemmer's cache: what is bounded is the reading
    started = time.process_time()
    facts = read_text(text)
    spent = time.process_time() - started
    quotes_exactly(text, facts)
    assert 0 < len(facts) <= MAX_FACTS
    assert spent < 5  # a generous bound against runaway matching, not a timing benchmark


def test_event_words_are_found_by_their_root() -> None:
    facts = read_text("Seorang napi menganiaya tamping lalu membakar kasur.")
    assert {"menganiaya", "membakar"} <= set(kinds(facts, "what"))


def test_source_and_reach() -> None:
    facts = read_text("Video kericuhan diunggah di TikTok dan viral. Menurut polisi dua napi diamankan.")
    assert {(f.value, f.detail) for f in facts if f.kind in ("source", "reach")} >= {
        ("TikTok", "social"),
        ("viral", "national"),
        ("Menurut polisi", "aph"),
    }


# --- decisions ----------------------------------------------------------------------------------------


def decision(fact_id: str, kind: str, value: str = "", minutes: int = 0) -> FactDecision:
    return FactDecision(
        fact_id=fact_id,
        decision=kind,
        value=value,
        decided_by="Contoh: Humas",
        decided_at=T0.replace(minute=minutes),
    )


def test_decisions_stand_over_the_machine_reading() -> None:
    reading = read_report(snapshot(ISSUE))
    when = one(reading.facts, "when", "Selasa dini hari pukul 03.00")
    count = one(reading.facts, "amount", "Dua warga binaan")
    where = one(reading.facts, "where", "tembok belakang")
    decided = apply_decisions(
        reading,
        [
            decision(when.fact_id, "confirmed"),
            decision(count.fact_id, "confirmed"),
            decision(count.fact_id, "corrected", "tiga warga binaan", 1),  # the last decision counts
            decision(where.fact_id, "removed"),
        ],
    )
    by_id = {f.fact_id: f for f in decided.facts}
    assert (by_id[when.fact_id].status, by_id[when.fact_id].verified) == ("confirmed", True)
    fixed = by_id[count.fact_id]
    assert (fixed.status, fixed.verified, fixed.extractor, fixed.value) == (
        "corrected",
        True,
        "person",
        "tiga warga binaan",
    )
    assert (by_id[where.fact_id].status, by_id[where.fact_id].verified) == ("removed", False)
    untouched = [f for f in decided.facts if f.fact_id not in (when.fact_id, count.fact_id, where.fact_id)]
    assert untouched
    assert all(f.status == "suggested" for f in untouched)


def test_a_decision_on_a_fact_no_longer_read_still_stands() -> None:
    reading = read_report(snapshot("Dua napi kabur."))
    decided = apply_decisions(
        reading,
        [decision("when:40-52", "corrected", "Selasa 03.00"), decision("who:0-3", "confirmed")],
        text="Dua napi kabur.",
    )
    orphan = one(decided.facts, "when", "Selasa 03.00")
    assert (orphan.span, orphan.status, orphan.verified, orphan.extractor) == (
        None,
        "corrected",
        True,
        "person",
    )
    confirmed = one(decided.facts, "who", "Dua")
    assert confirmed.status == "confirmed"
    assert confirmed.span is not None


def test_reading_of_a_report_applies_its_decisions() -> None:
    first = read_report(snapshot(ISSUE))
    when = one(first.facts, "when", "Selasa dini hari pukul 03.00")
    report = snapshot(ISSUE, [decision(when.fact_id, "confirmed")])
    again = reading_of(report)
    assert one(again.facts, "when", "Selasa dini hari pukul 03.00").status == "confirmed"


# --- LLM proposals, without a model -------------------------------------------------------------------


def proposal(kind: str, quote: str, detail: str = "", sensitive: bool = False) -> LlmReadFact:
    return LlmReadFact(kind=kind, quote=quote, detail=detail, role=None, sensitive=sensitive)


def test_llm_facts_are_kept_only_where_quoted_verbatim_and_rules_win() -> None:
    text = "Dua napi kabur Selasa dini hari lewat saluran pembuangan di belakang dapur."
    proposals = [
        proposal("how", "lewat saluran pembuangan", sensitive=True),  # verbatim: kept, span ours
        proposal("when", "Selasa dini hari"),  # the rules read the same span: rules win
        proposal("amount", "tiga napi"),  # not in the text: dropped
        proposal("where", "Blok C"),  # invented: dropped
        proposal("amount", "napi", "inmates"),  # an amount with no number in its words: dropped
    ]
    llm = llm_read_facts(text, proposals)
    assert [(f.kind, f.value, f.extractor) for f in llm] == [
        ("how", "lewat saluran pembuangan", "llm"),
        ("when", "Selasa dini hari", "llm"),
    ]
    how = llm[0]
    assert how.span is not None
    assert text[how.span.start : how.span.end] == how.value
    merged = merge_facts(read_text(text), llm)
    assert [f.extractor for f in merged if f.value == "Selasa dini hari"] == ["rules"]
    assert ("how", "lewat saluran pembuangan", "llm") in {(f.kind, f.value, f.extractor) for f in merged}


def test_llm_facts_never_overwrite_a_person_decision() -> None:
    text = "Dua napi kabur Selasa dini hari."
    rules = read_text(text)
    count = one(rules, "amount", "Dua napi")
    decisions = [decision(count.fact_id, "corrected", "tiga napi")]
    proposals = [proposal("amount", "Dua napi kabur", "escapees"), proposal("amount", "Dua", "escapees")]
    merged = merge_facts(rules, llm_read_facts(text, proposals), decisions)
    assert [f for f in merged if f.extractor == "llm"] == []
    report = snapshot(text, decisions)
    reading = reading_of(report, proposals)
    fixed = [f for f in reading.facts if f.kind == "amount"]
    assert [(f.value, f.status, f.extractor) for f in fixed] == [("tiga napi", "corrected", "person")]


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Lapas X meraih predikat WBK pada tahun 2023 lalu.", "tahun 2023 lalu"),
        ("Sebelas napi meninggal selama 2017 karena sakit.", "selama 2017"),
        ("Ujian diikuti anak binaan pada 25 hingga 28 Maret 2019.", "25 hingga 28 Maret 2019"),
        ("Napi itu kabur Senin lalu (17/2) setelah membuang sampah.", "Senin lalu (17/2)"),
        ("Mereka menggelar khataman Al Quran seminggu sekali.", "seminggu sekali"),
        ("Selama bulan suci Ramadan warga binaan mengaji siang malam.", "bulan suci Ramadan"),
        (
            "Gempa terasa hingga blok hunian Minggu malam ( 5 Agustus 2018) .",
            "Minggu malam ( 5 Agustus 2018)",
        ),
        (
            "Petugas menemukan 300 HP selama Januari sampai akhir Maret tahun ini.",
            "Januari sampai akhir Maret tahun ini",
        ),
        ("Kerusuhan pecah dalam dua pekan terakhir di tiga rutan.", "dalam dua pekan terakhir"),
        ("Kabar itu beredar sekitar sebulan lalu di media sosial.", "sekitar sebulan lalu"),
    ],
)
def test_periods_ranges_frequencies_and_holidays_are_days_as_written(text: str, when: str) -> None:
    found = [f.value for f in read_text(text) if f.kind == "when"]

    assert any(when in value for value in found), found


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Ia dianiaya hanya karena sebungkus roti.", "sebungkus"),
        ("Upaya membawa masuk sebuah handphone dalam popok bayi digagalkan.", "sebuah handphone"),
        ("Sekelompok narapidana berjoget. Beberapa di antaranya menggelengkan kepala.", "Beberapa"),
        ("Massa membakar sejumlah fasilitas di rutan.", "sejumlah fasilitas"),
        ("Para tahanan menjebol tiga lapis pintu pengaman.", "tiga lapis"),
    ],
)
def test_amounts_of_things_and_of_people_just_named(text: str, words: str) -> None:
    facts = read_text(text)
    amounts = [f for f in facts if f.kind == "amount" and f.amount]

    assert any(f.value.startswith(words) for f in amounts), [f.value for f in amounts]
    assert all(text[f.span.start : f.span.end] == f.value for f in facts if f.span)


# --- the real news sets -------------------------------------------------------------------------------

# Floors (days, amounts) a bit under what was measured. Round one (2026-12-03, rules final): tune 0.987
# and 1.000; the A+B 30%, run once and not tuned on, 0.765 and 0.938. That 30% is "seen" since (tuned on;
# round two: 1.000 and 1.000). Round two's tune (70% of A, B, C): 0.986 and 0.973. The held-out share
# is now C's 30%, run once after round two's rules were final (2026-12-03): 0.828 and 0.907.
FLOORS: dict[Split, tuple[float, float]] = {
    "tune": (0.95, 0.94),
    "seen": (0.97, 0.97),
    "holdout": (0.80, 0.88),
}


def test_reading_eval_keeps_its_floors_and_invents_nothing() -> None:
    sets = reading_eval.split()
    assert len(sets["tune"]) >= 100
    assert len(sets["seen"]) >= 60
    for name, items in sets.items():
        score = reading_eval.score_items(items)
        # Only a count for the held-out share: its misses must not steer the rules.
        assert score.invented == 0, f"{name}: {score.invented} facts not in their text"
        if name in FLOORS:
            days, amounts = FLOORS[name]
            detail = score.misses if name != "holdout" else f"{name}: misses not printed"
            assert score.day_share >= days, detail
            assert score.amount_share >= amounts, detail
    assert reading_eval.composed_misses() == []
