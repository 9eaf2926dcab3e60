"""Rewrites applied to report facts before they enter a draft: official terms, no verdicts, no full names.

Name detection here is a heuristic (runs of two or more capitalised words that are not institutional,
calendar or place words); the checks of a later issue add proper person-name detection.
"""

import re
from collections.abc import Iterable

_TERMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bnapiter\b", re.IGNORECASE), "Warga Binaan kasus terorisme"),
    (re.compile(r"\b(?:napi|narapidana)\b", re.IGNORECASE), "Warga Binaan"),
    (re.compile(r"\bsipir\b", re.IGNORECASE), "petugas"),
    (re.compile(r"\bwarga binaan\b", re.IGNORECASE), "Warga Binaan"),
    (re.compile(r"\bwbp\b"), "WBP"),
)
_VERDICT = re.compile(r"(?<!terduga )(?<!diduga )\bpelaku\b", re.IGNORECASE)
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)+\b")

_KNOWN_WORDS_TEXT = """
    Lapas Rutan Bapas Lpka Lembaga Pemasyarakatan Rumah Tahanan Negara Balai Kelas Blok Kamar Sel Pos
    Warga Binaan Tahanan Narapidana Anak Klien Petugas Kepala Kalapas Karutan Kanwil Kantor Wilayah
    Direktorat Jenderal Ditjenpas Kementerian Imigrasi Polres Polda Polsek Polri Kepolisian Kejaksaan
    Satreskrim Brimob Densus Tentara Nasional Indonesia Rsud Sakit Umum Daerah Puskesmas Klinik Jalan
    Kota Kabupaten Provinsi Kecamatan Desa Kelurahan Pulau Selatan Utara Barat Timur Tengah Pusat Raya
    Senin Selasa Rabu Kamis Jumat Sabtu Minggu Januari Februari Maret April Mei Juni Juli Agustus
    September Oktober November Desember Pukul Wib Wita Wit Tim Satgas Satops Regu Pengamanan Humas
    Yang Dan Di Ke Dari Pada Saat Sekitar Menurut Berdasarkan Kemudian Setelah Sebelum Diduga Terduga
    Undang Pers Dewan Kode Etik Jurnalistik Komnas Ombudsman Lembaga Pemerintah Kepala Bagian Seksi
"""
KNOWN_WORDS = frozenset(_KNOWN_WORDS_TEXT.split())


def official_terms(text: str) -> str:
    """Replace informal terms with the official ones ("napi" → "Warga Binaan")."""
    for pattern, replacement in _TERMS:
        text = pattern.sub(replacement, text)
    return text


def presume_innocence(text: str) -> str:
    """Nobody is a "pelaku" before a verdict: "pelaku" becomes "terduga pelaku"."""
    return _VERDICT.sub(lambda m: "terduga " + m.group(0).lower(), text)


def _initials(words: list[str]) -> str:
    return "".join(w[0].upper() for w in words)


def _protect_run(run: str, known: frozenset[str]) -> str:
    out: list[str] = []
    pending: list[str] = []
    for word in run.split():
        if word.strip("'’").capitalize() in known:
            out.append(_initials(pending) if len(pending) > 1 else " ".join(pending))
            out.append(word)
            pending = []
        else:
            pending.append(word)
    out.append(_initials(pending) if len(pending) > 1 else " ".join(pending))
    return " ".join(part for part in out if part)


def protect_names(text: str, extra_known: Iterable[str] = ()) -> str:
    """Reduce probable full personal names to initials ("Andi Saputra" → "AS")."""
    known = KNOWN_WORDS | {w.capitalize() for phrase in extra_known for w in phrase.split()}
    return _CAPITALISED_RUN.sub(lambda m: _protect_run(m.group(0), known), text)


def clean_fact(text: str, extra_known: Iterable[str] = ()) -> str:
    """A report fact made fit for an official draft."""
    text = " ".join(text.split()).strip().rstrip(".;,")
    return protect_names(presume_innocence(official_terms(text)), extra_known)


def person_names(text: str, extra_known: Iterable[str] = ()) -> list[str]:
    """Probable full personal names in `text` (runs of two or more unknown capitalised words), in order."""
    known = KNOWN_WORDS | {w.capitalize() for phrase in extra_known for w in phrase.split()}
    names: list[str] = []
    for match in _CAPITALISED_RUN.finditer(text):
        pending: list[str] = []
        for word in [*match.group(0).split(), "Dan"]:  # a known word flushes the last run
            if word.strip("'’").capitalize() in known:
                if len(pending) > 1:
                    names.append(" ".join(pending))
                pending = []
            else:
                pending.append(word)
    return list(dict.fromkeys(names))
