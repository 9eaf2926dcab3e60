"""News monitoring: poll RSS/Atom feeds, keep the items about corrections, score them, tally them per day
and unit, turn negative items about a known unit into reports (source "media"), and signal a spike when a
unit's negative coverage rises far above its baseline.

`python -m tanggap_intake.feeds` polls the configured feeds once and prints what it kept.
"""

import asyncio
import calendar
import hashlib
import html
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import structlog
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import readmodel
from tanggap_intake.inbound import detect_unit
from tanggap_intake.lexicon import mentions_corrections, tone
from tanggap_intake.models import FeedItem, MediaTally, Unit
from tanggap_intake.reports import accept_report, unit_ref
from tanggap_intake.schemas import Link, ReportIn
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel, Source
from tanggap_shared.db import OutboxEntry, add_to_outbox
from tanggap_shared.events import MediaSpikeDetected, derive_event_id, utcnow
from tanggap_shared.runtime import Runtime
from tanggap_shared.textnorm import strip_unsafe

log = structlog.get_logger("tanggap.intake.feeds")

_TAGS = re.compile(r"<[^>]+>")
_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(Link)
MAX_TEXT = 20_000


@dataclass
class PollResult:
    seen: int = 0
    kept: int = 0
    reports: int = 0
    spikes: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    summary: str
    link: str
    published: datetime

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.summary}".strip()


def plain(value: str) -> str:
    # A feed is written by others: what would be refused from a person is dropped here, so that one item
    # cannot stop the reports made from the rest of the feed.
    return " ".join(strip_unsafe(html.unescape(_TAGS.sub(" ", value))).split())


def _published(entry: Any, now: datetime) -> datetime:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return now
    # A date in the future is a publisher's clock or time zone error; count the item now.
    return min(datetime.fromtimestamp(calendar.timegm(parsed), UTC), now)


def entry_of(raw: Any, now: datetime) -> Entry | None:
    title = plain(str(raw.get("title") or ""))
    summary = plain(str(raw.get("summary") or raw.get("description") or ""))
    raw_link = str(raw.get("link") or "")
    link = safe_link(raw_link)
    guid = str(raw.get("id") or raw_link or title)
    if not guid or not (title or summary):
        return None
    return Entry(guid, title, summary, link, _published(raw, now))


def item_key(feed_url: str, guid: str) -> str:
    return hashlib.sha256(f"{feed_url}\n{guid}".encode()).hexdigest()


def _link(value: str) -> list[AnyHttpUrl]:
    try:
        return [_URL.validate_python(value)] if value else []
    except ValidationError:
        return []


def safe_link(value: str) -> str:
    """`value` when it is an http(s) address of a bounded length, else "": a feed is written by others,
    and a javascript: or data: "link" would run in the officer's browser when clicked."""
    found = _link(value.strip())
    return str(found[0]) if found else ""


async def _tally(session: AsyncSession, day: Any, unit_code: str, polarity: str) -> None:
    row = await session.get(MediaTally, (day, unit_code))
    if row is None:
        row = MediaTally(day=day, unit_code=unit_code, positive=0, negative=0, neutral=0)
        session.add(row)
    setattr(row, polarity, getattr(row, polarity) + 1)


async def _negatives(session: AsyncSession, unit_code: str, start: datetime, end: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(FeedItem)
        .where(
            FeedItem.unit_code == unit_code,
            FeedItem.polarity == "negative",
            FeedItem.published_at >= start,
            FeedItem.published_at < end,
        )
    )
    return int(count or 0)


async def check_spike(
    session: AsyncSession, unit: Unit, incident_id: str, settings: IntakeSettings, now: datetime
) -> MediaSpikeDetected | None:
    """Negative items in the window against the unit's usual rate; fires once a day per incident."""
    window_start = now - timedelta(hours=settings.spike_window_hours)
    base_start = window_start - timedelta(days=settings.spike_baseline_days)
    recent = await _negatives(session, unit.code, window_start, now + timedelta(seconds=1))
    earlier = await _negatives(session, unit.code, base_start, window_start)
    baseline = earlier / settings.spike_baseline_days * settings.spike_window_hours / 24
    if recent < settings.spike_min_negative or recent < settings.spike_factor * baseline:
        return None
    event_id = derive_event_id(uuid.UUID(incident_id), "media-spike", now.date().isoformat())
    if await session.scalar(select(OutboxEntry.seq).where(OutboxEntry.event_id == str(event_id))):
        return None
    links = (
        await session.scalars(
            select(FeedItem.link)
            .where(
                FeedItem.unit_code == unit.code,
                FeedItem.polarity == "negative",
                FeedItem.published_at >= window_start,
            )
            .order_by(FeedItem.published_at.desc())
            .limit(10)
        )
    ).all()
    event = MediaSpikeDetected(
        event_id=event_id,
        incident_id=uuid.UUID(incident_id),
        producer="intake",
        unit=await unit_ref(session, unit),
        negative_count=recent,
        baseline=round(baseline, 3),
        window_hours=settings.spike_window_hours,
        links=[safe for safe in map(safe_link, links) if safe],  # rows stored before links were checked
    )
    await readmodel.apply_event(session, event)
    add_to_outbox(session, event)
    log.info("intake.media_spike", unit=unit.code, negative=recent, baseline=baseline)
    return event


