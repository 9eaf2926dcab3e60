"""One approval request per incident and approver, listing the drafts that wait, instead of one per draft.

A level-4 incident brings about seven draft.proposed events within a second. The first one for an
approver opens a request and its gathering window (a durable timer, TANGGAP_APPROVAL_DIGEST_SECONDS);
the others join it. When the window fires, the request is staged as ONE delivery (or one digest item, at
level 1 or over the rate limit) and its escalation timer starts. A draft proposed after that opens the
next round: one more request with what arrived since, never one message per draft.

A review marks the draft in every request that lists it. The request's escalation then speaks of the
drafts still waiting; once every listed draft is reviewed, the request is done and its timers stop.

Everything runs in the caller's unit of work. Requests are read FOR UPDATE (PostgreSQL; SQLite writers
are serialized anyway), so a draft joining a request and the window firing never lose each other.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.directory import Directory
from tanggap_notifier.incidents import get_state, view_of
from tanggap_notifier.messages import IncidentView, MessageRenderer, draft_title
from tanggap_notifier.models import ApprovalRequest, ApprovalStatus, Timer, TimerKind, TimerStatus
from tanggap_notifier.notices import PRODUCER, Notice, stage
from tanggap_notifier.routing import Routed, RoutingPolicy, resolve
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import DraftProposed, UnitRef, derive_event_id

KIND = "approval_request"
TRIGGER_TYPE = "notifier.approval_request"
OPEN = (ApprovalStatus.GATHERING.value, ApprovalStatus.REQUESTED.value)
KIND_ORDER = list(DraftKind)

log = structlog.get_logger("tanggap.notifier")


def request_id(incident_id: uuid.UUID | str, person_id: str, round_: int) -> str:
    """Fixed by incident, person and round: a handler that runs twice builds the same request."""
    return str(derive_event_id(uuid.UUID(str(incident_id)), PRODUCER, "approval", person_id, str(round_)))


def timer_key(request: ApprovalRequest) -> str:
    return f"approval:{request.id}"


def waiting(request: ApprovalRequest) -> list[dict[str, Any]]:
    """The listed drafts nobody has reviewed yet."""
    done = set(request.reviewed)
    return [draft for draft in request.drafts if draft["draft_id"] not in done]


def _reading_order(draft: dict[str, Any]) -> tuple[int, bool]:
    """Drafts arrive in any order (the consumer handles a batch at once); the request lists them in the
    drafter's order of kinds, the holding statement first, each template before its LLM version."""
    return KIND_ORDER.index(DraftKind(draft["kind"])), draft["method"] != "template"


def about(count: int) -> str:
    """What the request is for, as the notification row and the escalation say it."""
    return f"permintaan persetujuan: {count} draf"


def _entry(event: DraftProposed) -> dict[str, Any]:
    return {
        "draft_id": str(event.draft_id),
        "kind": event.kind.value,
        "method": event.method,
        "blocking": sum(1 for f in event.findings if f.severity == "blocking"),
    }


async def _requests(session: AsyncSession, incident_id: str, person_id: str) -> list[ApprovalRequest]:
    query = (
        select(ApprovalRequest)
        .where(ApprovalRequest.incident_id == incident_id, ApprovalRequest.person_id == person_id)
        .order_by(ApprovalRequest.round)
        .with_for_update()
    )
    return list((await session.scalars(query)).all())


def _open_round(
    session: AsyncSession, event: DraftProposed, routed: Routed, round_: int, due: datetime
) -> ApprovalRequest:
    request = ApprovalRequest(
        id=request_id(event.incident_id, routed.person.id, round_),
        incident_id=str(event.incident_id),
        person_id=routed.person.id,
        round=round_,
        level=event.level,
        unit=event.unit.model_dump(mode="json"),
        status=ApprovalStatus.GATHERING.value,
        drafts=[_entry(event)],
        reviewed=[],
        due_at=due,
    )
    session.add(request)
    session.add(
        Timer(
            id=str(derive_event_id(uuid.UUID(request.id), PRODUCER, "approval-window")),
            kind=TimerKind.APPROVAL.value,
            key=timer_key(request),
            incident_id=request.incident_id,
            due_at=due,
            payload={"request_id": request.id},
        )
    )
    return request


async def gather(
    session: AsyncSession,
    event: DraftProposed,
    approvers: list[Routed],
    *,
    window: timedelta,
    now: datetime,
) -> int:
    """Add the draft to each approver's gathering request, or open the next round; returns how many
    requests it joined or opened (0 when every approver already has it listed)."""
    draft_id = str(event.draft_id)
    touched = 0
    for routed in approvers:
        requests = await _requests(session, str(event.incident_id), routed.person.id)
        if any(draft_id == d["draft_id"] for r in requests for d in r.drafts):
            continue  # the same draft proposed again: listed once
        gathering = next((r for r in requests if r.status == ApprovalStatus.GATHERING.value), None)
        if gathering is None:
            round_ = max((r.round for r in requests), default=0) + 1
            _open_round(session, event, routed, round_, now + window)
            log.info("notifier.approval_opened", person_id=routed.person.id, round=round_)
        else:
            # JSON columns: assign a new list, so the change is seen and written.
            gathering.drafts = [*gathering.drafts, _entry(event)]
            gathering.level = max(gathering.level, event.level)
            log.info("notifier.approval_gathered", person_id=routed.person.id, drafts=len(gathering.drafts))
        touched += 1
    return touched


