"""What a draft may say, taken only from the event: unit, 5W+1H facts, impact answers, category.

Verified facts are stated as confirmed, unverified ones are hedged, unknowns stay visible placeholders.
The report's free text is never copied into a draft; it only steers retrieval.
"""

from dataclasses import dataclass

from tanggap_drafter.vocabulary import WORDING
from tanggap_drafter.wording import clean_fact
from tanggap_shared.contracts import Category
from tanggap_shared.events import Fact, IncidentClassified, UnitRef

# Order and labels of the 5W+1H items as they appear in a kronologi.
FACT_LABELS: dict[str, str] = {
    "what": "Peristiwa",
    "when": "Waktu",
    "where": "Lokasi",
    "who": "Pihak yang terlibat",
    "how": "Kronologi singkat",
    "why": "Penyebab",
}
# A running sentence about "kejadian tersebut"; the cause and the method are left to the press release's
# kronologi (no speculation on causes, no operational detail in a holding statement).
_CLAUSE_PREFIX = {"what": "berupa ", "when": "terjadi pada ", "where": "berlokasi di ", "who": "melibatkan "}
_LOWER_FIRST = frozenset({"what", "how"})


@dataclass(frozen=True)
class FactItem:
    key: str
    label: str
    text: str
    verified: bool

    @property
    def clause(self) -> str | None:
        """The fact as a clause about "kejadian tersebut", or None for facts that never go in one."""
        prefix = _CLAUSE_PREFIX.get(self.key)
        if prefix is None:
            return None
        return prefix + (_lower_first(self.text) if self.key in _LOWER_FIRST else self.text)

    @property
    def phrase(self) -> str:
        """The fact as it continues a sentence ("... membenarkan telah terjadi <phrase>")."""
        return _lower_first(self.text) if self.key in _LOWER_FIRST else self.text


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
        when = self.fact("when")
        return when.text if when is not None and when.verified else "[waktu kejadian]"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _known_place_words(unit: UnitRef) -> list[str]:
    return [unit.name, unit.city, unit.region_name]


def _facts(event: IncidentClassified, children: bool) -> list[FactItem]:
    known = _known_place_words(event.unit)
    items: list[FactItem] = []
    for key, label in FACT_LABELS.items():
        fact: Fact | None = getattr(event.report.facts, key)
        if fact is None or not fact.value.strip():
            continue
        if key == "who" and children:
            # PPRA / UU SPPA Pasal 19: nothing that identifies an Anak, not even initials.
            continue
        items.append(FactItem(key, label, clean_fact(fact.value, known), fact.verified))
    return items


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


def _unknowns(event: IncidentClassified, facts: list[FactItem]) -> list[str]:
    verified = {f.key for f in facts if f.verified}
    impact = event.report.impact
    unknown: list[str] = []
    if "when" not in verified:
        unknown.append("waktu pasti kejadian")
    if "how" not in verified:
        unknown.append("rincian kronologi")
    if "why" not in verified:
        unknown.append("penyebab kejadian")
    if impact.deaths is None and impact.injuries is None:
        unknown.append("jumlah korban")
    return unknown


def build_context(event: IncidentClassified) -> DraftContext:
    """Gather what the drafts of this incident may say."""
    impact = event.report.impact
    children = bool(impact.children_involved)
    facts = _facts(event, children)
    wording = WORDING[event.category]
    categories = {event.category, *event.secondary_categories}
    return DraftContext(
        unit_name=event.unit.name,
        city=event.unit.city or "[kota]",
        region_name=event.unit.region_name or "[Kantor Wilayah Direktorat Jenderal Pemasyarakatan]",
        category=event.category,
        category_label=wording.label,
        category_title=wording.title,
        facts=facts,
        impact=_impact(event),
        unknowns=_unknowns(event, facts),
        mourning=bool(impact.deaths) or Category.DEATH in categories,
        children=children,
        officers=bool(impact.officers_involved),
        video=bool(impact.video_exists),
    )
