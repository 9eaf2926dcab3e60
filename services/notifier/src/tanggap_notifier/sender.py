"""Sending one message to one person through Apprise: channels in order, the first success wins.

Telegram: Apprise 2.2's `tgram://` sends `sendMessage` with a fixed payload and cannot attach
`reply_markup`; a page that can be acknowledged goes to the Bot API directly with an inline
"acknowledge" button instead (telegram_button.py). Every message also carries the acknowledgement link.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from apprise import Apprise, AppriseAsset, AppriseResult
from apprise.plugins.telegram import NotifyTelegram

from tanggap_notifier.sink import SINK_SCHEMA, register_sink
from tanggap_notifier.telegram_button import send_with_button
from tanggap_shared.events import utcnow

# Chat and text-message channels get the short text; everything else (e-mail, webhooks, the file sink)
# the complete one.
SHORT_SCHEMAS = frozenset(
    {
        "tgram", "whatsapp", "signal", "signals", "sms", "twilio", "vonage", "nexmo", "sinch", "clicksend",
        "d7sms", "msg91", "messagebird", "plivo", "smseagle", "smseagles", "bulksms", "kavenegar", "sns",
        "line", "mastodon", "toots", "matrix", "matrixs", "rocket", "rockets", "slack", "discord",
    }
)  # fmt: skip
HTTP_STATUS = re.compile(r"error=(\d{3})")
# A 4xx other than these means the channel itself is wrong (token, chat id); retrying will not help.
TEMPORARY_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    channel: str  # the channel that took it, or the last one tried; secrets masked
    error: str = ""


@dataclass(frozen=True)
class ChannelAttempt:
    """One try of one channel."""

    channel: str  # secrets masked
    ok: bool
    error: str
    temporary: bool
    started_at: datetime
    finished_at: datetime


def schema_of(url: str) -> str:
    return url.split("://", 1)[0].strip().lower() if "://" in url else ""


def style_for(url: str) -> str:
    """`short` for chat and SMS channels, `full` for the rest."""
    return "short" if schema_of(url) in SHORT_SCHEMAS else "full"


def is_temporary(error: str) -> bool:
    """A connection error, a timeout, a 5xx or a throttling answer may pass; a 4xx will not."""
    codes = [int(code) for code in HTTP_STATUS.findall(error)]
    return not codes or any(code >= 500 or code in TEMPORARY_4XX for code in codes)


def use_telegram_api(base_url: str | None) -> None:
    """Point Apprise's Telegram plugin at another Bot API server (`<base>/bot<token>/sendMessage`)."""
    if base_url:
        NotifyTelegram.notify_url = base_url.rstrip("/") + "/bot"


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

    def __init__(
        self, *, default_urls: Sequence[str], sink_path: Path, timeout: float, ack_secret: str = ""
    ) -> None:
        register_sink()
        self._timeout = timeout
        self._ack_secret = ack_secret  # binds a Telegram acknowledge button to its recipient
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

    async def attempt(
        self, url: str, *, recipient: str, title: str, body: str, ack_id: str | None = None
    ) -> ChannelAttempt:
        """One try of one channel; never raises for a channel's failure. With `ack_id`, a Telegram
        channel gets an inline button that acknowledges that notification."""
        started = utcnow()
        apobj = self._load(url, recipient=recipient)
        if apobj is None:
            channel = masked_schema(url)
            return ChannelAttempt(channel, False, "not a valid Apprise URL", False, started, utcnow())
        channel = apobj.urls(privacy=True)[0]
        if ack_id and schema_of(url) == "tgram":
            sent = await send_with_button(
                url,
                title=title,
                body=body,
                notification_id=ack_id,
                timeout=self._timeout,
                secret=self._ack_secret,
            )
            temporary = not sent.ok and is_temporary(sent.error)
            return ChannelAttempt(channel, sent.ok, sent.error, temporary, started, utcnow())
        with await apobj.async_notify(title=title, body=body) as result:
            if result:
                return ChannelAttempt(channel, True, "", False, started, utcnow())
            error = _failure_summary(result)
        return ChannelAttempt(channel, False, error, is_temporary(error), started, utcnow())

    async def send(self, *, recipient: str, channels: Sequence[str], title: str, body: str) -> SendOutcome:
        """Try each channel once, in order; return at the first that accepts the message."""
        errors: list[str] = []
        last = ""
        for url in self.channels_for(channels):
            tried = await self.attempt(url, recipient=recipient, title=title, body=body)
            last = tried.channel
            if tried.ok:
                return SendOutcome(sent=True, channel=last)
            errors.append(f"{last}: {tried.error}")
        return SendOutcome(sent=False, channel=last, error="; ".join(errors) or "no channel")
