"""The crisis communication plan (Formulir Rencana Manajemen Komunikasi Krisis, DOMAIN.md §6.6): its
fields, a first version prefilled from the incident, the 27/9/3 check of key messages, a text export.
Pure: the console stores what the team saves."""

from dataclasses import dataclass
from typing import Any

from tanggap_intake.access import APPROVER_FOR_LEVEL
from tanggap_intake.readmodel import TEAM_ROLE_NAMES, TIER_NAMES
from tanggap_intake.schemas import IncidentOut

MAX_KEY_MESSAGES = 3
KEY_MESSAGE_WORDS = 27  # 27 words, 9 seconds, 3 messages


@dataclass(frozen=True)
class PlanField:
    key: str
    label: str
    hint: str = ""
    rows: int = 3


FIELDS: tuple[PlanField, ...] = (
    PlanField(
        "tim", "Tim & peran", "Satu orang per baris: nama — peran — cara dihubungi — waktu diberi tahu.", 5
    ),
    PlanField(
        "skenario", "Skenario terburuk dan dampaknya", "Apa yang paling buruk bisa terjadi dan akibatnya."
    ),
    PlanField("tujuan", "Tujuan komunikasi"),
    PlanField("sasaran_primer", "Sasaran primer", "Publik — kekhawatirannya, satu per baris."),
    PlanField("sasaran_sekunder", "Sasaran sekunder", "Publik — kekhawatirannya, satu per baris."),
    PlanField(
        "pesan_1", "Pesan kunci 1 (empati dulu)", "Apa yang kami lakukan, mengapa, nilainya bagi publik.", 2
    ),
    PlanField("fakta_1", "Fakta pendukung pesan 1", "Fakta — sumber — terverifikasi/belum, satu per baris."),
    PlanField("pesan_2", "Pesan kunci 2", rows=2),
    PlanField("fakta_2", "Fakta pendukung pesan 2"),
    PlanField("pesan_3", "Pesan kunci 3", rows=2),
    PlanField("fakta_3", "Fakta pendukung pesan 3"),
    PlanField("strategi", "Strategi respons", "Saran strategi, pilihan, dan alasannya."),
    PlanField(
        "saluran", "Saluran", "Siaran pers, konferensi pers, doorstop, situs web, media sosial, grup WA…"
    ),
    PlanField("juru_bicara", "Juru bicara", rows=1),
    PlanField("jadwal", "Jadwal pembaruan", rows=1),
    PlanField("koordinasi", "Koordinasi", "APH, Kanwil, Ditjenpas, Pemda, lainnya."),
    PlanField("qa", "Daftar tanya-jawab", "Pertanyaan yang diantisipasi, termasuk yang sulit.", 8),
    PlanField("dilarang", "Hal yang tidak boleh disampaikan", rows=4),
    PlanField("pemantauan", "Rencana pemantauan"),
    PlanField("selesai", "Indikator selesai"),
)
KEYS = tuple(f.key for f in FIELDS)

CADENCE = {
    1: "Tidak diperlukan; siapkan tanya-jawab.",
    2: "Harian sampai selesai.",
    3: "Setiap 4–6 jam dan setiap ada fakta baru.",
    4: "Setiap 2–3 jam dalam 24 jam pertama.",
}
HARD_QUESTIONS = (
    "Bagaimana kejadian ini bisa terjadi?",
    "Siapa yang bertanggung jawab?",
    "Apakah ada petugas yang terlibat?",
    "Apakah kejadian serupa pernah terjadi sebelumnya?",
    "Apa yang akan berubah?",
    "Apakah pejabat akan dikenai sanksi?",
)
STAKEHOLDER_CONCERNS = {
    "keluarga": "Keluarga WBP / korban — keselamatan dan kabar yang jelas",
    "masyarakat": "Masyarakat sekitar — keamanan lingkungan",
    "aph": "APH — kelancaran penyidikan",
    "kanwil": "Kanwil — gambaran lengkap dan keputusan yang diperlukan",
    "ditjenpas": "Ditjenpas — dampak nasional dan konsistensi pesan",
    "dpr": "DPR / DPRD — akuntabilitas",
    "ombudsman": "Ombudsman — pelayanan dan maladministrasi",
    "komnas_ham": "Komnas HAM — hak asasi WBP",
    "kpai": "KPAI — perlindungan Anak",
    "media": "Media — fakta yang cepat dan dapat dikutip",
}
NOT_TO_SAY = (
    "Identitas lengkap WBP, tahanan atau terduga (gunakan inisial).",
    "Apa pun yang mengarah pada identitas Anak atau korban kejahatan seksual.",
    "Rincian keamanan: jumlah penjaga, jadwal patroli, titik lemah, cara melarikan diri.",
    "Materi penyidikan dan informasi yang dikecualikan UU KIP; dugaan penyebab yang belum terverifikasi.",
)


def _team_lines(incident: IncidentOut) -> str:
    team = incident.crisis_team or {}
    lines = [
        f"{m['name']} — {TEAM_ROLE_NAMES.get(m['role'], m['role'])} ({TIER_NAMES.get(m['tier'], m['tier'])})"
        for m in team.get("members", [])
    ]
    lines += [f"KOSONG: {gap}" for gap in team.get("gaps", [])]
    return "\n".join(lines)


