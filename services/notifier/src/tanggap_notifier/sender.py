"""Sending one message to one person through Apprise: channels in order, the first success wins."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from apprise import Apprise, AppriseAsset, AppriseResult

from tanggap_notifier.sink import SINK_SCHEMA, register_sink


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    channel: str  # the channel that took it, or the last one tried; secrets masked
    error: str = ""


def masked_schema(url: str) -> str:
    """What may be shown of a URL Apprise could not load: its schema only (the rest may be a token)."""
    return f"{url.split('://', 1)[0]}://…" if "://" in url else "(invalid)"


def is_sink_url(url: str) -> bool:
    return url.strip().lower().startswith(f"{SINK_SCHEMA}://")


def sink_url(url: str, *, recipient: str, default_path: Path) -> str:
    """A sink URL with an absolute file path (the default one if none was given) and the recipient."""
    parts = urlsplit(url.strip())
    path = "/" + unquote(parts.netloc + parts.path).lstrip("/")
    if path == "/":
        path = str(default_path)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "recipient"]
    query.append(("recipient", recipient))
    return f"{SINK_SCHEMA}://{quote(path)}?{urlencode(query)}"


def _failure_summary(result: AppriseResult) -> str:
    messages = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
    return " | ".join(messages) if messages else result.status.name.lower()


class Sender:
    """Delivers through Apprise's async API; people without channels get the default URLs."""

    def __init__(self, *, default_urls: Sequence[str], sink_path: Path, timeout: float) -> None:
        register_sink()
        self._default_urls = list(default_urls)
        self._sink_path = sink_path
        # Memory storage: Apprise's persistent store would otherwise write cache files of its own.
        self._asset = AppriseAsset(
            app_id="Tanggap",
            app_desc="Tanggap: komunikasi krisis Pemasyarakatan",
            storage_mode="memory",
            service_timeout=timeout,
        )

    def channels_for(self, channels: Sequence[str]) -> list[str]:
        return list(channels) or list(self._default_urls)

    def invalid_urls(self, urls: Sequence[str]) -> list[str]:
        """The URLs Apprise cannot load (masked), so a bad directory fails at start, not mid-crisis."""
        return [masked_schema(url) for url in urls if self._load(url, recipient="check") is None]

    def _load(self, url: str, *, recipient: str) -> Apprise | None:
        prepared = (
            sink_url(url, recipient=recipient, default_path=self._sink_path) if is_sink_url(url) else url
        )
        apobj = Apprise(asset=self._asset)
        return apobj if apobj.add(prepared) else None

    async def send(self, *, recipient: str, channels: Sequence[str], title: str, body: str) -> SendOutcome:
        """Try each channel in order; return at the first that accepts the message."""
        errors: list[str] = []
        last = ""
        for url in self.channels_for(channels):
            apobj = self._load(url, recipient=recipient)
            if apobj is None:
                last = masked_schema(url)
                errors.append(f"{last}: not a valid Apprise URL")
                continue
            last = apobj.urls(privacy=True)[0]
            with await apobj.async_notify(title=title, body=body) as result:
                if result:
                    return SendOutcome(sent=True, channel=last)
                errors.append(f"{last}: {_failure_summary(result)}")
        return SendOutcome(sent=False, channel=last, error="; ".join(errors) or "no channel")
