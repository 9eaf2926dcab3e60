"""The facts a draft may state, gathered from the self-assessment answers and the reading of the text.

Two sources (issue 12): the 5W+1H a person typed (`report.facts`), and the facts read from the free
text (`incident.readings`). A person's answer wins over a reading of the same item; a reading a person
removed is gone; a reading a person confirmed or corrected counts as verified, any other reading is a
suggestion and is written only with a hedge. Amounts keep the report's own words ("puluhan", "dua"),
never a number Tanggap made up.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tanggap_drafter.patterns import SECURITY
from tanggap_drafter.wording import clean_fact
from tanggap_shared.events import Fact, IncidentClassified, ReadFact

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
# A phrase that starts with a verb (me-, ber-, ter-, di- prefixed), not a noun ("kerusuhan").
_VERB = re.compile(
    r"(?i)^(?!berita|dinding|dinas|direktur|desa|meja|menteri|terminal|teras)(?:me|ber|ter|di)[a-z]{4,}\b"
)
# A report's verb for the event, as the noun a sentence "berupa …" needs.
EVENT_NOUNS = {
    "kabur": "pelarian", "melarikan diri": "pelarian", "lari": "pelarian", "lolos": "pelarian",
    "ricuh": "kericuhan", "rusuh": "kerusuhan", "bentrok": "bentrokan", "berkelahi": "perkelahian",
    "terbakar": "kebakaran", "dibakar": "pembakaran", "tewas": "kematian", "meninggal": "kematian",
    "meninggal dunia": "kematian", "dianiaya": "penganiayaan", "dikeroyok": "pengeroyokan",
    "diperas": "pemerasan", "mengamuk": "amukan", "gantung diri": "kematian",
}  # fmt: skip
# Counts of people by who they are, which repeat a count of what happened to them ("empat Anak").
_HEADCOUNTS = frozenset({"inmates", "children", "detainees", "visitors", "officers"})
_ROLES = frozenset(
    {"napi", "narapidana", "warga binaan", "wbp", "tahanan", "petugas", "sipir", "anak", "pengunjung"}
    | {"keluarga", "penghuni", "tersangka", "terdakwa"}
)
# How several readings of one item are joined ("Selasa" + "dini hari" + "pukul 03.00 WIB").
_JOIN = {"when": " ", "where": ", ", "who": " dan "}
_MAX_PARTS = 3

# What an amount counts (ReadFact.detail): the noun after the report's amount words, the predicate that
# says what happened to them, and the report's own words that already say it.
COUNTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "escapees": ("Warga Binaan", "melarikan diri", ("kabur", "lari", "lolos", "buron")),
    "deaths": ("orang", "meninggal dunia", ("tewas", "meninggal", "wafat", "mati", "korban jiwa")),
    "injuries": ("orang", "mengalami luka-luka", ("luka", "cedera")),
    "inmates": ("Warga Binaan", "", ()),
    "officers": ("petugas", "", ()),
    "detainees": ("tahanan", "", ()),
    "children": ("Anak", "", ()),
    "visitors": ("pengunjung", "", ()),
}


def lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


@dataclass(frozen=True)
class FactItem:
    key: str
    label: str
    text: str
    verified: bool
    sensitive: bool = False

    @property
    def clause(self) -> str | None:
        """The fact as a clause about "kejadian tersebut", or None for facts that never go in one."""
        prefix = _CLAUSE_PREFIX.get(self.key)
        if prefix is None:
            return None
        if self.key == "what" and self.text.lower() in EVENT_NOUNS:
            return prefix + EVENT_NOUNS[self.text.lower()]
        if self.key == "what" and _VERB.match(self.text):
            prefix = "berupa peristiwa "  # "berupa melarikan diri" is no Indonesian; a verb needs a noun
        return prefix + (lower_first(self.text) if self.key in _LOWER_FIRST else self.text)

    @property
    def phrase(self) -> str:
        """The fact as it continues a sentence ("... membenarkan telah terjadi <phrase>")."""
        return lower_first(self.text) if self.key in _LOWER_FIRST else self.text


@dataclass(frozen=True)
class AmountItem:
    """One amount as the report says it ("dua Warga Binaan melarikan diri"), verified or not."""

    counted: str
    text: str
    verified: bool


def place_words(event: IncidentClassified) -> list[str]:
    unit = event.unit
    return [unit.name, unit.city, unit.region_name]


def live_readings(event: IncidentClassified) -> list[ReadFact]:
    """Every read fact of the incident's reports that a person has not removed, in text order."""
    facts = [f for reading in event.readings for f in reading.facts if f.status != "removed"]
    return sorted(facts, key=lambda f: f.span.start if f.span is not None else 0)


def is_verified(fact: ReadFact) -> bool:
    return fact.verified or fact.status in ("confirmed", "corrected")


def _joined(key: str, values: Iterable[str]) -> str:
    parts: list[str] = []
    for value in values:
        low = value.lower()
        if any(low in p.lower() for p in parts):
            continue
        parts = [p for p in parts if p.lower() not in low]  # a longer reading covers a shorter one
        parts.append(value)
    parts = parts[:_MAX_PARTS]
    if key == "who" and len(parts) > 2:
        return ", ".join(parts[:-1]) + ", dan " + parts[-1]
    return _JOIN.get(key, "; ").join(parts)


