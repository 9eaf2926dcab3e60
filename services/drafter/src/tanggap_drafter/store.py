"""The key-message library: hybrid search over approved statements and key messages.

Each point carries named vectors: "lexical" (sparse term frequencies of stemmed Indonesian, computed
here, IDF applied by Qdrant), and "dense" when an embeddings endpoint is configured. A search fuses both
with reciprocal rank fusion (RRF); without a model it is the lexical ranking alone.

Where the library lives (QdrantTarget):
- embedded, Qdrant Edge (the default): a folder under the state directory, in this process;
- embedded, qdrant-client local mode (TANGGAP_QDRANT_ENGINE=local): the same folder, slower past a few
  thousand items; a library kept there by an earlier version is copied into Edge on first start;
- a Qdrant server when TANGGAP_QDRANT_URL is set (as in docker-compose).

Engines block the caller and are not thread-safe, so every call runs on one dedicated thread: the event
loop stays free, and the engine sees one caller. An embedded library is opened by one process at a time.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import structlog

from tanggap_drafter.embeddings import Embedder
from tanggap_drafter.engines.base import (
    All,
    Either,
    Engine,
    Is,
    OneOf,
    QueryVectors,
    StoredPoint,
    Unset,
    Where,
)
from tanggap_drafter.engines.client import MEMORY, ClientEngine
from tanggap_drafter.engines.edge import EdgeEngine
from tanggap_drafter.items import LibraryItem, point_id_for
from tanggap_drafter.lexical import sparse_vector
from tanggap_shared.contracts import Category
from tanggap_shared.events import LibraryRef

log = structlog.get_logger("tanggap.drafter")

COLLECTION = "key_messages"
EDGE_FOLDER = "edge"
_SCROLL_PAGE = 256

T = TypeVar("T")
Reuse = Literal["verbatim", "example"]
EngineName = Literal["edge", "local"]

__all__ = [
    "MEMORY",
    "EngineName",
    "KeyMessageStore",
    "QdrantTarget",
    "QueryVectors",
    "Retrieved",
    "Reuse",
    "Scope",
]


@dataclass(frozen=True)
class Retrieved:
    """A library item found for a query, with its relevance score (0.0 when added for its category only)."""

    item: LibraryItem
    score: float

    def ref(self) -> LibraryRef:
        return LibraryRef(id=self.item.id, title=self.item.title, score=round(self.score, 4))


@dataclass(frozen=True)
class Scope:
    """Where a draft is for: items narrowed to another unit or region are left out."""

    unit: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class QdrantTarget:
    """Where the library lives: a server URL, an embedded folder (Edge or local mode), or memory (tests)."""

    url: str | None = None
    api_key: str | None = None
    path: Path | None = None
    engine: EngineName = "edge"

    def _folder(self) -> Path | None:
        """The embedded library's folder; None for a server or memory."""
        if self.url or self.path is None or str(self.path) == MEMORY:
            return None
        return self.path

    def open_engine(self, collection: str) -> Engine:
        folder = self._folder()
        if self.url:
            return ClientEngine(collection=collection, url=self.url, api_key=self.api_key)
        if folder is None:
            return ClientEngine(collection=collection)
        if self.engine == "edge":
            return EdgeEngine(folder / EDGE_FOLDER / collection)
        return ClientEngine(collection=collection, path=folder)

    def previous_engine(self, collection: str) -> Engine | None:
        """A local-mode library left in the same folder by an earlier version, to copy into Edge."""
        folder = self._folder()
        if folder is None or self.engine != "edge" or not (folder / "collection" / collection).is_dir():
            return None
        return ClientEngine(collection=collection, path=folder)


def _unset_or(key: str, value: str | None) -> Where:
    """`key` unset (applies anywhere) or equal to `value`."""
    return Unset(key) if value is None else Either((Unset(key), Is(key, value)))


