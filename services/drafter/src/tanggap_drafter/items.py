"""Library items: approved key messages and stock statements, and the starter set shipped with the package."""

import uuid
from datetime import datetime
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tanggap_shared.contracts import Category

ItemKind = Literal["key_message", "holding_statement"]

# Point ids must be UUIDs or integers in Qdrant; a fixed namespace keeps them stable across restarts.
_POINT_NAMESPACE = uuid.UUID("8f1d3c52-6a0e-4d2b-9c11-2f5e7b4a9d30")


class LibraryItem(BaseModel):
    """An approved, reusable message; `level`, `unit`, `region` narrow where it applies (None: anywhere)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    title: str
    text: str
    category: Category
    kind: ItemKind
    level: int | None = None
    unit: str | None = None
    region: str | None = None
    approved_by: str
    approved_at: datetime | None = None
    source_incident: uuid.UUID | None = None

    @property
    def point_id(self) -> str:
        return str(uuid.uuid5(_POINT_NAMESPACE, self.id))

    def document(self) -> str:
        """The text the vectors are computed from."""
        return f"{self.title}. {self.text}"

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def load_starter() -> list[LibraryItem]:
    """The starter library shipped in the package (library/starter.jsonl)."""
    source = resources.files("tanggap_drafter").joinpath("library", "starter.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()
    return [LibraryItem.model_validate_json(line) for line in lines if line.strip()]
