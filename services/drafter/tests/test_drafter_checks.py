"""The draft checks (DOMAIN.md §6.8, spine level)."""

from tanggap_drafter.checks import (
    check_draft,
    check_numbers,
    check_presumption,
    check_sections,
    check_terms,
    parse_number_words,
)
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Finding


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
