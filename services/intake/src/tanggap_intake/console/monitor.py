"""The team directory (as the intake received it), the media monitor and the library of approved texts."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select

from tanggap_intake.access import ScopeKind, unit_filter
from tanggap_intake.api import tally_query
from tanggap_intake.console.common import UserDep, render, runtime
from tanggap_intake.console.home import open_incidents, unit_names
from tanggap_intake.feeds import safe_link
from tanggap_intake.models import Draft, FeedItem, Incident, MediaTally, TimelineEntry
from tanggap_intake.readmodel import DRAFT_NAMES

router = APIRouter()

PERIODS = {"hari": "per hari", "minggu": "per minggu", "bulan": "per bulan"}
LIBRARY_LIMIT = 50


@router.get("/team", response_class=HTMLResponse)
async def team(request: Request, user: UserDep) -> Response:
    """Crisis teams of open incidents in scope, from crisis_team.formed. The directory itself is the
    notifier's, on its internal port: no link to it (a person's browser cannot reach it)."""
    async with runtime(request).sessions() as session:
        query = open_incidents(user).where(Incident.crisis_team.is_not(None))
        incidents = (await session.scalars(query.order_by(Incident.updated_at.desc()).limit(100))).all()
        names = await unit_names(session, {i.unit_code for i in incidents})
    context = {
        "incidents": incidents,
        "names": names,
    }
    return render(request, "team.html", context, user=user)


def _period_start(day: date, period: str) -> date:
    if period == "minggu":
        return day - timedelta(days=day.weekday())
    if period == "bulan":
        return day.replace(day=1)
    return day


@router.get("/media", response_class=HTMLResponse)
async def media(
    request: Request,
    user: UserDep,
    periode: str = Query(default="hari", max_length=10),
    hari: int = Query(default=30, ge=1, le=366),
) -> Response:
    period = periode if periode in PERIODS else "hari"
    since = date.today() - timedelta(days=hari)
    async with runtime(request).sessions() as session:
        rows = (await session.scalars(tally_query(user, None, since, None))).all()
        visible = select(Incident.id).where(unit_filter(user, Incident.unit_code))
        spikes = (
            await session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.kind == "media.spike_detected", TimelineEntry.incident_id.in_(visible))
                .order_by(TimelineEntry.seq.desc())
                .limit(50)
            )
        ).all()
        items_query = select(FeedItem).order_by(FeedItem.published_at.desc()).limit(50)
        if user.scope is not ScopeKind.ALL:
            items_query = items_query.where(
                or_(FeedItem.unit_code.is_(None), unit_filter(user, FeedItem.unit_code))
            )
        items = [MediaItem.of(row) for row in (await session.scalars(items_query)).all()]
        names = await unit_names(session, {r.unit_code for r in rows if r.unit_code})
    periods: dict[date, dict[str, int]] = defaultdict(lambda: {"positive": 0, "negative": 0, "neutral": 0})
    for row in rows:
        bucket = periods[_period_start(row.day, period)]
        for key in ("positive", "negative", "neutral"):
            bucket[key] += getattr(row, key)
    context = {
        "periods": sorted(periods.items(), reverse=True),
        "period": period,
        "period_names": PERIODS,
        "days": hari,
        "per_unit": _per_unit(rows),
        "names": names,
        "spikes": spikes,
        "items": items,
    }
    return render(request, "media.html", context, user=user)


@dataclass(frozen=True)
class MediaItem:
    """A feed item as the page shows it: its link only when it is an http(s) address (rows stored before
    links were checked may hold javascript: or data: links)."""

    published_at: datetime
    title: str
    link: str
    polarity: str

    @classmethod
    def of(cls, row: FeedItem) -> "MediaItem":
        return cls(row.published_at, row.title, safe_link(row.link or ""), row.polarity)


def _per_unit(rows: Sequence[MediaTally]) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        totals[row.unit_code][0] += row.positive
        totals[row.unit_code][1] += row.negative
    return sorted(((u, p, n) for u, (p, n) in totals.items()), key=lambda t: -t[2])


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@router.get("/library", response_class=HTMLResponse)
async def library(
    request: Request,
    user: UserDep,
    q: str = Query(default="", max_length=200),
    jenis: str = Query(default="", max_length=30),
) -> Response:
    """Approved texts the intake holds (within scope), searchable. The drafter's full library (Qdrant)
    is not read here: it belongs to the drafter."""
    visible = select(Incident.id).where(unit_filter(user, Incident.unit_code))
    query = (
        select(Draft)
        .where(Draft.status == "approved", Draft.incident_id.in_(visible))
        .order_by(Draft.reviewed_at.desc())
        .limit(LIBRARY_LIMIT)
    )
    for word in q.split()[:8]:
        query = query.where(Draft.final_text.ilike(_like(word), escape="\\"))
    if jenis in DRAFT_NAMES:
        query = query.where(Draft.kind == jenis)
    async with runtime(request).sessions() as session:
        drafts = (await session.scalars(query)).all()
        incidents = {
            i.id: i
            for i in (
                await session.scalars(
                    select(Incident).where(Incident.id.in_({d.incident_id for d in drafts}))
                )
            ).all()
        }
        names = await unit_names(session, {i.unit_code for i in incidents.values()})
    context = {"drafts": drafts, "incidents": incidents, "names": names, "q": q, "jenis": jenis}
    return render(request, "library.html", context, user=user)
