"""What the key-message store needs from a vector engine, whichever engine holds the library.

An engine is synchronous: the store runs every call on its one dedicated thread, so an engine never sees
two callers at once and the event loop never waits on it. Filters come as a small engine-neutral tree
(`Where`), so the rules of what a search may return are written once, in the store, and each engine only
translates them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tanggap_drafter.lexical import Sparse

LEXICAL = "lexical"
DENSE = "dense"
# Reciprocal rank fusion constant: Qdrant's own default, so every engine fuses alike.
RRF_K = 2
# Candidates each ranking contributes to the fusion; more than `limit` so RRF has something to merge.
PREFETCH_FACTOR = 4

Payload = dict[str, Any]


class LibraryUnavailable(RuntimeError):
    """The library cannot be opened; the message says what to do."""


@dataclass(frozen=True)
class Is:
    """Payload `key` equals `value`."""

    key: str
    value: str


@dataclass(frozen=True)
class OneOf:
    """Payload `key` equals one of `values`."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Unset:
    """Payload `key` is null (the item applies anywhere)."""

    key: str


@dataclass(frozen=True)
class All:
    conditions: tuple["Where", ...]


@dataclass(frozen=True)
class Either:
    conditions: tuple["Where", ...]


Where = Is | OneOf | Unset | All | Either

# The payload fields searches filter on: indexed where the engine has payload indexes.
FILTERED_FIELDS = ("category", "kind", "reuse", "unit", "region", "applies")


@dataclass(frozen=True)
class QueryVectors:
    """A query as both rankings see it; `dense` is None without an embeddings model (or when it failed)."""

    sparse: Sparse
    dense: list[float] | None = None


Vector = Sparse | list[float]


@dataclass(frozen=True)
class StoredPoint:
    id: str
    sparse: Sparse
    dense: list[float] | None
    payload: Payload

    def vectors(self) -> dict[str, Vector]:
        """The point's named vectors: always the lexical one, the dense one when it was computed."""
        named: dict[str, Vector] = {LEXICAL: self.sparse}
        if self.dense is not None:
            named[DENSE] = self.dense
        return named


def rankings(query: QueryVectors, *, dense: bool) -> list[tuple[str, Vector]]:
    """The rankings a query runs, by vector name: lexical when it has a term, dense when asked and
    available. None means nothing to search; two are fused by RRF."""
    found: list[tuple[str, Vector]] = []
    if query.sparse.indices:
        found.append((LEXICAL, query.sparse))
    if dense and query.dense is not None:
        found.append((DENSE, query.dense))
    return found


def page(payloads: Iterable[Payload | None], next_offset: object) -> tuple[list[Payload], str | None]:
    """A scroll page as the store reads it: the payloads, and the next offset as a string."""
    return [p for p in payloads if p is not None], str(next_offset) if next_offset is not None else None


class Engine(Protocol):
    """One collection of points with a sparse "lexical" vector and, optionally, a dense one."""

    def describe(self) -> str: ...

    def connect(self) -> None:
        """Open the engine; raises LibraryUnavailable with advice when it cannot."""

    def close(self) -> None: ...

    def exists(self) -> bool: ...

    def create(self, dense_size: int | None) -> None: ...

    def drop(self) -> None: ...

    def dense_size(self) -> int | None:
        """The size of the existing collection's dense vectors, None if it has none."""

    def count(self) -> int: ...

    def upsert(self, points: Sequence[StoredPoint]) -> None: ...

    def payload(self, point_id: str) -> Payload | None: ...

    def scroll(self, where: Where | None, limit: int, offset: str | None) -> tuple[list[Payload], str | None]:
        """Up to `limit` payloads in point-id order from `offset`, and the offset of the next page."""

    def query(
        self, query: QueryVectors, where: Where | None, limit: int, *, dense: bool
    ) -> list[tuple[Payload, float]]:
        """The best `limit` points by the lexical ranking, fused by RRF with the dense one when `dense`."""
