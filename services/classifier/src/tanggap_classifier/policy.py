"""The classification policy: a versioned YAML data file, validated by pydantic at start.

The policy holds everything a Humas lead may want to tune without touching code (DOMAIN.md §6: "it
must be configurable"): the keyword lexicon per category, the positive-polarity phrases, the amplifiers,
the impact rules and modifiers of §6.2, and the response deadlines of §6.3. The grammar used to read the
text (tokens, numbers, negation scope) lives in `text.py`.
"""

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tanggap_classifier.text import phrase_tokens
from tanggap_shared.contracts import Category, MediaReach

POLICY_ENV_VAR = "TANGGAP_POLICY_FILE"
DEFAULT_POLICY_RESOURCE = "policy.yaml"

Level = Annotated[int, Field(ge=1, le=4)]
Phrase = Annotated[str, Field(min_length=1)]
SignalName = Literal["deaths", "escapees", "injuries"]
ModifierName = Literal["children_involved", "officers_involved", "video_exists", "recurrence"]
TextModifierName = Literal["children_involved", "officers_involved", "video_exists"]
DeadlineName = Literal["internal_notification", "holding_statement", "press_release"]
AxisName = Literal["korban", "keamanan", "sebaran", "pelaku", "kelompok_rentan", "dimensi_hukum"]
AXES: tuple[AxisName, ...] = ("korban", "keamanan", "sebaran", "pelaku", "kelompok_rentan", "dimensi_hukum")
Cluster = Literal["victim", "accidental", "preventable"]
Score = Annotated[int, Field(ge=0, le=3)]


class PolicyError(ValueError):
    """The policy file cannot be read or is invalid; the service must not start with it."""


class _Strict(BaseModel):
    # A typo in a policy key must fail loudly rather than silently switch a rule off.
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_phrases(phrases: Iterable[str]) -> None:
    for phrase in phrases:
        if not phrase_tokens(phrase):
            raise ValueError(f"phrase {phrase!r} has no letters or digits")


class Combo(_Strict):
    """A keyword made of two parts in one sentence: "sipir" with "ditangkap", "sel" with "mewah".

    Each part alone means little in prison news; together they name the category at `level`.
    """

    phrases: list[Phrase] = Field(min_length=1)
    requires: list[Phrase] = Field(min_length=1, description="One of these in the same sentence.")
    unless: list[Phrase] = Field(default=[], description="None of these in the same sentence.")
    level: Level

    @model_validator(mode="after")
    def _valid(self) -> "Combo":
        _check_phrases([*self.phrases, *self.requires, *self.unless])
        return self


class CategoryRule(_Strict):
    """Keywords of one category: `keywords` fire at `base_level`, `severe` ones at their own level."""

    name: str = Field(min_length=1, description="Indonesian name shown in reasons.")
    base_level: Level
    keywords: list[Phrase] = []
    severe: dict[Phrase, Level] = {}
    context: list[Phrase] = Field(
        default=[],
        description="Weak hints: pick this category when nothing specific matched; never a crisis.",
    )
    exclude: list[Phrase] = Field(
        default=[], description="Longer phrases that contain a keyword but mean something else."
    )
    combos: list[Combo] = Field(
        default=[], description="Two words that mean this category only together, in one sentence."
    )

    @model_validator(mode="after")
    def _valid_phrases(self) -> "CategoryRule":
        _check_phrases([*self.keywords, *self.severe, *self.context, *self.exclude])
        both = {phrase_tokens(p) for p in self.keywords} & {phrase_tokens(p) for p in self.severe}
        if both:
            raise ValueError(
                f"phrases listed in both keywords and severe: {sorted(' '.join(t) for t in both)}"
            )
        if not self.keywords and not self.severe and not self.context and not self.combos:
            raise ValueError("a category needs at least one keyword")
        return self