async def reviewed(session: AsyncSession, incident_id: str, draft_id: str) -> int:
    """Mark the draft reviewed in every open request that lists it; returns how many requests ended."""
    query = (
        select(ApprovalRequest)
        .where(ApprovalRequest.incident_id == incident_id, ApprovalRequest.status.in_(OPEN))
        .with_for_update()
    )
    ended = 0
    for request in (await session.scalars(query)).all():
        listed = {d["draft_id"] for d in request.drafts}
        if draft_id not in listed or draft_id in request.reviewed:
            continue
        request.reviewed = [*request.reviewed, draft_id]
        left = len(waiting(request))
        if left == 0:
            sent = request.status == ApprovalStatus.REQUESTED.value
            request.status = (ApprovalStatus.DONE if sent else ApprovalStatus.CANCELLED).value
            await _stop_timers(session, request)
            ended += 1
        else:
            await _retitle_escalation(session, request, left)
    return ended


async def _stop_timers(session: AsyncSession, request: ApprovalRequest) -> None:
    """Its window and its escalation: nothing of this request is left to do."""
    query = select(Timer).where(Timer.key == timer_key(request), Timer.status == TimerStatus.PENDING.value)
    for timer in (await session.scalars(query)).all():
        timer.status = TimerStatus.CANCELLED.value


async def _retitle_escalation(session: AsyncSession, request: ApprovalRequest, left: int) -> None:
    """A pending escalation of the request speaks of the drafts still waiting."""
    query = select(Timer).where(
        Timer.key == timer_key(request),
        Timer.kind == TimerKind.ESCALATION.value,
        Timer.status == TimerStatus.PENDING.value,
    )
    for timer in (await session.scalars(query)).all():
        timer.payload = {**timer.payload, "about": about(left)}


async def close(session: AsyncSession, incident_id: str) -> int:
    """A closed incident asks nobody to approve anything more (its timers are cancelled by the caller)."""
    query = select(ApprovalRequest).where(
        ApprovalRequest.incident_id == incident_id,
        ApprovalRequest.status.in_(OPEN),
    )
    requests = list((await session.scalars(query)).all())
    for request in requests:
        request.status = ApprovalStatus.CANCELLED.value
    return len(requests)


def _view(request: ApprovalRequest, state_view: IncidentView | None) -> IncidentView:
    if state_view is not None:
        return state_view
    return IncidentView(
        incident_id=uuid.UUID(request.incident_id),
        unit=UnitRef.model_validate(request.unit),
        level=request.level,
        category=Category.ROUTINE,
        known_at=request.created_at,
    )


class ApprovalRequests:
    """Sends a request when its gathering window ends; runs inside the timer's firing transaction."""

    def __init__(self, *, policy: RoutingPolicy, renderer: MessageRenderer) -> None:
        self._policy = policy
        self._renderer = renderer

    def _approver(self, request: ApprovalRequest, view: IncidentView, directory: Directory) -> Routed | None:
        """The approver as routing names them now (with the roster gaps they stand in for)."""
        routed = resolve(
            self._policy.targets_for(KIND, request.level),
            directory=directory,
            policy=self._policy,
            unit=view.unit.code,
            region=view.unit.region,
        )
        found = next((r for r in routed if r.person.id == request.person_id), None)
        if found is not None:
            return found
        person = directory.get(request.person_id)
        return Routed(person) if person is not None else None

    async def send(self, session: AsyncSession, timer: Timer, directory: Directory, now: datetime) -> None:
        query = select(ApprovalRequest).where(ApprovalRequest.id == str(timer.payload["request_id"]))
        request = await session.scalar(query.with_for_update())
        if request is None or request.status != ApprovalStatus.GATHERING.value:
            return
        drafts = sorted(waiting(request), key=_reading_order)
        state = await get_state(session, request.incident_id)
        if not drafts or (state is not None and state.closed):
            request.status = ApprovalStatus.CANCELLED.value
            return
        view = _view(request, view_of(state) if state is not None else None)
        routed = self._approver(request, view, directory)
        if routed is None:
            log.warning("notifier.approver_left_directory", person_id=request.person_id)
            request.status = ApprovalStatus.CANCELLED.value
            return
        extra = {
            "drafts": [
                {"title": draft_title(d["kind"], d["method"]), "blocking": d["blocking"]} for d in drafts
            ],
            "count": len(drafts),
            "blocking": sum(int(d["blocking"]) for d in drafts),
            "round": request.round,
            "about": about(len(drafts)),
        }
        trigger = uuid.UUID(request.id)
        notice = Notice(KIND, trigger, TRIGGER_TYPE, view, trigger, extra, timer_key=timer_key(request))
        await stage(session, notice, [routed], policy=self._policy, renderer=self._renderer, now=now)
        request.status = ApprovalStatus.REQUESTED.value
        log.info("notifier.approval_requested", person_id=request.person_id, drafts=len(drafts))
