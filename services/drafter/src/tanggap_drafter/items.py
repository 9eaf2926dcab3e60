"""Library items: approved key messages, stock statements and approved drafts, with their provenance.

Two uses, kept apart by `reuse`:
- "verbatim": curated, fact-free text (the starter set, imports) that a template may paste as it is;
- "example": a draft a human approved for one incident (the learning loop). It carries that incident's
  facts, so it is cited and shown to the LLM as an example, never pasted into another incident's draft.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from tanggap_shared.contracts import Category, DraftKind

KEY_MESSAGE = "key_message"
ITEM_KINDS = frozenset({KEY_MESSAGE, *(k.value for k in DraftKind)})

# Point ids must be UUIDs or integers in Qdrant; a fixed namespace keeps them stable across restarts.
_POINT_NAMESPACE = uuid.UUID("8f1d3c52-6a0e-4d2b-9c11-2f5e7b4a9d30")


class LibraryItem(BaseModel):
    """An approved, reusable message; `level`, `unit`, `region` narrow where it applies (None: anywhere).

    `kind` is "key_message" or a draft kind (DOMAIN.md §6.7) the text was written for.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    title: str
    text: str
    category: Category
    kind: str
    level: int | None = None
    unit: str | None = None
    region: str | None = None
    approved_by: str
    approved_at: datetime | None = None
    source_incident: uuid.UUID | None = None
    draft_id: uuid.UUID | None = None
    reuse: Literal["verbatim", "example"] = "verbatim"
    # "generic": fit for an incident of any category (no category's message in it); "category": only for
    # incidents of `category`. Items stored before this field existed count as "category".
    applies: Literal["category", "generic"] = "category"

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in ITEM_KINDS:
            raise ValueError(f"unknown library item kind {value!r}")
        return value

    @property
    def point_id(self) -> str:
        return point_id_for(self.id)

    def document(self) -> str:
        """The text the vectors are computed from."""
        return f"{self.title}. {self.text}"

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def point_id_for(item_id: str) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, item_id))


def parse_jsonl(text: str) -> list[LibraryItem]:
    """Items of a JSONL text; blank lines are allowed, anything invalid raises with its line number."""
    items: list[LibraryItem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(LibraryItem.model_validate_json(line))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    return items


def to_jsonl(items: Iterable[LibraryItem]) -> str:
    return "".join(item.model_dump_json(exclude_none=False) + "\n" for item in items)


def read_jsonl(path: Path) -> list[LibraryItem]:
    return parse_jsonl(path.read_text(encoding="utf-8"))


def load_starter() -> list[LibraryItem]:
    """The starter library shipped in the package (library/starter.jsonl)."""
    source = resources.files("tanggap_drafter").joinpath("library", "starter.jsonl")
    return parse_jsonl(source.read_text(encoding="utf-8"))