class PositiveRule(_Strict):
    """Good-news phrases that turn keyword matches of some categories into proactive news (polarity)."""

    code: str = Field(pattern=r"^[a-z_]+$")
    text: str = Field(min_length=1)
    phrases: list[Phrase] = Field(min_length=1)
    neutralises: list[Category] = []
    scope: Literal["sentence", "text"] = "sentence"
    max_level: Level = Field(
        default=2, description="Keywords above this level stay negative even in a good-news context."
    )
    unless: list[Phrase] = Field(
        default=[],
        description="Phrases that keep the news negative anywhere in the text ('positif narkoba').",
    )

    @model_validator(mode="after")
    def _valid(self) -> "PositiveRule":
        _check_phrases([*self.phrases, *self.unless])
        if Category.DEATH in self.neutralises:
            raise ValueError("a death can never be good news: remove 'death' from neutralises")
        return self


class BackgroundRule(_Strict):
    """Another unit's past event told as background ("belajar dari kebakaran Lapas Tangerang"): its
    keywords and its deaths are not this report's incident. Not good news either: with nothing else
    found, the report goes to a person as 'perlu ditinjau'."""

    text: str = Field(min_length=1)
    phrases: list[Phrase] = Field(min_length=1)
    unless: list[Phrase] = Field(default=[], description="The lesson is from this unit's own event.")
    categories: list[Category] = Field(min_length=1, description="Keywords of these are the background.")

    @model_validator(mode="after")
    def _valid(self) -> "BackgroundRule":
        _check_phrases([*self.phrases, *self.unless])
        return self


class AmplifierRule(_Strict):
    """Phrases that raise an actual incident to at least `level` (never make good news a crisis)."""

    code: str = Field(pattern=r"^[a-z_]+$")
    text: str = Field(min_length=1)
    phrases: list[Phrase] = Field(min_length=1)
    requires: list[Phrase] = Field(default=[], description="One of these must be in the same sentence.")
    also_requires: list[Phrase] = Field(
        default=[],
        description="And one of these too, in the same sentence (an APH, an arrest word, an officer).",
    )
    unless: list[Phrase] = Field(default=[], description="None of these may be in the same sentence.")
    level: Level

    @model_validator(mode="after")
    def _valid(self) -> "AmplifierRule":
        _check_phrases([*self.phrases, *self.requires, *self.also_requires, *self.unless])
        return self


class Tier(_Strict):
    """From `min` (people) upward, the level is at least `level`."""

    min: int = Field(ge=1)
    level: Level
    text: str = Field(min_length=1)


class ReachRule(_Strict):
    level: Level
    text: str = Field(min_length=1)


class ImpactRules(_Strict):
    """Impact answers of the self-assessment (and the same counts read from the text) → levels."""

    deaths: list[Tier] = Field(min_length=1)
    escapees: list[Tier] = Field(min_length=1)
    injuries: list[Tier] = Field(min_length=1)
    media_reach: dict[MediaReach, ReachRule]

    @field_validator("deaths", "escapees", "injuries")
    @classmethod
    def _ascending(cls, tiers: list[Tier]) -> list[Tier]:
        mins = [t.min for t in tiers]
        if mins != sorted(set(mins)):
            raise ValueError("tiers must have strictly increasing `min`")
        return tiers

    @field_validator("media_reach")
    @classmethod
    def _all_reaches(cls, rules: dict[MediaReach, ReachRule]) -> dict[MediaReach, ReachRule]:
        missing = set(MediaReach) - set(rules)
        if missing:
            raise ValueError(f"missing media_reach entries: {sorted(r.value for r in missing)}")
        return rules


class NaturalCauses(_Strict):
    """A single death from illness or old age is not "a death from violence, fire or a suspicious
    cause" (DOMAIN.md §6.2, level 3): it is held at `level` unless violence words are in the text."""

    text: str = Field(min_length=1)
    level: Level = 2
    phrases: list[Phrase] = Field(min_length=1)
    unless: list[Category] = Field(default=[], description="Negative keywords of these keep level 3.")
    suspicious: list[Phrase] = Field(
        default=[],
        description="Doubts about the cause ('kejanggalan', a family suspecting abuse) that keep level 3.",
    )
    tally: list[Phrase] = Field(
        default=[],
        description="A count over a period ('selama 2017', 'sepanjang tahun'): several deaths from illness "
        "over months are not the 'multiple fatalities' of one incident, so they are held at `level` too.",
    )

    @model_validator(mode="after")
    def _valid(self) -> "NaturalCauses":
        _check_phrases([*self.phrases, *self.suspicious, *self.tally])
        return self


