"""Automatic checks on every draft (DOMAIN.md §6.8), spine level: terminology, presumption of innocence,
placeholders, invented numbers, required sections and length."""

import re
from collections.abc import Iterable

from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Finding

_INFORMAL_TERM = re.compile(r"\b(napi|narapidana)\b", re.IGNORECASE)
_VERDICT = re.compile(r"\b(pelaku|bersalah|terbukti)\b", re.IGNORECASE)
_HEDGE = re.compile(r"\b(diduga|terduga|dugaan)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\[([^\[\]\n]{1,80})\]")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_WORD = re.compile(r"[\w\[\]]+(?:[-'’][\w\]]+)*")
# How far from a verdict word a hedge still counts as applying to it.
_HEDGE_WINDOW = 40

_SECTIONS: dict[DraftKind, tuple[tuple[str, str], ...]] = {
    DraftKind.HOLDING_STATEMENT: (
        ("empati", r"(?i)prihatin|keprihatinan|duka|empati|menyesalkan"),
        ("fakta terkonfirmasi", r"(?i)dapat kami sampaikan|kami pastikan|membenarkan|menerima laporan"),
        ("hal yang belum diketahui", r"(?i)masih kami (?:dalami|verifikasi)|belum dapat|belum diketahui"),
        ("langkah yang dilakukan", r"(?i)berkoordinasi|aparat penegak hukum|mengutamakan keselamatan"),
        ("komitmen", r"(?i)berkomitmen|komitmen"),
        ("pembaruan berikutnya", r"(?i)informasi selanjutnya|perkembangan selanjutnya|pembaruan"),
    ),
    DraftKind.PRESS_RELEASE: (
        ("kop", r"DIREKTORAT JENDERAL PEMASYARAKATAN|KEMENTERIAN"),
        ("judul SIARAN PERS", r"SIARAN PERS"),
        ("nomor siaran pers", r"(?m)^Nomor\s*:"),
        ("Untuk disiarkan segera", r"(?i)untuk disiarkan segera|embargo"),
        ("dateline", r"(?m)^[^\n,]{2,60}, [^\n]{1,40}? [–-] "),
        ("kutipan juru bicara", r"[“\"][^”\"]{20,}[”\"]"),
        ("tindak lanjut", r"(?i)tindak lanjut|langkah selanjutnya"),
        ("boilerplate Pemasyarakatan", r"(?i)tentang pemasyarakatan"),
        ("narahubung", r"(?i)narahubung"),
        ("tanda akhir", r"(?m)^(?:###|-30-)\s*$"),
    ),
}

WORD_BUDGET: dict[DraftKind, tuple[int, int]] = {
    DraftKind.HOLDING_STATEMENT: (80, 150),
    DraftKind.PRESS_RELEASE: (300, 500),
}


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _excerpt(text: str, start: int, end: int, margin: int = 30) -> str:
    return " ".join(text[max(0, start - margin) : end + margin].split())


def check_terms(text: str) -> list[Finding]:
    return [
        Finding(
            code="terminology",
            severity="warning",
            message=f"Gunakan istilah resmi “Warga Binaan” (atau WBP) sebagai pengganti “{m.group(0)}”.",
            excerpt=_excerpt(text, m.start(), m.end()),
        )
        for m in _INFORMAL_TERM.finditer(text)
    ]


def check_presumption(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for m in _VERDICT.finditer(text):
        window = text[max(0, m.start() - _HEDGE_WINDOW) : m.end() + _HEDGE_WINDOW]
        if _HEDGE.search(window):
            continue
        findings.append(
            Finding(
                code="presumption_of_innocence",
                severity="warning",
                message=(
                    f"Kata “{m.group(0)}” menghakimi sebelum ada putusan (asas praduga tak bersalah); "
                    "gunakan “diduga”, “terduga”, atau “oknum … berinisial …”."
                ),
                excerpt=_excerpt(text, m.start(), m.end()),
            )
        )
    return findings


def check_placeholders(text: str) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1).strip()
        seen.setdefault(
            name,
            Finding(code="placeholder", severity="info", message=f"Lengkapi {name}.", excerpt=m.group(0)),
        )
    return list(seen.values())


def _number_groups(text: str) -> set[int]:
    return {int(g) for g in re.findall(r"\d+", text)}


def check_numbers(text: str, known: str) -> list[Finding]:
    """Every figure in a draft must come from the report or the unit data; anything else was invented."""
    known_tokens = set(_NUMBER.findall(known))
    known_groups = _number_groups(known)
    findings: list[Finding] = []
    for m in _NUMBER.finditer(text):
        token = m.group(0)
        if token in known_tokens or _number_groups(token) <= known_groups:
            continue
        findings.append(
            Finding(
                code="unsupported_number",
                severity="blocking",
                message=f"Angka “{token}” tidak ada dalam laporan atau data unit; hapus atau verifikasi.",
                excerpt=_excerpt(text, m.start(), m.end()),
            )
        )
    return findings


def check_sections(kind: DraftKind, text: str) -> list[Finding]:
    return [
        Finding(
            code="missing_section",
            severity="warning",
            message=f"Bagian wajib belum ada: {label}.",
        )
        for label, pattern in _SECTIONS.get(kind, ())
        if not re.search(pattern, text)
    ]


def check_length(kind: DraftKind, text: str) -> list[Finding]:
    budget = WORD_BUDGET.get(kind)
    if budget is None:
        return []
    words = word_count(text)
    low, high = budget
    if low <= words <= high:
        return []
    return [
        Finding(
            code="length",
            severity="warning",
            message=f"Panjang draf {words} kata; panjang yang dianjurkan {low}–{high} kata.",
        )
    ]


def check_draft(kind: DraftKind, text: str, *, known: Iterable[str]) -> list[Finding]:
    """All findings for a draft; `known` holds the event's own texts (report, facts, impact, unit)."""
    known_text = "\n".join(known)
    return [
        *check_numbers(text, known_text),
        *check_terms(text),
        *check_presumption(text),
        *check_sections(kind, text),
        *check_length(kind, text),
        *check_placeholders(text),
    ]
