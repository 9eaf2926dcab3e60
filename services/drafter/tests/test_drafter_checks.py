"""The draft checks (DOMAIN.md §6.8, spine level)."""

from collections.abc import Callable

from tanggap_drafter.checks import (
    check_draft,
    check_numbers,
    check_presumption,
    check_sections,
    check_terms,
    parse_number_words,
)
from tanggap_drafter.composer import Composer
from tanggap_drafter.store import KeyMessageStore
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Facts, Finding, Impact, IncidentClassified, Reason

IncidentFactory = Callable[..., IncidentClassified]
PLANNED = (
    DraftKind.HOLDING_STATEMENT,
    DraftKind.PRESS_RELEASE,
    DraftKind.KEY_MESSAGES,
    DraftKind.QA,
    DraftKind.SOCIAL_POST,
    DraftKind.CLARIFICATION,
    DraftKind.CRISIS_PLAN,
    DraftKind.ESCALATION_REPORT,
)


def test_flags_informal_terms_for_inmates() -> None:
    findings = check_terms("Dua napi terlibat perkelahian dengan narapidana lain.")
    assert [f.code for f in findings] == ["terminology", "terminology"]
    assert all(f.severity == "warning" for f in findings)
    assert "napi" in findings[0].excerpt
    assert check_terms("Dua Warga Binaan terlibat perkelahian; napiter tidak terlibat.") == []


def test_flags_verdict_words_without_a_hedge() -> None:
    findings = check_presumption("Pelaku pembakaran terbukti bersalah, kata petugas.")
    assert {f.code for f in findings} == {"presumption_of_innocence"}
    assert len(findings) == 3
    assert check_presumption("Terduga pelaku pembakaran berinisial AS sedang diperiksa.") == []
    assert check_presumption("Oknum yang diduga sebagai pelaku akan diperiksa.") == []


def test_flags_a_number_that_is_not_in_the_event() -> None:
    known = "Senin, 2 Maret 2026 pukul 21.00 WITA; 1 orang meninggal dunia"
    findings = check_numbers("Pada 2 Maret 2026 pukul 21.00, 1 orang meninggal dan 5 orang luka.", known)
    assert [(f.code, f.severity) for f in findings] == [("unsupported_number", "blocking")]
    assert "5" in findings[0].message


def test_lists_placeholders_to_complete_once_each() -> None:
    text = "[nama juru bicara], [jabatan]\n[nama narahubung], [jabatan]"
    findings = [
        f for f in check_draft(DraftKind.HOLDING_STATEMENT, text, known=[]) if f.code == "placeholder"
    ]
    assert [f.message for f in findings] == [
        "Lengkapi nama juru bicara.",
        "Lengkapi jabatan.",
        "Lengkapi nama narahubung.",
    ]
    assert all(f.severity == "info" for f in findings)


def test_flags_missing_sections_of_a_press_release() -> None:
    text = "SIARAN PERS\nNomor: [nomor]\nUntuk disiarkan segera\n\nJudul\n\nIsi tanpa penutup."
    missing = {f.message for f in check_sections(DraftKind.PRESS_RELEASE, text)}
    assert "Bagian wajib belum ada: narahubung." in missing
    assert "Bagian wajib belum ada: tanda akhir." in missing
    assert "Bagian wajib belum ada: judul SIARAN PERS." not in missing


def test_flags_a_holding_statement_out_of_budget() -> None:
    findings = check_draft(DraftKind.HOLDING_STATEMENT, "Kami prihatin. " * 100, known=[])
    assert any(f.code == "length" and f.severity == "warning" for f in findings)


def _blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "blocking"]


def _codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def test_full_names_are_blocking_with_initials_suggested() -> None:
    text = "Terduga pelaku, Andi Saputra, sudah diamankan petugas."
    findings = _blocking(
        check_draft(DraftKind.PRESS_RELEASE, text, known=["Andi Saputra memimpin kerusuhan"])
    )
    assert [f.code for f in findings] == ["full_name"]
    assert "(AS)" in findings[0].message
    assert findings[0].excerpt in text
    assert "Andi Saputra" in findings[0].excerpt