class Unresolved(_Strict):
    """A signal whose outcome the text does not state is the worse case (an escape with no word on a
    recapture is 'an escape not recaptured', DOMAIN.md §6.2 level 3)."""

    text: str = Field(min_length=1)
    level: Level
    resolved_by: list[Phrase] = Field(min_length=1, description="Words that state the outcome.")
    unless: list[Phrase] = Field(default=[], description="A rumour not confirmed yet keeps the lower level.")

    @model_validator(mode="after")
    def _valid(self) -> "Unresolved":
        _check_phrases([*self.resolved_by, *self.unless])
        return self


class TextSignal(_Strict):
    """Words that mean a death/escape/injury happened; a count is read next to them ("dua napi kabur")."""

    phrases: list[Phrase] = Field(min_length=1)
    exclude: list[Phrase] = []
    natural_causes: NaturalCauses | None = None
    category: Category | None = Field(default=None, description="Category the signal implies.")
    fallback_category: Category | None = Field(
        default=None, description="Category to use only when no keyword or other signal names one."
    )
    unresolved: Unresolved | None = None

    @model_validator(mode="after")
    def _valid(self) -> "TextSignal":
        _check_phrases([*self.phrases, *self.exclude])
        return self


class ModifierRule(_Strict):
    text: str = Field(min_length=1)
    phrases: list[Phrase] = []
    unit_types: list[str] = Field(default=[], description="Unit types that imply the modifier (e.g. LPKA).")
    absorbed_by: list[str] = Field(
        default=[],
        description=(
            "Reason codes that already count this fact: when only these set the base level, the "
            "modifier adds nothing (a viral video is already 'viral')."
        ),
    )

    @model_validator(mode="after")
    def _valid(self) -> "ModifierRule":
        _check_phrases(self.phrases)
        return self


class RecurrenceRule(_Strict):
    text: str = Field(min_length=1)
    min_recent_incidents: int = Field(default=1, ge=1)
    absorbed_by: list[str] = []


class Modifiers(_Strict):
    """DOMAIN.md §6.2 "+1 level when any of these apply"; `stacking` adds one step per modifier instead."""

    step: int = Field(default=1, ge=1, le=3)
    stacking: bool = False
    children_involved: ModifierRule
    officers_involved: ModifierRule
    video_exists: ModifierRule
    recurrence: RecurrenceRule


class HoaxRule(_Strict):
    """DOMAIN.md §6.2 "cap at level 1 for a verified hoax with low reach"."""

    phrases: list[Phrase] = Field(min_length=1)
    cap_level: Level = 1
    max_reach: MediaReach = MediaReach.LOCAL
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> "HoaxRule":
        _check_phrases(self.phrases)
        return self


class Evidence(_Strict):
    """One way to reach an axis score; it holds when any of its non-empty parts holds."""

    phrases: list[Phrase] = []
    requires: list[Phrase] = Field(default=[], description="One of these in the same sentence as the phrase.")
    unless: list[Phrase] = Field(default=[], description="None of these in the same sentence as the phrase.")
    categories: list[Category] = Field(default=[], description="A negative keyword of these categories.")
    min_keyword_level: Level = 1
    signals: list[SignalName] = Field(
        default=[], description="A death/escape/injury signal whose level reaches the score's level."
    )
    modifiers: list[TextModifierName] = []
    reach: list[MediaReach] = Field(default=[], description="Media reach answered or extracted.")
    spike: bool = Field(default=False, description="The intake detected a spike of negative coverage.")
    label: str | None = Field(
        default=None,
        description="Shown instead of the score's label when this evidence is the first that holds "
        "(an escape with no word on recapture has not 'recovered').",
    )

    @model_validator(mode="after")
    def _valid(self) -> "Evidence":
        _check_phrases([*self.phrases, *self.requires, *self.unless])
        if (self.requires or self.unless) and not self.phrases:
            raise ValueError("`requires` and `unless` need `phrases`")
        return self


