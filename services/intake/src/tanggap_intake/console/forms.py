"""The self-assessment form (DOMAIN.md §6.4) to the same ReportIn the JSON API takes, with the errors in
Bahasa Indonesia per field."""

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from tanggap_intake.console.common import field
from tanggap_intake.schemas import MAX_LINK, ReportIn, Stakeholder
from tanggap_shared.textnorm import UnsafeText

FACT_KEYS = ("what", "who", "when", "where", "why", "how")
FACT_LABELS = {
    "what": "Apa (jenis kejadian)",
    "who": "Siapa (pihak terlibat, peran; inisial saja)",
    "when": "Kapan (waktu kejadian / diketahui / mulai beredar)",
    "where": "Di mana (UPT dan lokasi umum; tanpa detail keamanan)",
    "why": "Mengapa (dugaan penyebab)",
    "how": "Bagaimana (kronologi singkat dan tindakan yang sudah diambil)",
}
# Facts read from a report's text (issue 12), by kind, as the officer reads them.
READ_FACT_LABELS = {
    "what": "Apa",
    "when": "Kapan",
    "where": "Di mana",
    "who": "Siapa",
    "amount": "Berapa",
    "casualty": "Korban",
    "how": "Bagaimana",
    "source": "Sumber",
    "reach": "Sebaran",
}
TRIAGE_LABELS = {"crisis": "krisis", "not_crisis": "bukan krisis"}
COUNT_KEYS = ("deaths", "injuries", "escapees")
COUNT_LABELS = {"deaths": "Meninggal", "injuries": "Luka", "escapees": "Melarikan diri"}
FLAG_KEYS = ("children_involved", "officers_involved", "video_exists")
FLAG_LABELS = {
    "children_involved": "Melibatkan Anak (di bawah 18 tahun)",
    "officers_involved": "Petugas diduga terlibat",
    "video_exists": "Ada video yang beredar",
}
REACH_LABELS = {
    "internal": "internal saja",
    "local": "lokal (media lokal / akun kecil)",
    "regional": "regional / provinsi",
    "national": "nasional atau viral",
}
STAKEHOLDER_LABELS = {
    Stakeholder.KELUARGA: "Keluarga WBP / korban",
    Stakeholder.MASYARAKAT: "Masyarakat sekitar",
    Stakeholder.APH: "APH",
    Stakeholder.KANWIL: "Kanwil",
    Stakeholder.DITJENPAS: "Ditjenpas",
    Stakeholder.DPR: "DPR / DPRD",
    Stakeholder.OMBUDSMAN: "Ombudsman",
    Stakeholder.KOMNAS_HAM: "Komnas HAM",
    Stakeholder.KPAI: "KPAI (untuk Anak)",
    Stakeholder.MEDIA: "Media",
}
FIELD_LABELS: dict[str, str] = {
    "unit_code": "UPT",
    "text": "Uraian laporan",
    "source": "Sumber informasi",
    "links": "Tautan",
    "reported_by": "Diisi atas nama",
    **{f"facts.{k}": v for k, v in FACT_LABELS.items()},
    **{f"impact.{k}": v for k, v in COUNT_LABELS.items()},
    "impact.media_reach": "Sebaran",
}

_MESSAGES = {
    "missing": "wajib diisi",
    "string_too_short": "wajib diisi",
    "string_too_long": "terlalu panjang",
    "too_long": "terlalu banyak isian",
    "int_parsing": "harus berupa angka bulat",
    "greater_than_equal": "tidak boleh negatif",
    "less_than_equal": "angkanya terlalu besar",
    "url_parsing": "tautan tidak valid (awali dengan https://)",
    "url_scheme": "tautan harus diawali http:// atau https://",
    "url_too_long": f"tautan terlalu panjang (paling banyak {MAX_LINK} karakter)",
    "enum": "pilihan tidak dikenal",
    "value_error": "berisi karakter yang tidak diizinkan",
}


def _flag(value: str) -> bool | None:
    return {"ya": True, "tidak": False}.get(value)


def _count(value: str) -> str | None:
    # Left to pydantic, so "abc" or "-1" comes back as a field error rather than being dropped.
    return value or None


def report_payload(form: FormData) -> dict[str, Any]:
    """The form's answers in the shape of ReportIn; empty answers are left out (not yet known)."""
    facts: dict[str, Any] = {}
    for key in FACT_KEYS:
        value = field(form, f"fact_{key}")
        if value:
            facts[key] = {"value": value, "verified": field(form, f"verified_{key}") == "on"}
    impact: dict[str, Any] = {k: _count(field(form, k)) for k in COUNT_KEYS}
    impact["media_reach"] = field(form, "media_reach") or None
    impact.update({k: _flag(field(form, k)) for k in FLAG_KEYS})
    links = [line.strip() for line in field(form, "links").splitlines() if line.strip()]
    return {
        "unit_code": field(form, "unit_code"),
        "text": field(form, "text"),
        "channel": "web",
        "source": field(form, "source") or None,
        "facts": facts,
        "impact": {k: v for k, v in impact.items() if v is not None},
        "links": links,
        "stakeholders": [str(s) for s in form.getlist("stakeholders")],
        "reported_by": field(form, "reported_by"),
    }


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Field → what is wrong, in Bahasa Indonesia."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
        name = ".".join(p for p in loc if p != "value")
        cause = (error.get("ctx") or {}).get("error")
        # A refused character is named in the officer's language (which one, where, and why).
        message = (
            cause.indonesian
            if isinstance(cause, UnsafeText)
            else _MESSAGES.get(str(error["type"]), "isian tidak valid")
        )
        errors.setdefault(name or "form", message)
    return errors


def parse_report(form: FormData) -> tuple[ReportIn | None, dict[str, str]]:
    try:
        return ReportIn.model_validate(report_payload(form)), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def error_lines(errors: dict[str, str]) -> list[str]:
    return [f"{FIELD_LABELS.get(name, name)}: {message}" for name, message in errors.items()]