def _facts(incident: IncidentOut) -> str:
    lines = []
    for report in incident.reports:
        for key, fact in report.facts.items():
            status = "terverifikasi" if fact.get("verified") else "belum terverifikasi"
            source = report.source or report.channel
            lines.append(f"{key}: {fact.get('value', '')} — {source} — {status}")
    return "\n".join(lines[:9])


def _strategy(incident: IncidentOut) -> str:
    officers = any(r.impact.get("officers_involved") for r in incident.reports)
    if incident.category == "viral" and not officers:
        return "Saran: bantahan berbasis data (denial) bila terbukti hoaks, disertai pesan pemulihan."
    if officers or incident.category in ("misconduct", "extortion", "violence"):
        return "Saran: rebuilding (permintaan maaf, tindakan korektif, penegakan disiplin) — dapat dicegah."
    return "Saran: informasi instruktif dan penyesuaian (keselamatan dulu, langkah yang diambil)."


def _spokesperson(incident: IncidentOut) -> str:
    members = (incident.crisis_team or {}).get("members", [])
    wanted = {1: "ketua", 2: "ketua", 3: "supervisor", 4: "pusat"}[incident.level or 1]
    for role in ("juru_bicara", wanted):
        for member in members:
            if member.get("role") == role:
                return str(member.get("name", ""))
    return f"[juru bicara: {APPROVER_FOR_LEVEL[incident.level or 1]}]"


def prefill(incident: IncidentOut) -> dict[str, str]:
    """A first plan from what the incident already says; the team edits every line."""
    unit = incident.unit.name
    stakeholders = {s for r in incident.reports for s in r.stakeholders} or {
        "keluarga",
        "masyarakat",
        "media",
    }
    concerns = [STAKEHOLDER_CONCERNS[s] for s in sorted(stakeholders) if s in STAKEHOLDER_CONCERNS]
    level = incident.level or 1
    return {
        "tim": _team_lines(incident),
        "skenario": "",
        "tujuan": (
            f"Menyampaikan fakta yang terverifikasi dengan cepat, menunjukkan empati kepada pihak terdampak, "
            f"dan menjaga kepercayaan publik terhadap {unit}."
        ),
        "sasaran_primer": "\n".join(concerns[:2]),
        "sasaran_sekunder": "\n".join(concerns[2:]),
        "pesan_1": f"Kami prihatin atas kejadian di {unit} dan mengutamakan keselamatan semua pihak.",
        "fakta_1": _facts(incident),
        "pesan_2": (
            "Kami sedang menangani kejadian ini bersama pihak terkait dan memastikan situasi terkendali."
        ),
        "fakta_2": "",
        "pesan_3": "Kami akan menyampaikan perkembangan secara terbuka melalui kanal resmi.",
        "fakta_3": "",
        "strategi": _strategy(incident),
        "saluran": "Siaran pers, situs web UPT, Instagram/X resmi, grup WhatsApp jurnalis.",
        "juru_bicara": _spokesperson(incident),
        "jadwal": CADENCE[level],
        "koordinasi": f"{incident.unit.region_name}; Ditjenpas (Level 3 ke atas); APH bila terlibat; Pemda.",
        "qa": "\n".join(HARD_QUESTIONS),
        "dilarang": "\n".join(NOT_TO_SAY),
        "pemantauan": "Pantau media daring, media sosial dan pertanyaan wartawan; catat di Monitor Media.",
        "selesai": "Tidak ada pemberitaan negatif baru selama 48 jam; pertanyaan media sudah terjawab.",
    }


def clean(values: dict[str, Any]) -> dict[str, str]:
    """Only the plan's own fields, as text, bounded."""
    return {key: str(values.get(key) or "").replace("\r\n", "\n").strip()[:5000] for key in KEYS}


def key_message_warnings(fields: dict[str, str]) -> list[str]:
    """The 27/9/3 rule: at most 3 key messages of at most 27 words each (about 9 seconds spoken)."""
    warnings = []
    for i in range(1, MAX_KEY_MESSAGES + 1):
        words = len(fields.get(f"pesan_{i}", "").split())
        if words > KEY_MESSAGE_WORDS:
            warnings.append(
                f"Pesan kunci {i} berisi {words} kata; batasnya {KEY_MESSAGE_WORDS} (aturan 27/9/3)."
            )
    return warnings


def approval_chain(level: int | None) -> str:
    chain = ["Disusun: Humas UPT", "Diperiksa: Kepala UPT"]
    if (level or 1) >= 3:
        chain.append("Disetujui: Kanwil")
    if (level or 1) >= 4:
        chain.append("Disetujui: Ditjenpas")
    if (level or 1) <= 2:
        chain[-1] = "Disetujui: Kepala UPT (setelah konsultasi Kanwil untuk Level 2)"
    return " → ".join(chain)


def as_text(incident: IncidentOut, fields: dict[str, str], *, revision: int, updated_by: str) -> str:
    level = incident.level
    header = [
        "RENCANA MANAJEMEN KOMUNIKASI KRISIS",
        f"Insiden {incident.number} · {incident.unit.name} · {incident.unit.region_name}",
        f"Level: {level or 'belum diklasifikasikan'} · Pemilik level: "
        f"{APPROVER_FOR_LEVEL[level or 1]} · Fase: {incident.phase}",
        f"Revisi {revision}, disimpan oleh {updated_by}",
        "",
    ]
    body = []
    for f in FIELDS:
        body += [f.label.upper(), fields.get(f.key) or "-", ""]
    body += ["PERSETUJUAN", approval_chain(level), ""]
    return "\n".join(header + body)
