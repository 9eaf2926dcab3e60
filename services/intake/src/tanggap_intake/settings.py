"""Intake settings (TANGGAP_ prefix)."""

import ipaddress
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from tanggap_shared.settings import ServiceSettings

PACKAGE_DIR = Path(__file__).parent
# Only this machine by default: `make up` keeps its docs, a shared install shows them to no one outside.
LOOPBACK = "127.0.0.0/8,::1"


class IntakeSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"

    @field_validator("trusted_proxies", "docs_from", "metrics_from")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        # A typo here would silently trust nobody (or the wrong host): refuse to start instead.
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        return value

    http_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str = Field(default="http://127.0.0.1:8080", description="Where people reach the console.")
    bootstrap_api_key: str | None = Field(
        default=None, description="When set, every /v1 endpoint requires `Authorization: Bearer <key>`."
    )
    admin_password: SecretStr | None = Field(
        default=None,
        description="Password of the first user `admin`, created when no user exists (else a random one "
        "is written to <state_dir>/admin_password).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is "
        "believed (e.g. 127.0.0.1 or 10.0.0.0/24). Default none: the connecting address is the caller.",
    )
    docs_from: str = Field(
        default=LOOPBACK,
        description="Networks whose callers may read /docs, /redoc and /openapi.json (the caller as "
        "TANGGAP_TRUSTED_PROXIES resolves it); '' nobody, '0.0.0.0/0,::/0' everyone. Others get 404.",
    )
    metrics_from: str = Field(
        default=LOOPBACK,
        description="Networks whose callers may read /metrics (e.g. the Prometheus host); others get 404.",
    )
    login_max_failures_per_address: int = Field(
        default=100,
        ge=1,
        description="Failed logins one address may make in 15 minutes, over all usernames (password "
        "spraying), before it is refused for a while.",
    )
    session_hours: float = Field(default=12, gt=0, le=24 * 30, description="A console login lasts this long.")
    display_timezone: str = Field(default="Asia/Jakarta", description="Times in the console (WIB).")
    notifier_directory_url: str = Field(
        default="http://127.0.0.1:8083/v1/directory/docs",
        description="Where operators manage the crisis-team directory (the notifier's API).",
    )
    letterhead_ministry: str = Field(
        default="KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
        description="First line of the letterhead (kop) of exported statements.",
    )
    letterhead_directorate: str = Field(default="DIREKTORAT JENDERAL PEMASYARAKATAN")
    reference_dir: Path = Field(default=PACKAGE_DIR / "data", description="regions.csv, units.csv, aliases.")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Larger request bodies get 413.")
    recurrence_days: int = Field(default=365, ge=1, description="Window for 'recurrence at the same unit'.")

    # One incident per event
    match_window_hours: int = Field(
        default=48,
        ge=0,
        description="A report joins an open incident of its unit whose last report is this "
        "recent (0: never join).",
    )
    match_min_similarity: float = Field(
        default=0.3, ge=0, le=1, description="Text overlap that makes a match."
    )

    # Telegram bot
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="setWebhook secret_token; checked on X-Telegram-Bot-Api-Secret-Token."
    )
    telegram_api_base: str = Field(default="https://api.telegram.org", description="Bot API base URL.")
    telegram_mode: Literal["webhook", "polling"] = Field(
        default="webhook",
        description="polling: getUpdates, for installations without a public HTTPS address.",
    )
    telegram_poll_timeout: int = Field(default=25, ge=0, le=50)
    telegram_chat_units: dict[str, str] = Field(
        default={}, description="Chat id → unit code, for a unit's own group: its messages need not name it."
    )

    # WhatsApp Cloud API
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = Field(default=None, description="Checks X-Hub-Signature-256.")
    whatsapp_sender_units: dict[str, str] = Field(default={}, description="Sender phone (wa_id) → unit code.")

    # News monitoring
    feeds: list[str] = Field(default=[], description="RSS/Atom URLs polled for news about corrections.")
    feed_poll_seconds: float = Field(default=900, gt=0)
    feed_timeout_seconds: float = Field(default=20, gt=0, description="Connecting, and each read.")
    feed_deadline_seconds: float = Field(
        default=60,
        gt=0,
        description="A feed must be downloaded within this time, or it is skipped this round.",
    )
    feed_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="A larger feed is not read (skipped, with an error)."
    )
    spike_window_hours: int = Field(default=24, ge=1)
    spike_baseline_days: int = Field(default=28, ge=1)
    spike_factor: float = Field(default=3.0, ge=1)
    spike_min_negative: int = Field(default=3, ge=1)