class AxisScore(_Strict):
    label: str = Field(min_length=1)
    level: Level
    evidence: list[Evidence] = []


class Axis(_Strict):
    """One input of the severity matrix (DOMAIN.md §6.2), scored 0-3; each score maps to a level."""

    name: str = Field(min_length=1)
    scores: dict[Score, AxisScore]
    hoax_counts: bool = Field(default=False, description="Still counted when the report is about a hoax.")

    @model_validator(mode="after")
    def _valid(self) -> "Axis":
        if 0 not in self.scores:
            raise ValueError("score 0 (nothing) must be defined")
        if self.scores[0].evidence:
            raise ValueError("score 0 is the default and takes no evidence")
        levels = [self.scores[k].level for k in sorted(self.scores)]
        if levels != sorted(levels):
            raise ValueError("a higher score must not map to a lower level")
        return self


class SeverityMatrix(_Strict):
    korban: Axis
    keamanan: Axis
    sebaran: Axis
    pelaku: Axis
    kelompok_rentan: Axis
    dimensi_hukum: Axis

    def axis(self, name: AxisName) -> Axis:
        axis: Axis = getattr(self, name)
        return axis


class ScctRules(_Strict):
    """Coombs' crisis clusters (DOMAIN.md §4.1) by primary category, with the two overriding facts."""

    categories: dict[Category, Cluster]
    officers: Cluster = "preventable"
    hoax: Cluster = "victim"
    natural_disaster: Cluster = "victim"
    natural_disaster_phrases: list[Phrase] = []
    advice: dict[Cluster, str]

    @model_validator(mode="after")
    def _valid(self) -> "ScctRules":
        _check_phrases(self.natural_disaster_phrases)
        missing = set(Category) - {Category.ROUTINE} - set(self.categories)
        if missing:
            raise ValueError(f"scct.categories missing: {sorted(c.value for c in missing)}")
        return self


class ConfidenceRules(_Strict):
    """How sure the classifier is (0-1): a base, plus or minus named, documented adjustments."""

    base: float = Field(ge=0, le=1)
    not_a_crisis_base: float = Field(ge=0, le=1)
    counted_evidence: float
    corroborated: float
    impact_answers: float
    verified_facts: float
    llm_consulted: float
    per_missing: float
    hedged: float
    mixed_polarity: float
    no_match: float
    minimum: float = Field(default=0.05, ge=0, le=1)
    maximum: float = Field(default=0.99, ge=0, le=1)
    hedges: list[Phrase] = []

    @model_validator(mode="after")
    def _valid(self) -> "ConfidenceRules":
        _check_phrases(self.hedges)
        return self


QuestionCode = Literal[
    "deaths",
    "death_cause",
    "injuries",
    "escapees",
    "recaptured",
    "media_reach",
    "video",
    "officers",
    "children",
    "verified",
    "hoax",
]


class WrongdoingSign(_Strict):
    """A sign that something wrong was found: `phrases`, with one of `requires` in the same sentence
    when given ("ditemukan" with "sel mewah"; "sipir" with "ditangkap")."""

    phrases: list[Phrase] = Field(min_length=1)
    requires: list[Phrase] = []
    unless: list[Phrase] = Field(
        default=[], description="None of these in the sentence: an officer catching a visitor is no sign."
    )

    @model_validator(mode="after")
    def _valid(self) -> "WrongdoingSign":
        _check_phrases([*self.phrases, *self.requires, *self.unless])
        return self


class ReviewRules(_Strict):
    """'Perlu ditinjau': a report that is not clearly a crisis, nor clearly routine, goes to a person.

    Only a report that clearly matches routine or positive news is closed as routine.
    """

    min_confidence: float = Field(
        ge=0, le=1, description="A non-crisis reading less sure than this goes to review."
    )
    context_only: bool = Field(
        default=True, description="Only weak topic hints matched (e.g. 'kunjungan'): send to review."
    )
    wrongdoing: list[WrongdoingSign] = Field(
        default=[],
        description="Signs of wrongdoing found: good-news words then neutralise nothing, and a report "
        "left without a crisis goes to review.",
    )


