"""The crisis-team directory: who holds which role at which unit, region or the centre (DOMAIN.md §6.5)."""

import csv
import io
from importlib import resources
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tanggap_shared.contracts import Role, Tier

CODE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"


class DirectoryError(ValueError):
    """The directory file cannot be used; the message names the file and every problem in it."""


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str = Field(min_length=1)
    role: Role
    tier: Tier
    unit: str | None = Field(default=None, pattern=CODE_PATTERN)
    region: str | None = Field(default=None, pattern=CODE_PATTERN)
    deputies: list[str] = Field(
        default=[], description="Person ids paged, in order, when every channel fails."
    )
    channels: list[str] = Field(default=[], description="Apprise URLs in the order to try; empty: default.")

    @model_validator(mode="after")
    def _place_matches_tier(self) -> Self:
        if self.tier is Tier.UPT and (self.unit is None or self.region is not None):
            raise ValueError("a person at tier 'upt' needs `unit` (a unit code) and no `region`")
        if self.tier is Tier.REGION and (self.region is None or self.unit is not None):
            raise ValueError("a person at tier 'region' needs `region` (a region code) and no `unit`")
        if self.tier is Tier.CENTRE and (self.unit is not None or self.region is not None):
            raise ValueError("a person at tier 'centre' has neither `unit` nor `region`")
        for url in self.channels:
            if "://" not in url:
                raise ValueError(f"channel {url!r} is not an Apprise URL (schema://…)")
        if self.id in self.deputies:
            raise ValueError("a person cannot be their own deputy")
        return self

    @property
    def place(self) -> str:
        """The unit code, the region code or "centre"."""
        return self.unit or self.region or "centre"


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    people: list[Person]

    @model_validator(mode="after")
    def _ids_unique_and_last_resort_present(self) -> Self:
        seen: set[str] = set()
        for person in self.people:
            if person.id in seen:
                raise ValueError(f"person id {person.id!r} appears more than once")
            seen.add(person.id)
        for person in self.people:
            unknown = [d for d in person.deputies if d not in seen]
            if unknown:
                raise ValueError(f"deputies of {person.id!r} are not in the directory: {', '.join(unknown)}")
        # Every fallback chain ends at the centre, so an incident can always be announced somewhere.
        if not any(p.tier is Tier.CENTRE for p in self.people):
            raise ValueError("the directory names nobody at tier 'centre' (Ditjenpas), the last resort")
        return self

    def find(self, *, tier: Tier, role: Role, unit: str = "", region: str = "") -> list[Person]:
        """The people holding `role` at the given place (unit for upt, region for region tier)."""
        return [p for p in self.people if p.tier is tier and p.role is role and _at(p, tier, unit, region)]

    def get(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def at_centre(self) -> list[Person]:
        return [p for p in self.people if p.tier is Tier.CENTRE]

    def all_channels(self) -> list[str]:
        return [url for p in self.people for url in p.channels]


def _at(person: Person, tier: Tier, unit: str, region: str) -> bool:
    if tier is Tier.UPT:
        return person.unit == unit
    if tier is Tier.REGION:
        return person.region == region
    return True


def parse_directory(data: Any, *, source: str) -> Directory:
    try:
        return Directory.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise DirectoryError(f"crisis-team directory {source} is invalid: {problems}") from None


CSV_COLUMNS = ("id", "name", "role", "tier", "unit", "region", "deputies", "channels")


def rows_from_csv(text: str, *, source: str) -> list[dict[str, Any]]:
    """People from a CSV export of a roster sheet; `deputies` and `channels` are space-separated lists.

    Spaces separate because an Apprise URL may hold commas (several e-mail addresses) but never a space.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in ("id", "name", "role", "tier") if name not in header]
    if missing:
        raise DirectoryError(f"crisis-team directory {source} lacks the column(s) {', '.join(missing)}")
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise DirectoryError(
            f"crisis-team directory {source} has unknown column(s) {', '.join(unknown)}; "
            f"known: {', '.join(CSV_COLUMNS)}"
        )
    people: list[dict[str, Any]] = []
    for raw in reader:
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        person: dict[str, Any] = {k: row[k] for k in ("id", "name", "role", "tier")}
        for place in ("unit", "region"):
            if row.get(place):
                person[place] = row[place]
        person["deputies"] = row.get("deputies", "").split()
        person["channels"] = row.get("channels", "").split()
        people.append(person)
    return people


def read_people(path: Path) -> list[dict[str, Any]]:
    """The raw people of a YAML (`people:` list) or CSV file, not yet validated."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError(f"crisis-team directory {source} cannot be read: {exc}") from None
    if path.suffix.lower() == ".csv":
        return rows_from_csv(text, source=source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DirectoryError(f"crisis-team directory {source} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise DirectoryError(f"crisis-team directory {source} must be a mapping with a `people:` list")
    return list(data["people"])


def load_directory(path: Path | None = None) -> Directory:
    """Read and validate a directory file, YAML or CSV (the packaged sample when `path` is None)."""
    if path is None:
        text = resources.files("tanggap_notifier").joinpath("crisis_team.yaml").read_text(encoding="utf-8")
        return parse_directory(yaml.safe_load(text), source="crisis_team.yaml (packaged sample)")
    return parse_directory({"people": read_people(path)}, source=str(path))


if __name__ == "__main__":  # `python -m tanggap_notifier.directory import FILE`
    from tanggap_notifier.directory_cli import main

    main()
