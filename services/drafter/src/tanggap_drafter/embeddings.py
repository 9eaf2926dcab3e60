"""Dense embeddings from an OpenAI-compatible endpoint (optional: without one, retrieval is sparse only)."""

from collections.abc import Sequence
from typing import Protocol

import structlog
from openai import AsyncOpenAI

log = structlog.get_logger("tanggap.drafter")


class Embedder(Protocol):
    """Turns texts into dense vectors of one fixed size."""

    @property
    def name(self) -> str: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class OpenAIEmbedder:
    """`POST /v1/embeddings` through the openai client; one call per batch of texts."""

    def __init__(self, client: AsyncOpenAI, model: str, *, timeout: float) -> None:
        self._client = client
        self._model = model
        self._timeout = timeout

    @property
    def name(self) -> str:
        return self._model

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        # The client asks for base64 unless told otherwise; many compatible servers only speak floats.
        response = await self._client.embeddings.create(
            model=self._model, input=list(texts), encoding_format="float", timeout=self._timeout
        )
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise ValueError(f"embeddings endpoint returned {len(data)} vectors for {len(texts)} texts")
        return [list(d.embedding) for d in data]
