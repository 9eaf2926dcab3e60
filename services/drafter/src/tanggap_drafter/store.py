"""The key-message library in Qdrant: local on-disk mode by default, a Qdrant server when a URL is set.

Each point carries named vectors: "lexical" (sparse term frequencies of stemmed Indonesian, computed
here, IDF applied by Qdrant; identical in local mode and on a server), and "dense" when an embeddings
endpoint is configured. A search fuses both with reciprocal rank fusion (RRF); without a model it is
the lexical ranking alone.

Qdrant's local mode is plain Python that blocks the caller, so every call to the client runs on one
dedicated thread: the event loop stays free, and the client (which is not thread-safe) sees one caller.
Local mode allows one client per path in the whole machine: exactly one drafter process owns it.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import structlog
from qdrant_client import QdrantClient, models

from tanggap_drafter.embeddings import Embedder
from tanggap_drafter.items import LibraryItem, point_id_for
from tanggap_drafter.lexical import Sparse, sparse_vector
from tanggap_shared.contracts import Category
from tanggap_shared.events import LibraryRef

log = structlog.get_logger("tanggap.drafter")

COLLECTION = "key_messages"
LEXICAL = "lexical"
DENSE = "dense"
MEMORY = ":memory:"
# Candidates each ranking contributes to the fusion; more than `limit` so RRF has something to merge.
PREFETCH_FACTOR = 4
_SCROLL_PAGE = 256

T = TypeVar("T")
Reuse = Literal["verbatim", "example"]


@dataclass(frozen=True)
class Retrieved:
    """A library item found for a query, with its relevance score (0.0 when added for its category only)."""

    item: LibraryItem
    score: float

    def ref(self) -> LibraryRef:
        return LibraryRef(id=self.item.id, title=self.item.title, score=round(self.score, 4))


@dataclass(frozen=True)
class QueryVectors:
    """A query as both rankings see it; `dense` is None without an embeddings model (or when it failed)."""

    sparse: Sparse
    dense: list[float] | None = None


@dataclass(frozen=True)
class Scope:
    """Where a draft is for: items narrowed to another unit or region are left out."""

    unit: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class QdrantTarget:
    """Where the library lives: a server URL, a local folder, or memory (tests)."""

    url: str | None = None
    api_key: str | None = None
    path: Path | None = None

    def client(self) -> QdrantClient:
        if self.url:
            return QdrantClient(url=self.url, api_key=self.api_key)
        if self.path is None or str(self.path) == MEMORY:
            return QdrantClient(location=MEMORY)
        self.path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(self.path))

    def describe(self) -> str:
        return self.url or str(self.path or MEMORY)


def _as_qdrant(vector: Sparse) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def _null_or(key: str, value: str | None) -> models.Filter:
    """`key` unset (applies anywhere) or equal to `value`."""
    anywhere = models.IsNullCondition(is_null=models.PayloadField(key=key))
    if value is None:
        return models.Filter(must=[anywhere])
    return models.Filter(should=[anywhere, _match(key, value)])


def build_filter(
    category: Category | None,
    kinds: Sequence[str] | None,
    reuse: Reuse | None,
    scope: Scope | None = None,
) -> models.Filter | None:
    """Category, kind and reuse filters; a scope keeps verbatim items of other units and regions out."""
    must: list[models.Condition] = []
    if category is not None:
        must.append(_match("category", category.value))
    if kinds:
        must.append(models.FieldCondition(key="kind", match=models.MatchAny(any=list(kinds))))
    if reuse is not None:
        must.append(_match("reuse", reuse))
    if scope is not None:
        in_scope = models.Filter(must=[_null_or("unit", scope.unit), _null_or("region", scope.region)])
        if reuse == "verbatim":
            must.append(in_scope)
        else:
            # Approved drafts of other units remain useful examples; verbatim text must fit the unit.
            must.append(models.Filter(should=[models.Filter(must=[_match("reuse", "example")]), in_scope]))
    return models.Filter(must=must) if must else None


class KeyMessageStore:
    """Open, seed and query the library; `open` and `close` belong to the service's lifespan."""

    def __init__(
        self, target: QdrantTarget, *, collection: str = COLLECTION, embedder: Embedder | None = None
    ) -> None:
        self._target = target
        self._collection = collection
        self._embedder = embedder
        self._client: QdrantClient | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._dense_size: int | None = None

    @property
    def hybrid(self) -> bool:
        """Whether searches fuse a dense ranking with the lexical one."""
        return self._dense_size is not None

    def _require(self) -> QdrantClient:
        if self._client is None:
            raise RuntimeError("the key-message store is not open")
        return self._client

    async def _run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        if self._executor is None:
            raise RuntimeError("the key-message store is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))

    async def open(self, seed: list[LibraryItem] | None = None) -> None:
        """Connect, create the collection if missing, and seed it when it is empty."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qdrant")
        self._client = await self._run(self._target.client)
        wanted = await self._probe_dense_size()
        if not await self._run(self._client.collection_exists, self._collection):
            await self._create(wanted)
        self._dense_size = await self._usable_dense_size(wanted)
        seeded = await self.seed(seed or [])
        log.info(
            "drafter.library_opened",
            target=self._target.describe(),
            seeded=seeded,
            dense=self._embedder.name if self.hybrid and self._embedder else None,
        )

    async def close(self) -> None:
        if self._client is not None and self._executor is not None:
            await self._run(self._client.close)
        self._client = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def _probe_dense_size(self) -> int | None:
        if self._embedder is None:
            return None
        try:
            return len((await self._embedder.embed(["pesan kunci"]))[0])
        except Exception as exc:  # any failure of an optional model leaves retrieval lexical
            log.warning("drafter.embeddings_unavailable", model=self._embedder.name, error=repr(exc))
            return None

    async def _create(self, dense_size: int | None) -> None:
        dense: dict[str, models.VectorParams] = {}
        if dense_size:
            dense[DENSE] = models.VectorParams(size=dense_size, distance=models.Distance.COSINE)
        await self._run(
            self._require().create_collection,
            self._collection,
            vectors_config=dense,
            sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )

    async def _usable_dense_size(self, wanted: int | None) -> int | None:
        info = await self._run(self._require().get_collection, self._collection)
        vectors = info.config.params.vectors
        existing = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if wanted is None or existing is None:
            if wanted is not None:
                log.warning("drafter.library_without_dense", hint="python -m tanggap_drafter.library reindex")
            return None
        if existing.size != wanted:
            log.error("drafter.dense_size_mismatch", collection=existing.size, model=wanted)
            return None
        return wanted

    async def recreate(self) -> int:
        """Drop and rebuild the collection with the current vector setup, keeping every item."""
        items = await self.export()
        await self._run(self._require().delete_collection, self._collection)
        wanted = await self._probe_dense_size()
        await self._create(wanted)
        self._dense_size = wanted
        await self.add(items)
        return len(items)

    async def count(self) -> int:
        return (await self._run(self._require().count, self._collection, exact=True)).count

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
                models.PointStruct(
                    id=item.point_id, vector=self._point_vectors(item, dense, i), payload=item.payload()
                )
                for i, item in enumerate(chunk)
            ]
            await self._run(self._require().upsert, self._collection, points=points)

    def _point_vectors(
        self, item: LibraryItem, dense: list[list[float]] | None, i: int
    ) -> dict[str, models.Vector]:
        vectors: dict[str, models.Vector] = {LEXICAL: _as_qdrant(sparse_vector(item.document()))}
        if dense is not None:
            vectors[DENSE] = dense[i]
        return vectors

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
        records = await self._run(self._require().retrieve, self._collection, ids=[point_id_for(item_id)])
        return LibraryItem.model_validate(records[0].payload) if records else None

    async def export(self) -> list[LibraryItem]:
        """Every item, in a stable order (by id)."""
        items: list[LibraryItem] = []
        offset: models.ExtendedPointId | None = None
        while True:
            records, offset = await self._run(
                self._require().scroll, self._collection, limit=_SCROLL_PAGE, offset=offset
            )
            items += [LibraryItem.model_validate(r.payload) for r in records]
            if offset is None:
                return sorted(items, key=lambda i: i.id)

    async def search(
        self,
        text: str | QueryVectors,
        categories: Sequence[Category],
        *,
        kinds: Sequence[str] | None = None,
        reuse: Reuse | None = "verbatim",
        scope: Scope | None = None,
        limit: int = 3,
    ) -> list[Retrieved]:
        """Items of the incident's categories, in their order (best match first, then any item of that
        category); the whole library is searched only when none of them has an item."""
        query = text if isinstance(text, QueryVectors) else await self.vectors(text)
        found: list[Retrieved] = []
        for category in dict.fromkeys(categories):
            if len(found) >= limit:
                break
            flt = build_filter(category, kinds, reuse, scope)
            chosen = {r.item.id for r in found}
            hits = await self._run(self._query, query, flt, limit + len(chosen))
            found += [r for r in hits if r.item.id not in chosen][: limit - len(found)]
            if len(found) < limit:
                chosen = {r.item.id for r in found}
                found += await self._run(self._of_filter, flt, limit - len(found), chosen)
        if not found:
            found = await self._run(self._query, query, build_filter(None, kinds, reuse, scope), limit)
        return found

    def _query(self, query: QueryVectors, flt: models.Filter | None, limit: int) -> list[Retrieved]:
        client = self._require()
        prefetch: list[models.Prefetch] = []
        if query.sparse.indices:
            prefetch.append(
                models.Prefetch(
                    query=_as_qdrant(query.sparse), using=LEXICAL, filter=flt, limit=limit * PREFETCH_FACTOR
                )
            )
        if query.dense is not None and self._dense_size is not None:
            prefetch.append(
                models.Prefetch(query=query.dense, using=DENSE, filter=flt, limit=limit * PREFETCH_FACTOR)
            )
        if not prefetch:
            return []
        if len(prefetch) == 1:
            only = prefetch[0]
            response = client.query_points(
                self._collection, query=only.query, using=only.using, query_filter=flt, limit=limit
            )
        else:
            response = client.query_points(
                self._collection,
                prefetch=prefetch,
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                query_filter=flt,
                limit=limit,
            )
        return [Retrieved(LibraryItem.model_validate(p.payload), p.score) for p in response.points]

    def _of_filter(self, flt: models.Filter | None, limit: int, exclude: set[str]) -> list[Retrieved]:
        records, _ = self._require().scroll(self._collection, scroll_filter=flt, limit=limit + len(exclude))
        items = [LibraryItem.model_validate(r.payload) for r in records]
        return [Retrieved(item, 0.0) for item in items if item.id not in exclude][:limit]
