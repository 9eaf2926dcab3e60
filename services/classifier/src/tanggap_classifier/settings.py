"""Classifier settings: the shared ones (TANGGAP_ prefix), the policy file, and the optional LLM assessor
(OPENAI_BASE_URL / OPENAI_API_KEY / TANGGAP_LLM_MODEL; unset → rules only, nothing tries to connect)."""

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from tanggap_shared.settings import ServiceSettings


class ClassifierSettings(ServiceSettings):
    # populate_by_name: tests pass `openai_base_url=` although the environment says OPENAI_BASE_URL.
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "classifier"

    http_port: int = Field(default=8081, ge=0, le=65535)
    policy_file: Path | None = Field(
        default=None,
        description="Policy YAML (TANGGAP_POLICY_FILE); default: the policy shipped in the package.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "TANGGAP_OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1).",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TANGGAP_OPENAI_API_KEY")
    )
    llm_model: str | None = Field(
        default=None, description="Chat model of the LLM assessor; unset: rules only."
    )
    llm_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Per LLM call (three at most per report)."
    )
    llm_max_retries: int = Field(
        default=0, ge=0, le=3, description="Client retries; the broker already redelivers a failed message."
    )

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model and (self.openai_base_url or self.openai_api_key))