def build_filter(
    category: Category | None,
    kinds: Sequence[str] | None,
    reuse: Reuse | None,
    scope: Scope | None = None,
    *,
    generic: bool = False,
) -> Where | None:
    """Category, kind and reuse filters; a scope keeps verbatim items of other units and regions out;
    `generic` asks for the items marked fit for any category."""
    must: list[Where] = []
    if category is not None:
        must.append(Is("category", category.value))
    if generic:
        must.append(Is("applies", "generic"))
    if kinds:
        must.append(OneOf("kind", tuple(kinds)))
    if reuse is not None:
        must.append(Is("reuse", reuse))
    if scope is not None:
        in_scope = All((_unset_or("unit", scope.unit), _unset_or("region", scope.region)))
        if reuse == "verbatim":
            must.append(in_scope)
        else:
            # Approved drafts of other units remain useful examples; verbatim text must fit the unit.
            must.append(Either((Is("reuse", "example"), in_scope)))
    return All(tuple(must)) if must else None


class KeyMessageStore:
    """Open, seed and query the library; `open` and `close` belong to the service's lifespan."""

    def __init__(
        self, target: QdrantTarget, *, collection: str = COLLECTION, embedder: Embedder | None = None
    ) -> None:
        self._target = target
        self._collection = collection
        self._embedder = embedder
        self._engine = target.open_engine(collection)
        self._executor: ThreadPoolExecutor | None = None
        self._dense_size: int | None = None

    @property
    def hybrid(self) -> bool:
        """Whether searches fuse a dense ranking with the lexical one."""
        return self._dense_size is not None

    def describe(self) -> str:
        return self._engine.describe()

    async def _run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        if self._executor is None:
            raise RuntimeError("the key-message library is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))

    async def open(self, seed: list[LibraryItem] | None = None) -> None:
        """Connect, create the collection if missing, and seed it when it is empty.

        A new embedded library takes the items of a local-mode library an earlier version kept in the same
        folder, instead of the seed, so nothing approved is lost by the change of engine."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="library")
        try:
            await self._run(self._engine.connect)
            wanted = await self._probe_dense_size()
            created = not await self._run(self._engine.exists)
            if created:
                await self._run(self._engine.create, wanted)
            self._dense_size = await self._usable_dense_size(wanted)
            carried = await self._carry_over() if created else []
            seeded = await self.seed(carried or seed or [])
        except BaseException:
            await self.close()
            raise
        log.info(
            "drafter.library_opened",
            target=self.describe(),
            seeded=seeded,
            carried_over=len(carried),
            dense=self._embedder.name if self.hybrid and self._embedder else None,
        )

    async def close(self) -> None:
        if self._executor is not None:
            await self._run(self._engine.close)
            self._executor.shutdown(wait=True)
            self._executor = None

    async def _carry_over(self) -> list[LibraryItem]:
        previous = self._target.previous_engine(self._collection)
        if previous is None:
            return []
        await self._run(previous.connect)
        try:
            items = await self._run(_every_item, previous)
        finally:
            await self._run(previous.close)
        log.info("drafter.library_carried_over", source=previous.describe(), items=len(items))
        return items

    async def _probe_dense_size(self) -> int | None:
        if self._embedder is None:
            return None
        try:
            return len((await self._embedder.embed(["pesan kunci"]))[0])
        except Exception as exc:  # any failure of an optional model leaves retrieval lexical
            log.warning("drafter.embeddings_unavailable", model=self._embedder.name, error=repr(exc))
            return None

    async def _usable_dense_size(self, wanted: int | None) -> int | None:
        existing = await self._run(self._engine.dense_size)
        if wanted is None or existing is None:
            if wanted is not None:
                log.warning("drafter.library_without_dense", hint="python -m tanggap_drafter.library reindex")
            return None
        if existing != wanted:
            log.error("drafter.dense_size_mismatch", collection=existing, model=wanted)
            return None
        return wanted

    async def recreate(self) -> int:
        """Drop and rebuild the collection with the current vector setup, keeping every item."""
        items = await self.export()
        await self._run(self._engine.drop)
        wanted = await self._probe_dense_size()
        await self._run(self._engine.create, wanted)
        self._dense_size = wanted
        await self.add(items)
        return len(items)

    async def count(self) -> int:
        return await self._run(self._engine.count)

    async def seed(self, items: list[LibraryItem]) -> int:
        """Add `items` only to an empty collection, so a restart never duplicates or overrides the library."""
        if not items or await self.count() > 0:
            return 0
        await self.add(items)
        return len(items)

    async def add(self, items: Sequence[LibraryItem], *, batch: int = 256) -> None:
        """Insert or replace items (same item id → same point id)."""
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            dense = await self._embed_documents([item.document() for item in chunk])
            points = [
                StoredPoint(
                    id=item.point_id,
                    sparse=sparse_vector(item.document()),
                    dense=dense[i] if dense is not None else None,
                    payload=item.payload(),
                )
                for i, item in enumerate(chunk)
            ]
            await self._run(self._engine.upsert, points)

    async def _embed_documents(self, texts: list[str]) -> list[list[float]] | None:
        """Dense vectors for new points; a point stored without one is still found lexically."""
        if self._embedder is None or self._dense_size is None:
            return None
        try:
            return await self._embedder.embed(texts)
        except Exception as exc:
            log.warning("drafter.embedding_failed", error=repr(exc), texts=len(texts))
            return None

    async def vectors(self, text: str) -> QueryVectors:
        """The query vectors of `text`; compute once, search many times."""
        sparse = sparse_vector(text)
        dense = await self._embed_documents([text])
        return QueryVectors(sparse=sparse, dense=dense[0] if dense else None)

    async def get(self, item_id: str) -> LibraryItem | None:
        payload = await self._run(self._engine.payload, point_id_for(item_id))
        return LibraryItem.model_validate(payload) if payload is not None else None

    async def export(self) -> list[LibraryItem]:
        """Every item, in a stable order (by id)."""
        return await self._run(_every_item, self._engine)

    async def search(
        self,
        text: str | QueryVectors,
        categories: Sequence[Category],
        *,
        kinds: Sequence[str] | None = None,
        reuse: Reuse | None = "verbatim",
        scope: Scope | None = None,
        limit: int = 3,
        strict: bool = False,
    ) -> list[Retrieved]:
        """Items of the incident's categories, in their order (best match first, then any item of that
        category), then items marked generic. Unless `strict`, the whole library is searched when none
        of them has an item; a public draft searches strictly, so it never borrows another category's
        message (issue 13)."""
        query = text if isinstance(text, QueryVectors) else await self.vectors(text)
        if not categories:  # no category asked for: the ranking alone, over the whole library
            return await self._run(self._query, query, build_filter(None, kinds, reuse, scope), limit)
        found: list[Retrieved] = []
        wheres = [build_filter(c, kinds, reuse, scope) for c in dict.fromkeys(categories)]
        wheres.append(build_filter(None, kinds, reuse, scope, generic=True))
        for where in wheres:
            if len(found) >= limit:
                break
            chosen = {r.item.id for r in found}
            hits = await self._run(self._query, query, where, limit + len(chosen))
            found += [r for r in hits if r.item.id not in chosen][: limit - len(found)]
            if len(found) < limit:
                chosen = {r.item.id for r in found}
                found += await self._run(self._of_filter, where, limit - len(found), chosen)
        if not found and not strict:
            found = await self._run(self._query, query, build_filter(None, kinds, reuse, scope), limit)
        return found

    def _query(self, query: QueryVectors, where: Where | None, limit: int) -> list[Retrieved]:
        hits = self._engine.query(query, where, limit, dense=self.hybrid)
        return [Retrieved(LibraryItem.model_validate(payload), score) for payload, score in hits]

    def _of_filter(self, where: Where | None, limit: int, exclude: set[str]) -> list[Retrieved]:
        payloads, _ = self._engine.scroll(where, limit + len(exclude), None)
        items = [LibraryItem.model_validate(p) for p in payloads]
        return [Retrieved(item, 0.0) for item in items if item.id not in exclude][:limit]


def _every_item(engine: Engine) -> list[LibraryItem]:
    items: list[LibraryItem] = []
    offset: str | None = None
    while True:
        payloads, offset = engine.scroll(None, _SCROLL_PAGE, offset)
        items += [LibraryItem.model_validate(p) for p in payloads]
        if offset is None:
            return sorted(items, key=lambda i: i.id)
