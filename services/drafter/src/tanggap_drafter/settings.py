"""Drafter settings: TANGGAP_ prefix; the model endpoint from OPENAI_BASE_URL / OPENAI_API_KEY."""

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from tanggap_drafter.store import MEMORY, EngineName, QdrantTarget
from tanggap_shared.settings import ServiceSettings


class DrafterSettings(ServiceSettings):
    # populate_by_name: tests and tools pass `openai_base_url=` although the environment says OPENAI_BASE_URL.
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "drafter"

    http_port: int = Field(default=8082, ge=0, le=65535)
    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL; when unset, Qdrant runs in local mode in this process."
    )
    qdrant_api_key: SecretStr | None = None
    qdrant_path: str | None = Field(
        default=None,
        description="Embedded library folder (default <state_dir>/qdrant); ':memory:' keeps nothing.",
    )
    qdrant_engine: EngineName = Field(
        default="edge",
        description="Embedded engine: 'edge' (Qdrant Edge, in process) or 'local' (qdrant-client local mode)",
    )
    library_top_k: int = Field(default=3, ge=1, le=20, description="Key messages retrieved per incident.")

    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "TANGGAP_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1).",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TANGGAP_OPENAI_API_KEY")
    )
    llm_model: str | None = Field(default=None, description="Chat model; unset: template drafts only.")
    llm_timeout_seconds: float = Field(default=20.0, gt=0, description="Per LLM call.")
    llm_deadline_seconds: float = Field(
        default=40.0, gt=0, description="All LLM calls of one incident; kinds not done by then stay template."
    )
    llm_concurrency: int = Field(default=2, ge=1, le=16)
    llm_max_tokens: int = Field(
        default=1600, ge=64, description="Upper bound of the output tokens per draft."
    )
    llm_max_input_chars: int = Field(
        default=12_000, ge=1000, description="Prompt size budget; the report text is truncated to fit."
    )
    llm_max_retries: int = Field(
        default=0, ge=0, le=3, description="Client retries; the template is the fallback."
    )
    embedding_model: str | None = Field(
        default=None, description="Embeddings model at the same endpoint; unset: lexical retrieval only."
    )
    embedding_timeout_seconds: float = Field(default=5.0, gt=0)

    def qdrant_target(self) -> QdrantTarget:
        if self.qdrant_url:
            key = self.qdrant_api_key.get_secret_value() if self.qdrant_api_key else None
            return QdrantTarget(url=self.qdrant_url, api_key=key)
        if self.qdrant_path == MEMORY:
            return QdrantTarget(path=Path(MEMORY))
        path = Path(self.qdrant_path) if self.qdrant_path else self.state_dir / "qdrant"
        return QdrantTarget(path=path, engine=self.qdrant_engine)

    @property
    def endpoint_configured(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model) and self.endpoint_configured

    @property
    def embeddings_enabled(self) -> bool:
        return bool(self.embedding_model) and self.endpoint_configured
