"""Classifier settings: the shared ones (TANGGAP_ prefix) plus where the policy file is."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from tanggap_shared.settings import ServiceSettings


class ClassifierSettings(ServiceSettings):
    service_name: ClassVar[str] = "classifier"

    http_port: int = Field(default=8081, ge=0, le=65535)
    policy_file: Path | None = Field(
        default=None,
        description="Policy YAML (TANGGAP_POLICY_FILE); default: the policy shipped in the package.",
    )
