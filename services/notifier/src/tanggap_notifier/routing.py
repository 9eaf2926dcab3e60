"""Who is told, by level (DOMAIN.md §6.2), with the fallback up the tiers when a roster has a gap.

Pure logic: the policy comes from a versioned YAML file, the people from the directory.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tanggap_notifier.directory import Directory, Person
from tanggap_shared.contracts import DraftKind, Role, Tier

LEVELS = (1, 2, 3, 4)
NOTICE_KINDS = (
    "incident_new",
    "level_raised",
    "draft_proposed",
    "draft_approved",
    "deadline_approaching",
    "deadline_missed",
    "incident_closed",
    "escalation",
    "digest",
    "triage_needed",
    "approval_request",
)
# `draft_proposed` names the approver table of the policy (and stays valid in requires_ack and
# exempt_kinds); what goes out is one `approval_request` per incident and approver, which the policy's
# `draft_proposed` settings govern. It has no templates of its own.
POLICY_KIND = {"approval_request": "draft_proposed"}
TEMPLATE_KINDS = tuple(kind for kind in NOTICE_KINDS if kind != "draft_proposed")
Level = Annotated[int, Field(ge=1, le=4)]


class RoutingError(ValueError):
    """The routing policy file cannot be used."""


class Target(BaseModel):
    """A role at a tier; the place (unit, region) comes from the incident.

    `at: mentor` names the region's mentor unit (a pilot UPT, see `mentors`) instead of the incident's
    own unit; such a target is optional: nobody stands in when the mentor unit has nobody in that role.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: Tier
    role: Role
    at: Literal["incident", "mentor"] = "incident"

    @model_validator(mode="after")
    def _mentor_is_a_unit(self) -> Self:
        if self.at == "mentor" and self.tier is not Tier.UPT:
            raise ValueError("`at: mentor` names a unit, so its tier must be 'upt'")
        return self


ByLevel = dict[Level, list[Target]]


class EscalationStep(BaseModel):
    """Who is paged when nobody acknowledged: the unacknowledged people's deputies, or roles higher up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deputies: bool = False
    targets: list[Target] = []

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if self.deputies == bool(self.targets):
            raise ValueError("an escalation step is either `deputies: true` or a list of `targets`")
        return self


class Escalation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ack_minutes: dict[Level, float | None] = Field(
        description="Time to acknowledge a page before the next step; null: no escalation at that level."
    )
    requires_ack: list[str] = Field(description="Notice kinds whose pages are escalated if unacknowledged.")
    steps: list[EscalationStep] = Field(min_length=1)


class Deadlines(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    warn_at: float = Field(default=0.75, gt=0, lt=1, description="Share of the time after which to warn.")
    levels: list[Level] = Field(description="Levels whose deadlines are watched.")
    satisfied_by: dict[str, DraftKind] = Field(
        description="Deadline name (classifier policy) → the draft kind whose approval meets it."
    )


class RateLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_messages: int = Field(ge=1, description="Pages per person within the window; more go to a digest.")
    window_minutes: float = Field(gt=0)
    exempt_from_level: int = Field(
        ge=1, le=5, description="Pages of this level and above are never held back (5: none exempt)."
    )
    exempt_kinds: list[str] = Field(
        default=["incident_new", "level_raised", "escalation", "deadline_missed"],
        description="Notices never held back: a crisis reaches its team at once, whatever else is queued.",
    )

    @field_validator("exempt_kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        unknown = sorted(set(kinds) - set(NOTICE_KINDS))
        if unknown:
            raise ValueError(f"unknown notice kinds {unknown}; known: {', '.join(NOTICE_KINDS)}")
        return kinds


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: list[Level] = Field(description="Levels that go to a digest instead of paging.")
    interval_minutes: dict[Tier, float] = Field(
        description="How long a digest collects, by the person's tier."
    )


class RoutingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    incident_classified: ByLevel = Field(description="Who is told of a crisis, by level.")
    draft_proposed: dict[Level, Target] = Field(description="Who approves a draft, by level.")
    draft_approved: ByLevel = Field(description="Who is told that a statement was approved.")
    deadline_approaching: ByLevel
    deadline_missed: ByLevel
    incident_closed: ByLevel
    triage_needed: list[Target] = Field(
        default=[Target(tier=Tier.UPT, role=Role.KOORDINATOR_HUMAS)],
        min_length=1,
        description="Who decides a 'perlu ditinjau' incident (crisis or not); the fallback covers a gap.",
    )
    mentors: dict[str, str] = Field(default={}, description="Region code → the unit code of its mentor UPT.")
    fallback: dict[Tier, list[Target]] = Field(description="Who stands in, tier by tier, for a missing role.")
    escalation: Escalation
    deadlines: Deadlines
    rate_limit: RateLimit
    digest: Digest

    @model_validator(mode="after")
    def _every_level_routed(self) -> Self:
        tables: list[tuple[str, Mapping[int, object]]] = [
            ("incident_classified", self.incident_classified),
            ("draft_proposed", self.draft_proposed),
            ("draft_approved", self.draft_approved),
            ("deadline_approaching", self.deadline_approaching),
            ("deadline_missed", self.deadline_missed),
            ("incident_closed", self.incident_closed),
            ("escalation.ack_minutes", self.escalation.ack_minutes),
        ]
        for name, table in tables:
            missing = [level for level in LEVELS if level not in table]
            if missing:
                raise ValueError(f"{name} has no entry for level(s) {missing}")
        empty = [level for level, targets in self.incident_classified.items() if not targets]
        if empty:
            raise ValueError(f"incident_classified names nobody for level(s) {empty}: a crisis must be told")
        unknown = sorted(set(self.escalation.requires_ack) - set(NOTICE_KINDS))
        if unknown:
            raise ValueError(
                f"escalation.requires_ack has unknown kinds {unknown}; known: {list(NOTICE_KINDS)}"
            )
        return self

    def targets_for(self, kind: str, level: int) -> list[Target]:
        """The targets of a notice kind at a level (draft approval: the one approver)."""
        kind = policy_kind(kind)
        if kind in ("incident_new", "level_raised"):
            return self.incident_classified[level]
        if kind == "draft_proposed":
            return [self.draft_proposed[level]]
        if kind == "triage_needed":
            return list(self.triage_needed)
        table: ByLevel = getattr(self, kind)
        return table[level]


def policy_kind(kind: str) -> str:
    """The name the routing policy knows a notice kind by."""
    return POLICY_KIND.get(kind, kind)


@dataclass(frozen=True)
class Gap:
    """A role nobody holds at a place, so someone higher up was told instead."""

    place: str
    role: Role

    @property
    def note(self) -> str:
        return f"roster gap: {self.place} has no {self.role.value}"


@dataclass
class Routed:
    """One recipient, with the roster gaps they stand in for (empty when told in their own right).

    `acting_role` is set when the person is told in another capacity than their directory role: the
    mentor unit's Ketua acts as the incident's Mentor.
    """

    person: Person
    stands_in_for: list[Gap] = field(default_factory=list)
    acting_role: Role | None = None

    @property
    def role(self) -> Role:
        return self.acting_role or self.person.role

    @property
    def gap_note(self) -> str:
        return "; ".join(gap.note for gap in self.stands_in_for)


def _place(target: Target, unit: str, region: str) -> str:
    if target.tier is Tier.UPT:
        return unit
    if target.tier is Tier.REGION:
        return f"region {region}"
    return "centre"


def _holders(directory: Directory, target: Target, unit: str, region: str) -> list[Person]:
    return directory.find(tier=target.tier, role=target.role, unit=unit, region=region)


def _stand_ins(
    directory: Directory, policy: RoutingPolicy, tier: Tier, unit: str, region: str
) -> list[Person]:
    """The first tier up that has someone on file; the centre as a whole is the last resort."""
    for target in policy.fallback.get(tier, []):
        people = _holders(directory, target, unit, region)
        if people:
            return people
    return directory.at_centre()


def _mentors(
    directory: Directory, policy: RoutingPolicy, target: Target, unit: str, region: str
) -> list[Person]:
    """The holders of the role at the region's mentor unit; nobody when the incident is at that unit."""
    mentor_unit = policy.mentors.get(region)
    if mentor_unit is None or mentor_unit == unit:
        return []
    return directory.find(tier=Tier.UPT, role=target.role, unit=mentor_unit)