def test_a_name_the_report_does_not_give_is_blocking() -> None:
    text = "Kami berkoordinasi dengan Polres Palopo dan Wonosari."
    findings = _blocking(check_draft(DraftKind.HOLDING_STATEMENT, text, known=["Lapas Palopo"]))
    assert [(f.code, f.excerpt) for f in findings] == [("unsupported_name", "Palopo dan Wonosari")]
    assert _blocking(check_draft(DraftKind.HOLDING_STATEMENT, text, known=["Palopo", "Wonosari"])) == []


def test_numbers_in_words_count_as_figures() -> None:
    known = ["Dua petugas luka-luka dan 1 orang meninggal"]
    findings = check_numbers(
        "Sebanyak lima orang luka, dua petugas dirawat, satu orang meninggal.", "\n".join(known)
    )
    assert [f.excerpt for f in findings] == ["Sebanyak lima orang luka,"]
    assert parse_number_words("dua puluh lima") == 25
    assert parse_number_words("tiga belas") == 13
    assert parse_number_words("seratus dua") == 102
    assert check_numbers("Salah satu petugas berjaga satu pintu.", "") == []


def test_list_numbering_and_links_are_not_figures() -> None:
    text = "1. Pesan pertama.\n2. Pesan kedua.\n- Tautan: https://contoh.id/2026/03/berita-77"
    assert check_numbers(text, "https://contoh.id/2026/03/berita-77") == []
    assert check_numbers("Terdapat 7 orang.", "") != []


def test_a_day_or_month_the_report_does_not_give_is_blocking() -> None:
    findings = check_draft(
        DraftKind.HOLDING_STATEMENT, "Kejadian pada hari Rabu pagi.", known=["Selasa malam"]
    )
    assert ("unsupported_date", "blocking") in {(f.code, f.severity) for f in findings}
    assert (
        _codes(check_draft(DraftKind.HOLDING_STATEMENT, "Kejadian pada Selasa malam.", known=["Selasa"]))
        & {"unsupported_date"}
        == set()
    )


def test_anything_identifying_a_child_is_blocking() -> None:
    text = "Anak berinisial RZ (16) asal Sentani, siswa SMP, anak dari pasangan petani, kabur."
    findings = check_draft(DraftKind.HOLDING_STATEMENT, text, known=[text], children=True)
    child = [f for f in findings if f.code == "child_identity"]
    assert all(f.severity == "blocking" for f in child)
    quoted = " ".join(f.excerpt for f in child)
    for part in ("berinisial", "RZ", "(16)", "asal", "siswa", "SMP", "anak dari"):
        assert part in quoted, part
    assert all(f.excerpt in text for f in child)
    # The same initials without children involved are the recommended practice.
    assert not [
        f
        for f in check_draft(DraftKind.HOLDING_STATEMENT, "Warga Binaan RZ.", known=["RZ"])
        if f.code == "child_identity"
    ]


def test_unverified_facts_must_be_hedged() -> None:
    fact = "dipicu meninggalnya seorang penghuni di sel isolasi"
    stated = f"Kerusuhan {fact}."
    findings = check_draft(DraftKind.HOLDING_STATEMENT, stated, known=[fact], unverified=[fact])
    assert [(f.code, f.severity, f.excerpt) for f in _blocking(findings)] == [
        ("unverified_as_fact", "blocking", f"Kerusuhan {fact}")
    ]
    hedged = (
        f"Informasi awal menyebutkan kerusuhan {fact}.\nInformasi awal yang masih kami verifikasi:\n- {fact}."
    )
    assert _blocking(check_draft(DraftKind.HOLDING_STATEMENT, hedged, known=[fact], unverified=[fact])) == []


