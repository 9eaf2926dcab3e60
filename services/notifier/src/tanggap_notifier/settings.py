"""Notifier settings (TANGGAP_ environment variables)."""

from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from tanggap_notifier.sink import SINK_SCHEMA
from tanggap_shared.settings import ServiceSettings

SINK_FILE_NAME = "notifications.jsonl"


class NotifierSettings(ServiceSettings):
    service_name: ClassVar[str] = "notifier"

    http_port: int = Field(default=8083, ge=0, le=65535)
    directory_file: Path | None = Field(
        default=None, description="Crisis-team directory (YAML); default: the sample shipped in the package."
    )
    routing_file: Path | None = Field(
        default=None, description="Routing policy (YAML); default: the policy shipped in the package."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080", description="Base URL of the console, for links in messages."
    )
    # NoDecode: an operator writes `a://x,b://y`, not a JSON list, in an environment variable.
    notify_default_urls: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Apprise URLs for people without channels; default: the file sink in the state folder.",
    )
    notify_timeout_seconds: float = Field(default=30.0, gt=0, description="Apprise timeout per channel.")
    delivery_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long a process owns a delivery it is sending."
    )
    resume_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often pending deliveries left behind are picked up again."
    )
    timer_interval_seconds: float = Field(
        default=5.0, gt=0, description="Watchdog: the longest sleep between two looks for due timers."
    )
    approval_digest_seconds: float = Field(
        default=20.0,
        ge=0,
        description="How long an approval request gathers the drafts of an incident before it goes out "
        "(one request per incident and approver instead of one message per draft).",
    )
    retry_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries per channel on a temporary failure."
    )
    retry_backoff_seconds: float = Field(
        default=2.0, ge=0, description="Wait before the 2nd try of a channel; doubled for each further try."
    )
    dispatch_concurrency: int = Field(
        default=8, ge=1, le=64, description="Deliveries sent at once, so one slow channel blocks nobody else."
    )
    # A page is about an incident's first hours: escalation re-pages within minutes and the 60-minute target
    # has passed long before a day is out. 24 h still covers a page read after a night's sleep; an older
    # link found in a chat or a forwarded message acknowledges nothing (the console still can).
    ack_link_ttl_hours: float = Field(
        default=24.0, ge=0.25, le=168, description="How long an acknowledgement link in a message works."
    )
    templates_dir: Path | None = Field(
        default=None, description="Folder of message templates that override the shipped ones, file by file."
    )
    telegram_api_url: str | None = Field(
        default=None, description="Bot API base for Apprise's tgram:// (a local Bot API server, or a test)."
    )
    triage_notify_feeds: bool = Field(
        default=False,
        description="'Perlu ditinjau' items from news feeds also notify the unit's Humas (default: the "
        "queue only, silently).",
    )
    bootstrap_api_key: str | None = Field(
        default=None, description="When set, the directory API requires `Authorization: Bearer <key>`."
    )

    @field_validator("notify_default_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def sink_path(self) -> Path:
        """The JSON-lines file the default sink appends to."""
        return (self.state_dir / SINK_FILE_NAME).resolve()

    def default_urls(self) -> list[str]:
        """Where a person without channels is notified."""
        return self.notify_default_urls or [f"{SINK_SCHEMA}://"]