async def take_entry(
    session: AsyncSession, feed_url: str, entry: Entry, settings: IntakeSettings, result: PollResult
) -> None:
    key = item_key(feed_url, entry.guid)
    if await session.get(FeedItem, key) is not None:
        return
    unit = await detect_unit(session, entry.text)
    if unit is None and not mentions_corrections(entry.text):
        return  # not about corrections: a feed carries every kind of news
    scored = tone(entry.text)
    item = FeedItem(
        key=key,
        feed_url=feed_url,
        guid=entry.guid,
        title=entry.title or entry.summary[:200],
        link=entry.link,
        published_at=entry.published,
        unit_code=unit.code if unit else None,
        polarity=scored.polarity,
        score=scored.score,
        categories=scored.categories,
    )
    session.add(item)
    await _tally(session, entry.published.date(), unit.code if unit else "", scored.polarity)
    result.kept += 1
    if scored.polarity != "negative" or unit is None:
        return
    body = ReportIn(
        unit_code=unit.code,
        text=entry.text[:MAX_TEXT],
        channel=Channel.FEED,
        source=Source.MEDIA,
        links=_link(entry.link),
    )
    accepted = await accept_report(session, body, settings)
    item.report_id = str(accepted.report_id)
    result.reports += 1
    if await check_spike(session, unit, str(accepted.incident_id), settings, utcnow()):
        result.spikes += 1


class FeedTooLarge(Exception):
    pass


async def download(client: httpx.AsyncClient, url: str, settings: IntakeSettings) -> bytes:
    """The feed's bytes, streamed: at most `feed_max_bytes` and within `feed_deadline_seconds` overall.

    httpx's timeout bounds each read, not the download: a server that sends a byte now and then, or an
    endless body, would hold the poller (and its memory) forever. A feed is written by others.
    """
    limit = settings.feed_max_bytes
    async with asyncio.timeout(settings.feed_deadline_seconds):
        request = client.build_request("GET", url, timeout=settings.feed_timeout_seconds)
        response = await client.send(request, stream=True, follow_redirects=True)
        try:
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FeedTooLarge(f"larger than {limit} bytes (declared {declared})")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FeedTooLarge(f"larger than {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            await response.aclose()


async def poll_feed(
    runtime: Runtime, settings: IntakeSettings, client: httpx.AsyncClient, url: str, result: PollResult
) -> None:
    try:
        content = await download(client, url, settings)
    except FeedTooLarge as exc:
        log.warning("intake.feed_too_large", feed=url, limit=settings.feed_max_bytes)
        result.errors.append(f"{url}: {exc}")
        return
    except TimeoutError:
        log.warning("intake.feed_too_slow", feed=url, deadline=settings.feed_deadline_seconds)
        result.errors.append(f"{url}: not downloaded within {settings.feed_deadline_seconds:g} s")
        return
    except httpx.HTTPError as exc:
        log.warning("intake.feed_unreachable", feed=url, error=repr(exc))
        result.errors.append(f"{url}: {exc!r}")
        return
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        log.warning("intake.feed_unreadable", feed=url, error=str(parsed.get("bozo_exception")))
        result.errors.append(f"{url}: not a feed")
        return
    now = utcnow()
    for raw in parsed.entries:
        entry = entry_of(raw, now)
        if entry is None:
            continue
        result.seen += 1
        try:
            async with runtime.unit_of_work() as session:
                await take_entry(session, url, entry, settings, result)
        except IntegrityError:  # another intake process took this item first
            continue
        except ValidationError as exc:  # one item the report model refuses must not stop the others
            log.warning("intake.feed_item_skipped", feed=url, errors=exc.error_count())
            result.errors.append(f"{url}: item {entry.guid[:100]} skipped")


async def poll_feeds(runtime: Runtime, settings: IntakeSettings, client: httpx.AsyncClient) -> PollResult:
    result = PollResult()
    for url in settings.feeds:
        await poll_feed(runtime, settings, client, url, result)
    log.info(
        "intake.feeds_polled",
        seen=result.seen,
        kept=result.kept,
        reports=result.reports,
        spikes=result.spikes,
    )
    return result


async def run(runtime: Runtime, settings: IntakeSettings) -> None:
    """Poll every `feed_poll_seconds` until cancelled."""
    async with httpx.AsyncClient(headers={"User-Agent": "Tanggap-intake/0.1 (news monitoring)"}) as client:
        while True:
            try:
                await poll_feeds(runtime, settings, client)
            except Exception:
                log.exception("intake.feeds_failed")
            await asyncio.sleep(settings.feed_poll_seconds)


async def _main() -> int:
    from tanggap_intake.migrate import upgrade
    from tanggap_intake.reference import load_reference

    settings = IntakeSettings()
    runtime = Runtime.build(settings)
    settings.ensure_state_dir()
    await upgrade(runtime.engine)
    async with runtime.unit_of_work() as session:
        await load_reference(session, settings.reference_dir)
    async with httpx.AsyncClient() as client:
        result = await poll_feeds(runtime, settings, client)
    await runtime.dispose()
    print(result)  # noqa: T201 - a CLI answer; the relay of the running intake publishes the reports
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
