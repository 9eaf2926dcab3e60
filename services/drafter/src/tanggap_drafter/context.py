"""What a draft may say, taken only from the event: unit, 5W+1H facts, impact answers, category.

Verified facts are stated as confirmed, unverified ones are hedged, unknowns stay visible placeholders.
The report's free text is never copied into a draft; it only steers retrieval.
"""

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict

from tanggap_drafter.facts import FACT_LABELS, AmountItem, FactItem, gather_amounts, gather_facts
from tanggap_drafter.known import HUMAS, Known, Team, fill, known_for
from tanggap_drafter.plan import load_plan
from tanggap_drafter.vocabulary import WORDING
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import IncidentClassified

__all__ = ["FACT_LABELS", "AmountItem", "DraftContext", "FactItem", "build_context", "involves_children"]

Audience = Literal["public", "internal"]
# Drafts that stay inside the organisation; they may carry operational detail the public ones may not.
INTERNAL_KINDS = frozenset({DraftKind.ESCALATION_REPORT, DraftKind.CRISIS_PLAN, DraftKind.EVALUATION_REPORT})

LEVEL_NAMES = {1: "Isu/Rendah", 2: "Sedang", 3: "Tinggi", 4: "Sangat Tinggi"}
# Who leads and who approves outbound text, by level (DOMAIN.md §6.2).
LEVEL_OWNERS = {
    1: "Kepala UPT",
    2: "Kepala UPT, setelah berkonsultasi dengan Kantor Wilayah",
    3: "Kantor Wilayah (Kakanwil/Kadivpas); UPT melaksanakan",
    4: "Direktorat Jenderal Pemasyarakatan / Kementerian",
}
UPDATE_CADENCE = {
    1: "bila diperlukan",
    2: "setiap hari sampai tuntas",
    3: "setiap empat sampai enam jam dan setiap ada fakta baru",
    4: "setiap dua sampai tiga jam pada hari pertama",
}
# SCCT (DOMAIN.md §4.1): the strategy that suits the organisation's attributed responsibility.
STRATEGIES = {
    "victim": "Instruksi dan informasi penyesuaian: keselamatan, langkah yang diambil, empati kepada korban.",
    "accidental": "Informasi penyesuaian ditambah penjelasan langkah pencegahan agar tidak terulang.",
    "preventable": "Permintaan maaf yang tulus, tanggung jawab penuh, dan langkah perbaikan yang konkret.",
}
DEADLINE_LABELS = {
    "internal_notification": "Pemberitahuan internal",
    "holding_statement": "Pernyataan awal",
    "press_release": "Siaran pers / klarifikasi",
}
KIND_LABELS: dict[DraftKind, str] = {
    DraftKind.HOLDING_STATEMENT: "Pernyataan awal",
    DraftKind.PRESS_RELEASE: "Siaran pers",
    DraftKind.KEY_MESSAGES: "Pesan kunci",
    DraftKind.QA: "Lembar tanya-jawab juru bicara",
    DraftKind.SOCIAL_POST: "Konten media sosial",
    DraftKind.CLARIFICATION: "Klarifikasi",
    DraftKind.RIGHT_OF_REPLY: "Surat hak jawab",
    DraftKind.DPO_NOTICE: "Pengumuman pencarian (DPO)",
    DraftKind.ESCALATION_REPORT: "Laporan eskalasi internal",
    DraftKind.CRISIS_PLAN: "Rencana komunikasi krisis",
    DraftKind.EVALUATION_REPORT: "Laporan evaluasi pasca-krisis",
}


def authored_texts() -> list[str]:
    """Wording the drafter itself puts into drafts outside the templates (labels, owners, strategies)."""
    return [
        *LEVEL_NAMES.values(),
        *LEVEL_OWNERS.values(),
        *UPDATE_CADENCE.values(),
        *STRATEGIES.values(),
        *DEADLINE_LABELS.values(),
        *KIND_LABELS.values(),
        *(w.label for w in WORDING.values()),
    ]


