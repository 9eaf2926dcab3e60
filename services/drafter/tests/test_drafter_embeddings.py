"""Dense embeddings from an OpenAI-compatible endpoint (the stand-in server), fused with the lexical
ranking; without the endpoint, retrieval stays lexical."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI

from tanggap_drafter.embeddings import OpenAIEmbedder
from tanggap_drafter.items import load_starter
from tanggap_drafter.store import EngineName, KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Category


def _embedder(url: str) -> OpenAIEmbedder:
    client = AsyncOpenAI(base_url=url, api_key="unused", max_retries=0, timeout=2.0)
    return OpenAIEmbedder(client, "stub-embed", timeout=2.0)


@pytest.fixture
async def hybrid(openai_stub: Any, tmp_path: Path) -> AsyncIterator[KeyMessageStore]:
    store = KeyMessageStore(QdrantTarget(path=tmp_path / "qdrant"), embedder=_embedder(openai_stub.url))
    await store.open(load_starter())
    yield store
    await store.close()


async def test_points_and_queries_carry_dense_vectors_fused_with_rrf(
    hybrid: KeyMessageStore, openai_stub: Any
) -> None:
    assert hybrid.hybrid
    found = await hybrid.search("warga binaan kabur, polisi melakukan pengejaran", [Category.ESCAPE], limit=3)
    assert [r.item.category for r in found] == [Category.ESCAPE] * 3
    assert all(0 < r.score <= 1.0 for r in found)  # RRF scores, not dot products
    assert openai_stub.embedding_requests
    assert {r["encoding_format"] for r in openai_stub.embedding_requests} == {"float"}
    assert {r["model"] for r in openai_stub.embedding_requests} == {"stub-embed"}


async def test_a_query_without_a_known_word_is_still_ranked_densely(hybrid: KeyMessageStore) -> None:
    vectors = await hybrid.vectors("zzz")
    assert vectors.sparse.indices  # "zzz" is a token; nothing in the library shares it
    assert vectors.dense is not None


async def test_an_unreachable_endpoint_leaves_retrieval_lexical() -> None:
    store = KeyMessageStore(QdrantTarget(), embedder=_embedder("http://127.0.0.1:9/v1"))
    await store.open(load_starter())
    try:
        assert not store.hybrid
        found = await store.search("pelarian kabur", [Category.ESCAPE], kinds=["key_message"], limit=1)
        assert found[0].item.category == Category.ESCAPE
    finally:
        await store.close()


@pytest.mark.parametrize("engine", ["edge", "local"])
async def test_a_lexical_library_becomes_hybrid_after_reindex(
    tmp_path: Path, openai_stub: Any, engine: EngineName
) -> None:
    target = QdrantTarget(path=tmp_path / "qdrant", engine=engine)
    plain = KeyMessageStore(target)
    await plain.open(load_starter()[:5])
    await plain.close()

    store = KeyMessageStore(target, embedder=_embedder(openai_stub.url))
    await store.open(load_starter())
    try:
        assert not store.hybrid  # the collection has no dense vector yet
        assert await store.recreate() == 5
        assert store.hybrid
        assert await store.count() == 5
        assert await store.search("keselamatan", [Category.ESCAPE], limit=1)
    finally:
        await store.close()
