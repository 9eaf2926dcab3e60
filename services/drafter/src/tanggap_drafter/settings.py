"""Drafter settings (TANGGAP_ prefix)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from tanggap_drafter.store import MEMORY, QdrantTarget
from tanggap_shared.settings import ServiceSettings


class DrafterSettings(ServiceSettings):
    service_name: ClassVar[str] = "drafter"

    http_port: int = Field(default=8082, ge=0, le=65535)
    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL; when unset, Qdrant runs in local mode in this process."
    )
    qdrant_api_key: SecretStr | None = None
    qdrant_path: str | None = Field(
        default=None, description="Local-mode folder (default <state_dir>/qdrant); ':memory:' keeps nothing."
    )
    library_top_k: int = Field(default=3, ge=1, le=20, description="Library items retrieved per incident.")

    def qdrant_target(self) -> QdrantTarget:
        if self.qdrant_url:
            key = self.qdrant_api_key.get_secret_value() if self.qdrant_api_key else None
            return QdrantTarget(url=self.qdrant_url, api_key=key)
        if self.qdrant_path == MEMORY:
            return QdrantTarget(path=Path(MEMORY))
        return QdrantTarget(path=Path(self.qdrant_path) if self.qdrant_path else self.state_dir / "qdrant")