class CategoryPhrases(BaseModel):
    """Per-category wording of phrases.yaml; empty fields inherit the defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    worst_case: str = ""
    goal: str = ""
    audiences: list[tuple[str, str]] = []
    secondary_audiences: list[tuple[str, str]] = []
    dont_say: list[str] = []
    questions: list[tuple[str, str]] = []


@cache
def _phrases_file() -> dict[str, CategoryPhrases]:
    source = resources.files("tanggap_drafter").joinpath("phrases.yaml")
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    return {key: CategoryPhrases.model_validate(value or {}) for key, value in raw.items()}


def phrases_for(category: Category) -> CategoryPhrases:
    """Category phrases over the defaults: lists add up (category first), strings replace."""
    base = _phrases_file()["default"]
    own = _phrases_file().get(category.value, CategoryPhrases())
    return CategoryPhrases(
        worst_case=own.worst_case or base.worst_case,
        goal=own.goal or base.goal,
        audiences=own.audiences or base.audiences,
        secondary_audiences=own.secondary_audiences or base.secondary_audiences,
        dont_say=[*own.dont_say, *base.dont_say],
        questions=[*own.questions, *base.questions],
    )


@dataclass(frozen=True)
class DraftContext:
    """Everything a template may use; every string in it is already fit to publish."""

    unit_name: str
    city: str
    region_name: str
    category: Category
    category_label: str
    category_title: str
    facts: list[FactItem]
    impact: list[str]
    unknowns: list[str]
    mourning: bool
    children: bool
    officers: bool
    video: bool
    known: Known
    amounts: list[AmountItem] = field(default_factory=list)
    level: int = 2
    audience: Audience = "public"
    withheld: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    deadlines: list[tuple[str, int]] = field(default_factory=list)
    strategy: str = ""
    media_links: list[str] = field(default_factory=list)
    social_links: list[str] = field(default_factory=list)
    phrases: CategoryPhrases = field(default_factory=CategoryPhrases)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def level_owner(self) -> str:
        return LEVEL_OWNERS[self.level]

    @property
    def update_cadence(self) -> str:
        return UPDATE_CADENCE[self.level]

    @property
    def outlet(self) -> str:
        """The media outlet of the first linked article, or a placeholder."""
        if not self.media_links:
            return "[diisi Pemantau Media: nama media]"
        host = urlsplit(self.media_links[0]).hostname or ""
        return host.removeprefix("www.") or "[diisi Pemantau Media: nama media]"

    def kind_label(self, kind: str) -> str:
        return KIND_LABELS[DraftKind(kind)]

    @property
    def confirmed(self) -> list[FactItem]:
        return [f for f in self.facts if f.verified]

    @property
    def hedged(self) -> list[FactItem]:
        return [f for f in self.facts if not f.verified]

    def clauses(self, items: list[FactItem]) -> list[str]:
        return [c for c in (f.clause for f in items) if c]

    @property
    def place(self) -> str:
        """The unit, with its city unless the unit's name already says it."""
        if self.city.lower() in self.unit_name.lower():
            return self.unit_name
        return f"{self.unit_name}, {self.city}"

    def fact(self, key: str) -> FactItem | None:
        return next((f for f in self.facts if f.key == key), None)

    @property
    def when_text(self) -> str:
        """The time for a lead that carries verified facts only; else who must fill it."""
        when = self.fact("when")
        if when is not None and when.verified:
            return when.text
        return fill(HUMAS, "waktu kejadian yang sudah diverifikasi")

    @property
    def confirmed_amounts(self) -> list[str]:
        """Impact answers and amounts a person confirmed, in the report's words."""
        return [*self.impact, *(a.text for a in self.amounts if a.verified)]

    @property
    def hedged_amounts(self) -> list[str]:
        return [a.text for a in self.amounts if not a.verified]


