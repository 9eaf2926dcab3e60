"""The library through qdrant-client: a Qdrant server, local on-disk mode, or memory (tests).

Local mode is plain Python (brute force, filters evaluated per point), comfortable up to a few thousand
items; the Edge engine is the embedded default for that reason (see edge.py).
"""

from collections.abc import Sequence
from pathlib import Path

from qdrant_client import QdrantClient, models

from tanggap_drafter.engines.base import (
    DENSE,
    FILTERED_FIELDS,
    LEXICAL,
    PREFETCH_FACTOR,
    All,
    Either,
    Is,
    LibraryUnavailable,
    OneOf,
    Payload,
    QueryVectors,
    StoredPoint,
    Unset,
    Vector,
    Where,
    page,
    rankings,
)
from tanggap_drafter.lexical import Sparse

MEMORY = ":memory:"


def _vector(vector: Vector) -> models.Vector:
    if isinstance(vector, Sparse):
        return models.SparseVector(indices=vector.indices, values=vector.values)
    return vector


def to_filter(where: Where | None) -> models.Filter | None:
    if where is None:
        return None
    condition = _condition(where)
    return condition if isinstance(condition, models.Filter) else models.Filter(must=[condition])


def _condition(where: Where) -> models.Condition:
    match where:
        case Is(key, value):
            return models.FieldCondition(key=key, match=models.MatchValue(value=value))
        case OneOf(key, values):
            return models.FieldCondition(key=key, match=models.MatchAny(any=list(values)))
        case Unset(key):
            return models.IsNullCondition(is_null=models.PayloadField(key=key))
        case All(conditions):
            return models.Filter(must=[_condition(c) for c in conditions])
        case Either(conditions):
            return models.Filter(should=[_condition(c) for c in conditions])
    raise TypeError(f"unknown condition {where!r}")


class ClientEngine:
    def __init__(
        self,
        *,
        collection: str,
        url: str | None = None,
        api_key: str | None = None,
        path: Path | None = None,
    ) -> None:
        self._collection = collection
        self._url = url
        self._api_key = api_key
        self._path = path
        self._client: QdrantClient | None = None

    def describe(self) -> str:
        if self._url:
            return self._url
        return f"Qdrant local mode {self._path or MEMORY}"

    def _require(self) -> QdrantClient:
        if self._client is None:
            raise RuntimeError("the key-message library is not open")
        return self._client

    def connect(self) -> None:
        if self._url:
            self._client = QdrantClient(url=self._url, api_key=self._api_key)
        elif self._path is None:
            self._client = QdrantClient(location=MEMORY)
        else:
            self._path.mkdir(parents=True, exist_ok=True)
            try:
                self._client = QdrantClient(path=str(self._path))
            except RuntimeError as exc:
                raise LibraryUnavailable(
                    f"the library folder {self._path} is open in another process (a running drafter?): "
                    "stop it first, or point TANGGAP_QDRANT_URL at a Qdrant server"
                ) from exc

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None

    def exists(self) -> bool:
        return self._require().collection_exists(self._collection)

    def create(self, dense_size: int | None) -> None:
        client = self._require()
        dense: dict[str, models.VectorParams] = {}
        if dense_size:
            dense[DENSE] = models.VectorParams(size=dense_size, distance=models.Distance.COSINE)
        client.create_collection(
            self._collection,
            vectors_config=dense,
            sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        if self._url:  # local mode has no payload indexes (it filters in Python)
            for field in FILTERED_FIELDS:
                client.create_payload_index(self._collection, field, models.PayloadSchemaType.KEYWORD)

    def drop(self) -> None:
        self._require().delete_collection(self._collection)

    def dense_size(self) -> int | None:
        vectors = self._require().get_collection(self._collection).config.params.vectors
        existing = vectors.get(DENSE) if isinstance(vectors, dict) else None
        return existing.size if existing is not None else None

    def count(self) -> int:
        return self._require().count(self._collection, exact=True).count

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        structs = [
            models.PointStruct(
                id=point.id,
                vector={name: _vector(v) for name, v in point.vectors().items()},
                payload=point.payload,
            )
            for point in points
        ]
        self._require().upsert(self._collection, points=structs)

    def payload(self, point_id: str) -> Payload | None:
        records = self._require().retrieve(self._collection, ids=[point_id])
        return records[0].payload if records else None

    def scroll(self, where: Where | None, limit: int, offset: str | None) -> tuple[list[Payload], str | None]:
        records, next_offset = self._require().scroll(
            self._collection, scroll_filter=to_filter(where), limit=limit, offset=offset
        )
        return page((r.payload for r in records), next_offset)

    def query(
        self, query: QueryVectors, where: Where | None, limit: int, *, dense: bool
    ) -> list[tuple[Payload, float]]:
        flt = to_filter(where)
        wide = limit * PREFETCH_FACTOR
        prefetch = [
            models.Prefetch(query=_vector(v), using=name, filter=flt, limit=wide)
            for name, v in rankings(query, dense=dense)
        ]
        if not prefetch:
            return []
        client = self._require()
        if len(prefetch) == 1:
            only = prefetch[0]
            response = client.query_points(
                self._collection, query=only.query, using=only.using, query_filter=flt, limit=limit
            )
        else:
            response = client.query_points(
                self._collection,
                prefetch=prefetch,
                query=models.FusionQuery(fusion=models.Fusion.RRF),  # k = RRF_K, Qdrant's default
                query_filter=flt,
                limit=limit,
            )
        return [(p.payload, p.score) for p in response.points if p.payload is not None]
