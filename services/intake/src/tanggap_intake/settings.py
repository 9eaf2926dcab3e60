"""Intake settings (TANGGAP_ prefix)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from tanggap_shared.settings import ServiceSettings

PACKAGE_DIR = Path(__file__).parent


class IntakeSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"

    http_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str = Field(default="http://127.0.0.1:8080", description="Where people reach the console.")
    bootstrap_api_key: str | None = Field(
        default=None, description="When set, every /v1 endpoint requires `Authorization: Bearer <key>`."
    )
    reference_dir: Path = Field(default=PACKAGE_DIR / "data", description="regions.csv, units.csv, aliases.")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Larger request bodies get 413.")
    recurrence_days: int = Field(default=365, ge=1, description="Window for 'recurrence at the same unit'.")