def resolve(
    targets: list[Target], *, directory: Directory, policy: RoutingPolicy, unit: str, region: str
) -> list[Routed]:
    """The people to tell for these targets, one entry per person, in target order."""
    chosen: dict[str, Routed] = {}
    for target in targets:
        if target.at == "mentor":
            for person in _mentors(directory, policy, target, unit, region):
                chosen.setdefault(person.id, Routed(person, acting_role=Role.MENTOR))
            continue
        people = _holders(directory, target, unit, region)
        gap = None
        if not people:
            gap = Gap(place=_place(target, unit, region), role=target.role)
            people = _stand_ins(directory, policy, target.tier, unit, region)
        for person in people:
            routed = chosen.setdefault(person.id, Routed(person))
            if gap is not None and gap not in routed.stands_in_for:
                routed.stands_in_for.append(gap)
    return list(chosen.values())


def crisis_recipients(
    *, crisis: bool, level: int, directory: Directory, policy: RoutingPolicy, unit: str, region: str
) -> list[Routed]:
    """Who is told of a classified incident; nobody when it is not a crisis."""
    if not crisis:
        return []
    return resolve(
        policy.incident_classified[level], directory=directory, policy=policy, unit=unit, region=region
    )


def draft_approvers(
    *, level: int, directory: Directory, policy: RoutingPolicy, unit: str, region: str
) -> list[Routed]:
    """Who approves a draft of this level (or stands in for a missing approver)."""
    return resolve(
        [policy.draft_proposed[level]], directory=directory, policy=policy, unit=unit, region=region
    )


def load_policy(path: Path | None = None) -> RoutingPolicy:
    """Read and validate the routing policy (the packaged one when `path` is None)."""
    source = str(path) if path else "routing.yaml (packaged)"
    try:
        if path is None:
            text = resources.files("tanggap_notifier").joinpath("routing.yaml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, dict):  # `x-…` keys only hold YAML anchors for reuse
            data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
        return RoutingPolicy.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingError(f"routing policy {source} cannot be read: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise RoutingError(f"routing policy {source} is invalid: {problems}") from None