def test_security_detail_blocks_public_text_and_warns_internal_text() -> None:
    text = "Mereka kabur lewat gorong-gorong; jadwal patroli sedang dievaluasi."
    public = [f for f in check_draft(DraftKind.PRESS_RELEASE, text, known=[]) if f.code == "security_detail"]
    assert {f.severity for f in public} == {"blocking"}
    assert {f.excerpt for f in public} == {
        "Mereka kabur lewat gorong-gorong",
        "lewat gorong-gorong; jadwal patroli sedang dievaluasi.",
    }
    internal = [
        f for f in check_draft(DraftKind.ESCALATION_REPORT, text, known=[]) if f.code == "security_detail"
    ]
    assert {f.severity for f in internal} == {"warning"}


def test_verdict_words_block_public_text() -> None:
    findings = check_draft(DraftKind.SOCIAL_POST, "Pelaku pembakaran sudah ditangkap.", known=[])
    assert ("presumption_of_innocence", "blocking") in {(f.code, f.severity) for f in findings}


def test_dpo_notice_may_name_whom_the_request_names_with_a_confirmation() -> None:
    text = "Identitas yang dicari\n- Andi Saputra — [foto terbaru]\n- Budi Hartono — [foto terbaru]"
    findings = check_draft(DraftKind.DPO_NOTICE, text, known=["Andi Saputra"], names_allowed=["Andi Saputra"])
    by_code = {(f.code, f.severity, f.excerpt) for f in findings}
    assert ("identity_confirmation", "warning", "- Andi Saputra — [foto") in by_code
    assert ("full_name", "blocking", "- Budi Hartono — [foto") in by_code
    assert any(f.code == "identity_confirmation" and not f.excerpt for f in findings)


def test_key_messages_follow_27_9_3() -> None:
    long = " ".join(["kata"] * 30)
    findings = check_draft(DraftKind.KEY_MESSAGES, f"PESAN KUNCI\n1. {long}\n2. Pendek.\n", known=[])
    assert {"key_message_count", "length"} <= _codes(findings)


def test_excerpts_are_exact_substrings() -> None:
    text = "Pada  Rabu,\n5 orang napi   kabur lewat gorong-gorong. Pelaku Budi Hartono bersalah."
    findings = check_draft(DraftKind.PRESS_RELEASE, text, known=[], unverified=[])
    assert _blocking(findings)
    for finding in findings:
        assert finding.excerpt in text, finding


# --- Issue 13, item 4: no finding on Tanggap's own text, and the real identifiers still caught ----------


