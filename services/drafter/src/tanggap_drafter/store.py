"""The key-message library in Qdrant: local on-disk mode by default, a Qdrant server when a URL is set.

Each point carries named vectors. Today there is one, the sparse "lexical" vector (term frequencies
computed here, IDF applied by Qdrant, identical in local mode and on a server). A dense vector is meant to
join it later under its own name in `_vectors_config`/`_point_vectors`, with `search` fusing both (RRF).

Local mode allows one client per path in the whole machine: exactly one drafter process owns it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog
from qdrant_client import AsyncQdrantClient, models

from tanggap_drafter.items import LibraryItem
from tanggap_drafter.lexical import Sparse, sparse_vector
from tanggap_shared.contracts import Category
from tanggap_shared.events import LibraryRef

log = structlog.get_logger("tanggap.drafter")

COLLECTION = "key_messages"
LEXICAL = "lexical"
MEMORY = ":memory:"


@dataclass(frozen=True)
class Retrieved:
    """A library item found for a query, with its relevance score (0.0 when added for its category only)."""

    item: LibraryItem
    score: float

    def ref(self) -> LibraryRef:
        return LibraryRef(id=self.item.id, title=self.item.title, score=round(self.score, 4))


@dataclass(frozen=True)
class QdrantTarget:
    """Where the library lives: a server URL, a local folder, or memory (tests)."""

    url: str | None = None
    api_key: str | None = None
    path: Path | None = None

    def client(self) -> AsyncQdrantClient:
        if self.url:
            return AsyncQdrantClient(url=self.url, api_key=self.api_key)
        if self.path is None or str(self.path) == MEMORY:
            return AsyncQdrantClient(location=MEMORY)
        self.path.mkdir(parents=True, exist_ok=True)
        return AsyncQdrantClient(path=str(self.path))

    def describe(self) -> str:
        return self.url or str(self.path or MEMORY)


def _vectors_config() -> dict[str, models.SparseVectorParams]:
    return {LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)}


def _as_qdrant(vector: Sparse) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _point_vectors(item: LibraryItem) -> dict[str, models.Vector]:
    return {LEXICAL: _as_qdrant(sparse_vector(item.document()))}


def _category_filter(category: Category) -> models.Filter:
    condition = models.FieldCondition(key="category", match=models.MatchValue(value=category))
    return models.Filter(must=[condition])


class KeyMessageStore:
    """Open, seed and query the library; `open` and `close` belong to the service's lifespan."""

    def __init__(self, target: QdrantTarget, *, collection: str = COLLECTION) -> None:
        self._target = target
        self._collection = collection
        self._client: AsyncQdrantClient | None = None

    @property
    def client(self) -> AsyncQdrantClient:
        if self._client is None:
            raise RuntimeError("the key-message store is not open")
        return self._client

    async def open(self, seed: list[LibraryItem] | None = None) -> None:
        """Connect, create the collection if missing, and seed it when it is empty."""
        self._client = self._target.client()
        if not await self._client.collection_exists(self._collection):
            await self._client.create_collection(
                self._collection, vectors_config={}, sparse_vectors_config=_vectors_config()
            )
        seeded = await self.seed(seed or [])
        log.info("drafter.library_opened", target=self._target.describe(), seeded=seeded)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def count(self) -> int:
        return (await self.client.count(self._collection, exact=True)).count

    async def seed(self, items: list[LibraryItem]) -> int:
        """Add `items` only to an empty collection, so a restart never duplicates or overrides the library."""
        if not items or await self.count() > 0:
            return 0
        await self.add(items)
        return len(items)

    async def add(self, items: list[LibraryItem]) -> None:
        """Insert or replace items (same item id → same point id)."""
        points = [
            models.PointStruct(id=item.point_id, vector=_point_vectors(item), payload=item.payload())
            for item in items
        ]
        await self.client.upsert(self._collection, points=points)

    async def search(self, text: str, categories: Sequence[Category], *, limit: int = 3) -> list[Retrieved]:
        """Items of the incident's categories, in their order (best lexical match first, then any item
        of that category); the whole library is searched only when none of them has an item."""
        vector = sparse_vector(text)
        found: list[Retrieved] = []
        for category in dict.fromkeys(categories):
            if len(found) >= limit:
                break
            chosen = {r.item.id for r in found}
            hits = await self._query(vector, _category_filter(category), limit)
            found += [r for r in hits if r.item.id not in chosen][: limit - len(found)]
            if len(found) < limit:
                found += await self._of_category(category, limit - len(found), {r.item.id for r in found})
        if not found:
            found = await self._query(vector, None, limit)
        return found

    async def _query(self, vector: Sparse, flt: models.Filter | None, limit: int) -> list[Retrieved]:
        if not vector.indices:
            return []
        response = await self.client.query_points(
            self._collection,
            query=_as_qdrant(vector),
            using=LEXICAL,
            query_filter=flt,
            limit=limit,
            with_payload=True,
        )
        return [Retrieved(LibraryItem.model_validate(p.payload), p.score) for p in response.points]

    async def _of_category(self, category: Category, limit: int, exclude: set[str]) -> list[Retrieved]:
        records, _ = await self.client.scroll(
            self._collection, scroll_filter=_category_filter(category), limit=limit + len(exclude)
        )
        items = [LibraryItem.model_validate(r.payload) for r in records]
        return [Retrieved(item, 0.0) for item in items if item.id not in exclude][:limit]