class TriageRules(_Strict):
    """A person's 'perlu ditinjau' decision (incident.triaged)."""

    crisis_min_level: Level = Field(
        default=2, description="A person said it is a crisis: at least this level, so the Kanwil hears of it."
    )
    hard_min_keyword_level: Level = Field(
        default=3, description="A keyword at this level or more lifts a 'not a crisis' decision."
    )


class MediaSpikeRule(_Strict):
    """`media.spike_detected` from the intake: negative coverage of the unit far above its baseline."""

    text: str = Field(min_length=1)


class Language(_Strict):
    """Lexicon the text reader needs besides the categories (regions may add local words)."""

    negators: list[Phrase] = Field(min_length=1, description="Negate the next term: 'tidak ada', 'tanpa'.")
    post_negators: list[Phrase] = Field(default=[], description="Negate the term before: 'nihil'.")
    person_nouns: list[Phrase] = Field(min_length=1, description="Nouns a count attaches to: napi, orang.")
    stemming: bool = Field(default=True, description="Also match inflected forms by their Sastrawi root.")
    stem_stoplist: list[Phrase] = Field(
        default=[], description="Words, or roots, that never match by root ('bina': 'warga binaan')."
    )

    @model_validator(mode="after")
    def _valid(self) -> "Language":
        _check_phrases([*self.negators, *self.post_negators, *self.person_nouns, *self.stem_stoplist])
        return self


class Policy(_Strict):
    """The whole classification policy (see policy.yaml for the meaning of each part)."""

    version: str = Field(min_length=1)
    category_priority: list[Category]
    consequence_categories: list[Category] = Field(
        default=[], description="Primary only when no other category matched (a death, how news spread)."
    )
    categories: dict[Category, CategoryRule]
    positive: list[PositiveRule] = []
    background: BackgroundRule | None = None
    amplifiers: list[AmplifierRule] = []
    text_signals: dict[SignalName, TextSignal]
    impact: ImpactRules
    modifiers: Modifiers
    hoax: HoaxRule
    language: Language
    deadlines: dict[Level, dict[DeadlineName, Annotated[int, Field(gt=0)]]]
    severity_matrix: SeverityMatrix
    scct: ScctRules
    confidence: ConfidenceRules
    questions: dict[QuestionCode, Annotated[str, Field(min_length=1)]]
    media_spike: MediaSpikeRule
    review: ReviewRules
    triage: TriageRules = TriageRules()

    @model_validator(mode="after")
    def _complete(self) -> "Policy":
        missing = set(Category) - set(self.categories)
        if missing:
            raise ValueError(f"categories missing: {sorted(c.value for c in missing)}")
        if sorted(self.category_priority) != sorted(Category):
            raise ValueError("category_priority must list every category code exactly once")
        routine = self.categories[Category.ROUTINE]
        if routine.base_level != 1 or routine.severe:
            raise ValueError("routine is good news: base_level must be 1 and it has no severe keywords")
        if set(self.deadlines) != {1, 2, 3, 4}:
            raise ValueError("deadlines must be given for levels 1, 2, 3 and 4")
        for name in ("deaths", "escapees", "injuries"):
            if name not in self.text_signals:
                raise ValueError(f"text_signals.{name} is missing")
        missing_questions = set(get_args(QuestionCode)) - set(self.questions)
        if missing_questions:
            raise ValueError(f"questions missing: {sorted(missing_questions)}")
        return self

    def priority(self, category: Category) -> int:
        """Lower is more important when two categories tie."""
        return self.category_priority.index(category)


def default_policy_path() -> Path:
    return Path(str(resources.files("tanggap_classifier").joinpath(DEFAULT_POLICY_RESOURCE)))


def load_policy(path: Path | str | None = None) -> Policy:
    """Load the policy from `path`, else $TANGGAP_POLICY_FILE, else the one shipped in the package."""
    chosen = Path(path or os.environ.get(POLICY_ENV_VAR) or default_policy_path())
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {chosen}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {chosen} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"policy file {chosen} must hold a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(f"policy file {chosen} is invalid:\n{_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  - {where}: {error['msg']}")
    return "\n".join(lines)
