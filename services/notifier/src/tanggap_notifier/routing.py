"""Who is told, by level (DOMAIN.md §6.2), with the fallback up the tiers when a roster has a gap.

Pure logic: the policy comes from a versioned YAML file, the people from the directory.
"""

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tanggap_notifier.directory import Directory, Person
from tanggap_shared.contracts import Role, Tier

LEVELS = (1, 2, 3, 4)
Level = Annotated[int, Field(ge=1, le=4)]


class RoutingError(ValueError):
    """The routing policy file cannot be used."""


class Target(BaseModel):
    """A role at a tier; the place (unit, region) comes from the incident."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: Tier
    role: Role


class RoutingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    incident_classified: dict[Level, list[Target]] = Field(description="Who is told of a crisis, by level.")
    draft_proposed: dict[Level, Target] = Field(description="Who approves a draft, by level.")
    fallback: dict[Tier, list[Target]] = Field(description="Who stands in, tier by tier, for a missing role.")

    @model_validator(mode="after")
    def _every_level_routed(self) -> Self:
        for name, table in (
            ("incident_classified", self.incident_classified),
            ("draft_proposed", self.draft_proposed),
        ):
            missing = [level for level in LEVELS if level not in table]
            if missing:
                raise ValueError(f"{name} has no entry for level(s) {missing}")
        empty = [level for level, targets in self.incident_classified.items() if not targets]
        if empty:
            raise ValueError(f"incident_classified names nobody for level(s) {empty}: a crisis must be told")
        return self


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
    """One recipient, with the roster gaps they stand in for (empty when told in their own right)."""

    person: Person
    stands_in_for: list[Gap] = field(default_factory=list)

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


def resolve(
    targets: list[Target], *, directory: Directory, policy: RoutingPolicy, unit: str, region: str
) -> list[Routed]:
    """The people to tell for these targets, one entry per person, in target order."""
    chosen: dict[str, Routed] = {}
    for target in targets:
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
        return RoutingPolicy.model_validate(yaml.safe_load(text))
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingError(f"routing policy {source} cannot be read: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise RoutingError(f"routing policy {source} is invalid: {problems}") from None
