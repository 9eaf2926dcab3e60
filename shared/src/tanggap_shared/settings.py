"""Settings base: environment variables with the TANGGAP_ prefix (pydantic-settings)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service shares; each service subclasses it and sets `service_name`."""

    model_config = SettingsConfigDict(env_prefix="TANGGAP_", extra="ignore")

    service_name: ClassVar[str] = "tanggap"

    broker_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="NATS server URL; several, comma-separated, for a cluster.",
    )
    stream_replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas of the streams.")
    state_dir: Path = Field(default=Path(".tanggap"), description="Where the embedded default keeps files.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: a SQLite file under the state folder."
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    http_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A client must send a request's headers within this time (else 408 and the connection "
        "is closed); also how long an idle new connection may stay open.",
    )
    http_body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A client must send a whole request body within this time (else 408).",
    )
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: JSON unless on a terminal.")
    max_deliveries: int = Field(default=5, ge=1, description="Attempts before a message is dead-lettered.")
    ack_wait_seconds: float = Field(default=60.0, gt=0)
    tracing: bool = Field(
        default=False, description="OpenTelemetry spans (also on when OTEL_EXPORTER_OTLP_ENDPOINT is set)."
    )
    link_secret: str | None = Field(
        default=None, description="Signs links people click; default: a secret kept in the state folder."
    )
    consumer_batch: int = Field(default=16, ge=1, le=256, description="Messages fetched per pull request.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.state_dir / f'{self.service_name}.db').resolve()}"

    def ensure_state_dir(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return self.state_dir