def involves_children(event: IncidentClassified) -> bool:
    """Children are involved when the report says so or the unit is an LPKA (its residents are Anak)."""
    unit = event.unit
    lpka = unit.type.upper() == "LPKA" or "LPKA" in unit.name.upper() or "LPKA" in unit.code.upper()
    return bool(event.report.impact.children_involved) or lpka


def _count(n: int, some: str, none: str) -> str:
    return f"{n} orang {some}" if n > 0 else none


def _impact(event: IncidentClassified) -> list[str]:
    impact = event.report.impact
    parts: list[str] = []
    if impact.deaths is not None:
        parts.append(_count(impact.deaths, "meninggal dunia", "tidak ada korban jiwa"))
    if impact.injuries is not None:
        parts.append(_count(impact.injuries, "mengalami luka-luka", "tidak ada korban luka"))
    if impact.escapees is not None:
        none = "tidak ada penghuni yang melarikan diri"
        parts.append(_count(impact.escapees, "penghuni melarikan diri", none))
    return parts


def _counted_by_impact(event: IncidentClassified) -> set[str]:
    impact = event.report.impact
    pairs = (("deaths", impact.deaths), ("injuries", impact.injuries), ("escapees", impact.escapees))
    return {name for name, value in pairs if value is not None}


def _unknowns(event: IncidentClassified, facts: list[FactItem], amounts: list[AmountItem]) -> list[str]:
    """What nobody has said yet; an item the report gives, even unverified, is hedged instead."""
    said = {f.key for f in facts}
    verified = {f.key for f in facts if f.verified}
    counted = _counted_by_impact(event) | {a.counted for a in amounts}
    unknown: list[str] = []
    if "when" not in said:
        unknown.append("waktu pasti kejadian")
    if "how" not in verified:
        unknown.append("rincian kronologi")
    if "why" not in verified:
        unknown.append("penyebab kejadian")
    if event.category == Category.ESCAPE and "escapees" not in counted:
        unknown.append("jumlah Warga Binaan yang melarikan diri")
    elif event.category != Category.ESCAPE and not counted & {"deaths", "injuries"}:
        unknown.append("jumlah korban")
    return unknown


def build_context(
    event: IncidentClassified, audience: Audience = "public", team: Team | None = None
) -> DraftContext:
    """Gather what the drafts of this incident may say; public drafts leave security detail out."""
    impact = event.report.impact
    children = involves_children(event)
    every_fact = gather_facts(event, children)
    facts = every_fact if audience == "internal" else [f for f in every_fact if not f.sensitive]
    amounts = gather_amounts(event, children, _counted_by_impact(event))
    plan = load_plan()
    links = [link.strip() for link in event.report.links if link.strip()]
    wording = WORDING[event.category]
    categories = {event.category, *event.secondary_categories}
    return DraftContext(
        unit_name=event.unit.name,
        city=event.unit.city or fill(HUMAS, "kota"),
        region_name=event.unit.region_name or fill(HUMAS, "nama Kantor Wilayah"),
        category=event.category,
        category_label=wording.label,
        category_title=wording.title,
        facts=facts,
        impact=_impact(event),
        unknowns=_unknowns(event, facts, amounts),
        known=known_for(event, team),
        amounts=amounts,
        mourning=bool(impact.deaths) or Category.DEATH in categories,
        children=children,
        officers=bool(impact.officers_involved),
        video=bool(impact.video_exists),
        level=event.level,
        audience=audience,
        withheld=[f.label for f in every_fact if f not in facts],
        reasons=[r.text for r in event.reasons if r.text.strip()],
        missing=list(event.missing),
        deadlines=[(DEADLINE_LABELS.get(k, k), v) for k, v in event.deadlines.items()],
        strategy=STRATEGIES.get(event.scct_cluster or "", ""),
        media_links=[link for link in links if plan.is_media_link(link)],
        social_links=[link for link in links if not plan.is_media_link(link)],
        phrases=phrases_for(event.category),
    )