def _from_readings(event: IncidentClassified, key: str, children: bool) -> Fact | None:
    read = [f for f in live_readings(event) if f.kind == key and f.value.strip()]
    if key == "who":
        # PPRA / UU SPPA Pasal 19: nothing that identifies an Anak. A bare role word ("napi") says
        # nothing an amount does not, and APH are who handles it, not who is involved.
        read = [] if children else [f for f in read if f.role != "aph" and f.value.lower() not in _ROLES]
    if not read:
        return None
    if key == "when":
        # The most precise time (a day or date over "subuh"), the first among equals (later ones are
        # usually follow-ups: "hingga Rabu sore").
        read = [max(read, key=lambda f: ("day" in f.detail) + ("date" in f.detail) * 2)]
    if key == "what":
        read = read[:1]  # the event itself, in the report's first phrase
    values = [_event_phrase(f.value.strip()) if key == "what" else f.value.strip() for f in read]
    return Fact(value=_joined(key, values), verified=all(map(is_verified, read)))


def _event_phrase(value: str) -> str:
    """A read event as a draft states it: a headline's Title Case lowered (it is no name), and a verb
    the report used turned into its noun ("kaburnya" → "pelarian"); a method of death becomes the death
    itself, never its manner (KEJ Pasal 4)."""
    words = value.split()
    if all(w[:1].isupper() for w in words) and not any(w.isupper() and len(w) > 1 for w in words):
        value = value.lower()
    key = value.lower().removesuffix("nya")
    return EVENT_NOUNS.get(key, EVENT_NOUNS.get(value.lower(), value))


def _sensitive_readings(event: IncidentClassified) -> list[str]:
    return [f.value for f in live_readings(event) if f.sensitive]


def gather_facts(event: IncidentClassified, children: bool) -> list[FactItem]:
    """The 5W+1H items a draft may use: a person's answer first, else the reading of the text."""
    known = place_words(event)
    secret = [s.lower() for s in _sensitive_readings(event)]
    items: list[FactItem] = []
    for key, label in FACT_LABELS.items():
        fact: Fact | None = getattr(event.report.facts, key)
        if fact is None or not fact.value.strip():
            fact = _from_readings(event, key, children)
        if fact is None:
            continue
        if key == "who" and children:
            # PPRA / UU SPPA Pasal 19: nothing that identifies an Anak, not even initials.
            continue
        text = clean_fact(fact.value, known)
        low = text.lower()
        # A place or phrase that is part of a sensitive reading ("tembok belakang" of "memanjat tembok
        # belakang") is as sensitive as the reading itself.
        sensitive = bool(SECURITY.search(text)) or any(s and (s in low or low in s) for s in secret)
        items.append(FactItem(key, label, text, fact.verified, sensitive=sensitive))
    return items


def _amount_text(fact: ReadFact, known: list[str]) -> str:
    """The report's phrase, completed with what is counted and what happened when it does not say so:
    "Dua" → "dua Warga Binaan melarikan diri"; "puluhan napi" → "puluhan Warga Binaan melarikan diri"."""
    value = clean_fact(fact.value, known)
    words = fact.amount.words.strip() if fact.amount is not None else ""
    noun, predicate, said = COUNTED.get(fact.detail, ("", "", ()))
    if words and value.lower() == words.lower() and noun:
        value = f"{words} {noun}"
    low = value.lower()
    if predicate and predicate not in low and not any(w in low for w in said):
        value = f"{value} {predicate}"
    return lower_first(value) if value[:1].isupper() and not value.isupper() else value


def gather_amounts(
    event: IncidentClassified, children: bool, counted_by_impact: set[str]
) -> list[AmountItem]:
    """Amounts and casualties read from the text, except what the impact answers already count."""
    known = place_words(event)
    items: list[AmountItem] = []
    seen: set[str] = set()
    said: set[str] = set()  # "empat Anak melarikan diri" and "empat anak binaan" are one count
    for fact in live_readings(event):
        if fact.kind not in ("amount", "casualty") or not fact.value.strip() or fact.sensitive:
            continue
        if fact.amount is None or not fact.amount.words.strip():
            continue  # "tewas" without a count is what happened, not an amount
        words = fact.amount.words.strip().lower() if fact.amount is not None else ""
        if fact.detail in counted_by_impact or fact.detail in seen:
            continue
        if words in said and fact.detail in _HEADCOUNTS:
            continue
        text = _amount_text(fact, known)
        if SECURITY.search(text):
            continue  # guard numbers are security detail, never an amount to publish
        seen.add(fact.detail)
        said.add(words)
        items.append(AmountItem(fact.detail, text, is_verified(fact)))
    return items


def reading_texts(event: IncidentClassified) -> list[str]:
    """Every read value as the report gives it and as a draft writes it (grounded sources)."""
    known = place_words(event)
    out: list[str] = []
    for fact in live_readings(event):
        out += [fact.value, clean_fact(fact.value, known)]
        if fact.amount is not None:
            out.append(fact.amount.words)
    out += [a.text for a in gather_amounts(event, False, set())]
    out += [f.text for f in gather_facts(event, False)]
    return out


def unverified_reading_texts(event: IncidentClassified) -> list[str]:
    """Suggested facts as a draft writes them, and single readings specific enough to recognise (a digit
    or three words: "pukul 03.00 WIB"), which may appear only in a hedged sentence."""
    known = place_words(event)
    answered = {key for key in FACT_LABELS if getattr(event.report.facts, key) is not None}
    facts = [f.text for f in gather_facts(event, False) if not f.verified]
    amounts = [a.text for a in gather_amounts(event, False, set()) if not a.verified]
    single = [
        clean_fact(f.value, known)
        for f in live_readings(event)
        if not is_verified(f)
        and f.kind not in ("source", "reach", *answered)
        and (any(c.isdigit() for c in f.value) or len(f.value.split()) >= 3)
    ]
    return [*facts, *amounts, *single]
