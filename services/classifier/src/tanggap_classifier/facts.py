"""What the classifier may know besides the report text: facts an LLM extracted and a media spike.

Pure data models (no I/O) shared by the engine, the LLM assessor and the handlers.
"""

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import FactKind, FactRole

MAX_LLM_FACTS = 40
MAX_QUOTE_CHARS = 300


class LlmReadFact(BaseModel):
    """One fact an LLM proposes, in the terms of `ReadFact` (issue 12); the span is never taken from
    the model: the classifier finds `quote` in the text itself, and drops the fact when it is not there."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: FactKind = Field(description="what, when, where, who, amount, casualty, how, source or reach.")
    quote: str = Field(
        description="The report's own words for this fact, copied exactly (same spelling and case)."
    )
    detail: str = Field(
        description="when: day|date|part_of_day|clock|relative; amount/casualty: escapees|deaths|injuries|"
        "inmates|officers|items; where: block|room|area; source: media|aph|public|social|internal; "
        "reach: internal|local|regional|national; otherwise empty."
    )
    role: FactRole | None = Field(
        description="who: warga_binaan, tahanan, anak, petugas, pengunjung, keluarga or aph; else null."
    )
    sensitive: bool = Field(
        description="True for a method of escape or a weakness of the building (never made public)."
    )

    @field_validator("quote")
    @classmethod
    def _bounded_quote(cls, value: str) -> str:
        # A quote longer than a sentence is not a fact; an empty one cannot be found: both are dropped.
        return value if len(value) <= MAX_QUOTE_CHARS else ""


class LlmFacts(BaseModel):
    """Facts and impact an LLM read from the free text; also the LLM's structured-output schema.

    Every field is required and nullable, as OpenAI's strict json_schema mode demands; null means "the
    text does not say". Bounds are checked here rather than in the schema, because some
    OpenAI-compatible servers reject `minimum` in a strict schema.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    deaths: int | None = Field(description="People who died, as stated in the text; null if not stated.")
    injuries: int | None = Field(description="People injured; null if not stated.")
    escapees: int | None = Field(description="Inmates who escaped and are (or were) outside; null if none.")
    media_reach: MediaReach | None = Field(
        description="internal, local, regional or national (national media or viral); null if unknown."
    )
    children_involved: bool | None = Field(description="Children (anak, LPKA) involved; null if unknown.")
    officers_involved: bool | None = Field(
        description="Officers (petugas/sipir) are the alleged perpetrators; null if unknown."
    )
    video_exists: bool | None = Field(description="A video or recording of the event exists.")
    categories: list[Category] = Field(
        description="Category codes that describe the event, most relevant first."
    )
    # default_factory keeps a default out of the strict json_schema (which must list every key), while
    # an answer without facts, or one stored before facts were asked for, still validates.
    facts: list[LlmReadFact] = Field(
        default_factory=list,
        description="Facts stated in the text, each quoting the report's exact words; [] when none.",
    )

    @field_validator("facts", mode="before")
    @classmethod
    def _valid_facts(cls, value: object) -> object:
        # One malformed fact is dropped alone: it must not cost the counts and categories beside it.
        if not isinstance(value, list):
            return []
        kept: list[LlmReadFact] = []
        for item in value[:MAX_LLM_FACTS]:
            try:
                kept.append(LlmReadFact.model_validate(item))
            except ValidationError:
                continue
        return kept

    @field_validator("deaths", "injuries", "escapees")
    @classmethod
    def _count(cls, value: int | None) -> int | None:
        # A negative or absurd count is a bad answer for that field only: treat it as "not stated".
        if value is None or value < 0 or value > 100_000:
            return None
        return value

    def described(self) -> str:
        """The non-empty answers, for a reason line ("meninggal=1, video=ya")."""
        parts = [
            f"{label}={value}"
            for label, value in (
                ("meninggal", self.deaths),
                ("luka", self.injuries),
                ("kabur", self.escapees),
                ("sebaran", self.media_reach.value if self.media_reach else None),
            )
            if value is not None
        ]
        flags = (
            ("anak", self.children_involved),
            ("petugas pelaku", self.officers_involved),
            ("video", self.video_exists),
        )
        parts += [f"{label}={'ya' if value else 'tidak'}" for label, value in flags if value is not None]
        if self.categories:
            parts.append("kategori=" + "/".join(c.value for c in self.categories))
        return ", ".join(parts) or "tidak ada fakta tambahan"


class Spike(BaseModel):
    """A spike of negative coverage of the unit (from `media.spike_detected`)."""

    model_config = ConfigDict(frozen=True)

    negative_count: int = Field(ge=0)
    baseline: float = Field(ge=0)
    window_hours: int = Field(ge=1)

    def described(self) -> str:
        return (
            f"{self.negative_count} berita negatif dalam {self.window_hours} jam (biasanya {self.baseline:g})"
        )


class Context(BaseModel):
    """Inputs beyond the report: LLM facts (or why the LLM was not used) and a media spike."""

    model_config = ConfigDict(frozen=True)

    llm: LlmFacts | None = None
    assessor_failure: str | None = Field(
        default=None, description="Why a configured LLM assessor gave no usable answer (Indonesian)."
    )
    spike: Spike | None = None
    report_count: int = Field(default=1, ge=1)
