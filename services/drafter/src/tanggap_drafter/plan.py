"""Which draft kinds an incident gets, and in which order: the small YAML plan shipped in the package."""

from functools import cache
from importlib import resources
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import IncidentClassified


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Strict):
    min_level: int | None = Field(default=None, ge=1, le=4)
    max_level: int | None = Field(default=None, ge=1, le=4)
    categories: list[Category] | None = None
    any_category: list[Category] | None = None
    media_link: bool | None = None

    def holds(self, event: IncidentClassified, *, media_link: bool) -> bool:
        categories = {event.category, *event.secondary_categories}
        return (
            (self.min_level is None or event.level >= self.min_level)
            and (self.max_level is None or event.level <= self.max_level)
            and (self.categories is None or event.category in self.categories)
            and (self.any_category is None or bool(categories & set(self.any_category)))
            and (self.media_link is None or self.media_link == media_link)
        )


class Entry(_Strict):
    kind: DraftKind
    when: list[Condition] | None = None


class DraftPlan(_Strict):
    version: Literal[1]
    kinds: list[Entry]
    on_request_only: list[DraftKind]
    dpo_categories: list[Category]
    on_close: list[DraftKind]
    social_hosts: list[str]

    def kinds_for(self, event: IncidentClassified) -> list[DraftKind]:
        """The kinds to draft for a classified incident, in order; none for a non-crisis."""
        if not event.crisis:
            return []
        linked = any(self.is_media_link(link) for link in event.report.links)
        chosen = [
            e.kind
            for e in self.kinds
            if e.when is None or any(c.holds(event, media_link=linked) for c in e.when)
        ]
        return list(dict.fromkeys(chosen))

    def is_media_link(self, link: str) -> bool:
        """An http(s) link whose host is not a social platform: an article of a media outlet."""
        parts = urlsplit(link.strip())
        host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
        if parts.scheme not in ("http", "https") or not host:
            return False
        return not any(host == s or host.endswith("." + s) for s in self.social_hosts)

    def dpo_allowed(self, event: IncidentClassified) -> bool:
        return bool({event.category, *event.secondary_categories} & set(self.dpo_categories))


@cache
def load_plan() -> DraftPlan:
    source = resources.files("tanggap_drafter").joinpath("plan.yaml")
    return DraftPlan.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