async def test_tanggap_own_text_raises_no_finding_on_the_escalation_report(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    reasons = [
        Reason(
            code="scct",
            text="Klaster SCCT preventable (petugas diduga terlibat): permintaan maaf dan langkah perbaikan",
            level=0,
        ),
        Reason(code="category.unrest", text="Kata “kerusuhan” dalam laporan", level=3),
    ]
    # No facts at all: the escalation report is all Tanggap's wording, "5W+1H" included.
    event = make_incident(
        facts=Facts(), impact=Impact(), reasons=reasons, level=3, missing=["Kapan terjadi?"]
    )
    drafts = await Composer(store).drafts(event, list(PLANNED))
    for draft in drafts:
        assert _blocking(draft.findings) == [], (draft.kind, draft.findings)
    escalation = next(d for d in drafts if d.kind == DraftKind.ESCALATION_REPORT)
    assert "Klaster SCCT" in escalation.text
    assert "5W+1H" in escalation.text
    # A name a reason quotes from the report is the report's, not Tanggap's: still caught.
    quoting = [*reasons, Reason(code="x", text="Kata “Andi Saputra” dalam laporan", level=3)]
    event = event.model_copy(update={"reasons": quoting})
    escalation = (await Composer(store).drafts(event, [DraftKind.ESCALATION_REPORT]))[0]
    assert [f.excerpt for f in _blocking(escalation.findings)] == ["Andi Saputra"]


def test_tanggap_terms_and_fill_in_placeholders_are_no_figures() -> None:
    text = "Ringkasan 5W+1H belum lengkap. Pesan kunci 27/9/3. [diisi Humas UPT: nomor 12 dan hari Senin]"
    assert _blocking(check_draft(DraftKind.ESCALATION_REPORT, text, known=[])) == []
    # A figure outside Tanggap's wording still is one.
    findings = _blocking(check_draft(DraftKind.ESCALATION_REPORT, "Ada 12 orang terluka.", known=[]))
    assert [f.code for f in findings] == ["unsupported_number"]


def test_a_quoted_reason_is_attributed_but_a_long_quotation_is_checked() -> None:
    fact = "dipicu perkelahian antarblok"
    short = f"Dasar level: kata “{fact}” dalam laporan."
    assert _blocking(check_draft(DraftKind.ESCALATION_REPORT, short, known=[fact], unverified=[fact])) == []
    long = f"“Kami sampaikan bahwa kerusuhan ini {fact} dan sudah terkendali sepenuhnya,” ujar juru bicara."
    findings = _blocking(check_draft(DraftKind.PRESS_RELEASE, long, known=[fact], unverified=[fact]))
    assert [f.code for f in findings] == ["unverified_as_fact"]


def test_real_identifiers_are_still_caught() -> None:
    report = "Napi Andi Saputra kabur."
    named = check_draft(
        DraftKind.HOLDING_STATEMENT, "Warga Binaan Andi Saputra melarikan diri.", known=[report]
    )
    assert [f.code for f in _blocking(named)] == ["full_name"]
    invented = check_draft(DraftKind.HOLDING_STATEMENT, "Warga Binaan Budi Hartono kabur.", known=[report])
    assert "tidak ada dalam laporan" in _blocking(invented)[0].message


def test_a_child_village_school_and_age_with_origin_are_caught() -> None:
    text = "Anak berusia 15 tahun asal Bekasi, warga Desa Sukamaju, siswa SMP Negeri, kabur."
    findings = check_draft(DraftKind.PRESS_RELEASE, text, known=[text], children=True)
    quoted = " ".join(f.excerpt for f in findings if f.code == "child_identity")
    for part in ("berusia 15", "asal", "Desa Sukamaju", "siswa", "SMP"):
        assert part in quoted, part


def test_a_sexual_crime_victim_is_never_identified() -> None:
    report = "Dugaan pelecehan seksual terhadap pengunjung; korban berinisial SN (19), warga Desa Mekar."
    text = "Kami menangani dugaan pelecehan seksual. Korban berinisial SN (19), warga Desa Mekar, didampingi."
    findings = _blocking(check_draft(DraftKind.PRESS_RELEASE, text, known=[report]))
    victim = [f for f in findings if f.code == "victim_identity"]
    quoted = " ".join(f.excerpt for f in victim)
    for part in ("berinisial", "SN", "(19)", "Desa Mekar"):
        assert part in quoted, part
    assert all(f.excerpt in text for f in victim)
    # The victim named by role only is what a release should say; a suspect's initials stay allowed.
    safe = (
        "Kami menangani dugaan pelecehan seksual. Korban mendapat pendampingan; "
        "terduga berinisial RZ diperiksa."
    )
    assert "victim_identity" not in _codes(check_draft(DraftKind.PRESS_RELEASE, safe, known=[report]))
    # Without a sexual crime, a victim's initials follow the general rule (no victim finding).
    fight = "Korban berinisial AB dirawat di klinik."
    assert "victim_identity" not in _codes(check_draft(DraftKind.PRESS_RELEASE, fight, known=[fight]))


def test_a_suggested_time_inside_tanggap_next_update_is_no_claim() -> None:
    fact = "pukul 14.00 WIB"
    text = "Informasi selanjutnya kami sampaikan hari ini pukul 14.00 WIB.\nKejadian pukul 14.00 WIB."
    findings = check_draft(
        DraftKind.HOLDING_STATEMENT,
        text,
        known=[fact],
        unverified=[fact],
        generated=["hari ini pukul 14.00 WIB"],
    )
    # Only the report's own claim, stated plainly on the second line, is blocking.
    assert [f.excerpt for f in _blocking(findings)] == ["Kejadian pukul 14.00 WIB"]
