"""Notification texts in Bahasa Indonesia, rendered from Jinja2 templates, per kind and per channel style.

Each notice kind has three templates: `<kind>.title.j2`, `<kind>.short.j2` (Telegram, WhatsApp, SMS:
level, unit, what happened, the deadline, the links) and `<kind>.full.j2` (e-mail, webhooks, the file
sink). A folder named by TANGGAP_TEMPLATES_DIR overrides the shipped templates file by file.

Only the level, the unit, the kind of event, the deadline and links go out: never the report text,
never a name from the report (DOMAIN.md §5). Everything else is read in the console.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from tanggap_notifier.routing import Gap, Routed
from tanggap_shared.contracts import Category, DraftKind, Role
from tanggap_shared.events import UnitRef

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

DEADLINE_LABELS = {
    "holding_statement": "pernyataan awal (holding statement)",
    "press_release": "siaran pers / klarifikasi",
    "internal_notification": "pemberitahuan internal",
}

# The acknowledgement link is personal (it names the notification and the person), so it is filled in
# when the row is sent: a deputy who takes over a message gets a link of their own.
ACK_PLACEHOLDER = "[[tautan-konfirmasi]]"


@dataclass(frozen=True)
class Message:
    title: str
    body: str  # complete: e-mail, webhooks, the file sink
    short: str = ""  # Telegram, WhatsApp, SMS

    def for_style(self, style: str) -> str:
        return self.short if style == "short" and self.short else self.body


@dataclass(frozen=True)
class IncidentView:
    """What a message may say about an incident (nothing from the report's text)."""

    incident_id: uuid.UUID
    unit: UnitRef
    level: int
    category: Category
    known_at: datetime
    deadlines: dict[str, int] = field(default_factory=dict)
    secondary_categories: tuple[Category, ...] = ()

    def due(self, name: str) -> datetime | None:
        minutes = self.deadlines.get(name)
        return self.known_at + timedelta(minutes=minutes) if minutes is not None else None


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


def format_clock(moment: datetime, region: str) -> str:
    zone, label = local_zone(region)
    return f"{moment.astimezone(zone):%H.%M} {label}"


def _gaps(gaps: list[Gap], unit: UnitRef) -> list[dict[str, str]]:
    def place(gap: Gap) -> str:
        if gap.place == unit.code:
            return f"{unit.name} ({unit.code})"
        if gap.place.startswith("region "):
            return unit.region_name or f"Kanwil {unit.region}"
        return "Ditjenpas"

    return [{"role": ROLE_LABELS[gap.role], "place": place(gap)} for gap in gaps]


def _loader(templates_dir: Path | None) -> BaseLoader:
    shipped = PackageLoader("tanggap_notifier", "templates")
    if templates_dir is None:
        return shipped
    return ChoiceLoader([FileSystemLoader(str(templates_dir)), shipped])


class MessageRenderer:
    """Renders the per-recipient texts of each notice."""

    def __init__(self, *, public_url: str, templates_dir: Path | None = None) -> None:
        self._public_url = public_url.rstrip("/")
        self._env = Environment(
            loader=_loader(templates_dir),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,  # plain text for chat and e-mail, not HTML
        )
        self._env.filters["label"] = lambda value: CATEGORY_LABELS.get(Category(value), str(value))

    def incident_link(self, incident_id: object) -> str:
        return f"{self._public_url}/incidents/{incident_id}"

    def check(self, kinds: tuple[str, ...]) -> None:
        """Load every template now, so a broken override fails the start, not a crisis."""
        for kind in kinds:
            for part in ("title", "short", "full"):
                self._env.get_template(f"{kind}.{part}.j2")

    def context(self, incident: IncidentView, routed: Routed | None) -> dict[str, Any]:
        due = incident.due(HOLDING_STATEMENT_DEADLINE)
        region = incident.unit.region
        return {
            "level": incident.level,
            "level_name": LEVEL_NAMES[incident.level],
            "unit_name": incident.unit.name,
            "unit_code": incident.unit.code,
            "region_name": incident.unit.region_name,
            "category": CATEGORY_LABELS[incident.category],
            "secondary": [
                CATEGORY_LABELS[c] for c in incident.secondary_categories if c != incident.category
            ],
            "deadline": format_local(due, region) if due is not None else "",
            "deadline_clock": format_clock(due, region) if due is not None else "",
            "deadline_minutes": incident.deadlines.get(HOLDING_STATEMENT_DEADLINE),
            "role": ROLE_LABELS[routed.role] if routed else "",
            "gaps": _gaps(routed.stands_in_for, incident.unit) if routed else [],
            "link": self.incident_link(incident.incident_id),
            "ack_link": ACK_PLACEHOLDER,
        }

    def _render(self, kind: str, context: dict[str, Any]) -> Message:
        parts = [
            self._env.get_template(f"{kind}.{part}.j2").render(context).strip()
            for part in ("title", "short", "full")
        ]
        return Message(title=parts[0], short=parts[1] + "\n", body=parts[2] + "\n")

    def render(
        self, kind: str, incident: IncidentView, routed: Routed | None, extra: dict[str, Any]
    ) -> Message:
        """The title and both texts of one notice for one recipient."""
        return self._render(kind, self.context(incident, routed) | extra)

    def render_digest(self, lines: list[str]) -> Message:
        """One message listing what was held back for a person."""
        return self._render("digest", {"items": lines})


def draft_label(kind: DraftKind | str) -> str:
    return DRAFT_KIND_LABELS.get(DraftKind(kind), str(kind))


def draft_title(kind: DraftKind | str, method: str = "template") -> str:
    """A draft as a line of an approval request: "Pernyataan awal (holding statement)", and the LLM
    version beside the template one marked as such."""
    label = draft_label(kind)
    label = label[:1].upper() + label[1:]
    return f"{label} (versi AI)" if method == "llm" else label


def deadline_label(name: str) -> str:
    return DEADLINE_LABELS.get(name, name.replace("_", " "))
