"""Notification texts in Bahasa Indonesia, rendered from the Jinja2 templates shipped in the package.

Only the level, the unit, the kind of event, the deadline and a console link go out: never the report
text, never a name from the report (DOMAIN.md §5). Everything else is read in the console.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from tanggap_notifier.routing import Gap, Routed
from tanggap_shared.contracts import Category, DraftKind, Role
from tanggap_shared.events import DraftProposed, IncidentClassified, UnitRef

LEVEL_NAMES = {1: "Isu / Rendah", 2: "Sedang", 3: "Tinggi", 4: "Sangat Tinggi / Nasional"}

CATEGORY_LABELS = {
    Category.ESCAPE: "pelarian warga binaan",
    Category.UNREST: "kerusuhan / gangguan kamtib",
    Category.DRUGS: "narkoba",
    Category.CONTRABAND: "barang terlarang (HP, senjata tajam)",
    Category.EXTORTION: "pungli / pemerasan / korupsi",
    Category.VIOLENCE: "kekerasan / penganiayaan",
    Category.DEATH: "kematian",
    Category.DISASTER: "kebakaran / bencana",
    Category.OVERCAPACITY: "overkapasitas",
    Category.VIRAL: "konten viral / hoaks",
    Category.MISCONDUCT: "pelanggaran oleh petugas",
    Category.TERRORISM: "narapidana terorisme",
    Category.RIGHTS: "hak dan layanan warga binaan",
    Category.ROUTINE: "berita rutin",
}

DRAFT_KIND_LABELS = {
    DraftKind.HOLDING_STATEMENT: "pernyataan awal (holding statement)",
    DraftKind.PRESS_RELEASE: "siaran pers",
    DraftKind.KEY_MESSAGES: "pesan kunci",
    DraftKind.QA: "lembar tanya-jawab",
    DraftKind.SOCIAL_POST: "konten media sosial",
    DraftKind.CLARIFICATION: "klarifikasi",
    DraftKind.RIGHT_OF_REPLY: "surat hak jawab / hak koreksi",
    DraftKind.DPO_NOTICE: "pengumuman DPO",
    DraftKind.ESCALATION_REPORT: "laporan eskalasi internal",
    DraftKind.CRISIS_PLAN: "rencana komunikasi krisis",
    DraftKind.EVALUATION_REPORT: "laporan evaluasi pasca-krisis",
}

ROLE_LABELS = {
    Role.KETUA: "Ketua Tim Komunikasi Krisis (Kepala UPT)",
    Role.JURU_BICARA: "Juru Bicara",
    Role.KOORDINATOR_HUMAS: "Koordinator Humas",
    Role.VERIFIKATOR_FAKTA: "Verifikator Fakta",
    Role.PEMANTAU_MEDIA: "Pemantau Media",
    Role.PENGHUBUNG: "Penghubung APH dan Keluarga",
    Role.SUPERVISOR: "Supervisor (Kanwil)",
    Role.MENTOR: "Mentor (UPT percontohan)",
    Role.PUSAT: "Pusat (Humas Ditjenpas)",
}

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

WITA_REGIONS = frozenset(
    {"BALI", "NTB", "NTT", "KALSEL", "KALTIM", "SULUT", "SULTENG", "SULSEL", "SULTRA", "GORONTALO", "SULBAR"}
)
WIT_REGIONS = frozenset({"MALUKU", "MALUT", "PAPUA", "PABAR"})

HOLDING_STATEMENT_DEADLINE = "holding_statement"


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def local_zone(region: str) -> tuple[timezone, str]:
    """The unit's own time zone, so a deadline reads as the officer's wall-clock time."""
    if region in WIT_REGIONS:
        return timezone(timedelta(hours=9)), "WIT"
    if region in WITA_REGIONS:
        return timezone(timedelta(hours=8)), "WITA"
    return timezone(timedelta(hours=7)), "WIB"


def format_local(moment: datetime, region: str) -> str:
    zone, label = local_zone(region)
    local = moment.astimezone(zone)
    return f"{local:%H.%M} {label}, {local.day} {MONTHS[local.month - 1]} {local.year}"


def _gaps(gaps: list[Gap], unit: UnitRef) -> list[dict[str, str]]:
    def place(gap: Gap) -> str:
        if gap.place == unit.code:
            return f"{unit.name} ({unit.code})"
        if gap.place.startswith("region "):
            return unit.region_name or f"Kanwil {unit.region}"
        return "Ditjenpas"

    return [{"role": ROLE_LABELS[gap.role], "place": place(gap)} for gap in gaps]


class MessageRenderer:
    """Renders the per-recipient text of each notification."""

    def __init__(self, *, public_url: str) -> None:
        self._public_url = public_url.rstrip("/")
        self._env = Environment(
            loader=PackageLoader("tanggap_notifier", "templates"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,  # plain text for chat and e-mail, not HTML
        )

    def incident_link(self, incident_id: object) -> str:
        return f"{self._public_url}/incidents/{incident_id}"

    def _render(self, name: str, context: dict[str, Any]) -> Message:
        title = self._env.get_template(f"{name}.title.j2").render(context).strip()
        body = self._env.get_template(f"{name}.txt.j2").render(context).strip() + "\n"
        return Message(title=title, body=body)

    def _common(self, *, level: int, unit: UnitRef, routed: Routed, incident_id: object) -> dict[str, Any]:
        return {
            "level": level,
            "level_name": LEVEL_NAMES[level],
            "unit_name": unit.name,
            "unit_code": unit.code,
            "region_name": unit.region_name,
            "role": ROLE_LABELS[routed.person.role],
            "gaps": _gaps(routed.stands_in_for, unit),
            "link": self.incident_link(incident_id),
        }

    def incident(self, event: IncidentClassified, routed: Routed) -> Message:
        """The message telling one team member of a classified crisis."""
        context = self._common(
            level=event.level, unit=event.unit, routed=routed, incident_id=event.incident_id
        )
        minutes = event.deadlines.get(HOLDING_STATEMENT_DEADLINE)
        due = event.report.received_at + timedelta(minutes=minutes) if minutes is not None else None
        context |= {
            "category": CATEGORY_LABELS[event.category],
            "secondary": [CATEGORY_LABELS[c] for c in event.secondary_categories if c != event.category],
            "deadline": format_local(due, event.unit.region) if due is not None else "",
            "deadline_minutes": minutes,
        }
        return self._render("incident_classified", context)

    def draft(self, event: DraftProposed, routed: Routed) -> Message:
        """The message asking one approver to review a draft."""
        context = self._common(
            level=event.level, unit=event.unit, routed=routed, incident_id=event.incident_id
        )
        context |= {
            "kind": DRAFT_KIND_LABELS[event.kind],
            "blocking": sum(1 for f in event.findings if f.severity == "blocking"),
        }
        return self._render("draft_proposed", context)
