"""The draft checks (DOMAIN.md §6.8, spine level)."""

from tanggap_drafter.checks import check_draft, check_numbers, check_presumption, check_sections, check_terms
from tanggap_shared.contracts import DraftKind


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
