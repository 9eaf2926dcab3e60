"""The dashboard's clocks (DOMAIN.md §6.1, §6.3): time since reported, the holding-statement deadline of the
level, and the 60-minute target for steps 2-5 of the UPT loop. Pure; the page renders what this returns."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CYCLE_MINUTES = 60
QUEUE_WORDS = 12
# Open incidents, most severe first; unclassified last (they wait for the classifier seconds, not hours).
LEVEL_ORDER: tuple[int | None, ...] = (4, 3, 2, 1, None)


@dataclass(frozen=True)
class Clock:
    """A countdown: `due` is None when the level sets no such deadline; `done` once it was met."""

    due: datetime | None
    done: bool

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.due is None else (self.due - now).total_seconds()

    def state(self, now: datetime) -> str:
        """ "done", "none", "late", "soon" (under a quarter of an hour) or "ok"; CSS classes of the page."""
        left = self.seconds_left(now)
        if self.done:
            return "done"
        if left is None:
            return "none"
        if left < 0:
            return "late"
        return "soon" if left < 15 * 60 else "ok"


@dataclass(frozen=True)
class Row:
    incident: Any
    age_seconds: float
    holding: Clock
    cycle: Clock


def clocks(created_at: datetime, deadlines: dict[str, Any], approved_kinds: set[str]) -> tuple[Clock, Clock]:
    minutes = deadlines.get("holding_statement")
    holding_due = created_at + timedelta(minutes=int(minutes)) if minutes else None
    holding = Clock(holding_due, "holding_statement" in approved_kinds)
    # The cycle ends when the first outbound text is approved (step 5 of the loop).
    cycle = Clock(created_at + timedelta(minutes=CYCLE_MINUTES), bool(approved_kinds))
    return holding, cycle


def first_words(text: str, count: int = QUEUE_WORDS) -> str:
    """The opening words of a report, enough to recognise it in the triage queue."""
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def rows_by_level(
    incidents: Iterable[Any], approved: dict[str, set[str]], now: datetime
) -> list[tuple[int | None, list[Row]]]:
    """Open incidents grouped by level (4 first), oldest first within a level: the longest wait on top."""
    groups: dict[int | None, list[Row]] = {level: [] for level in LEVEL_ORDER}
    for incident in incidents:
        kinds = approved.get(incident.id, set())
        holding, cycle = clocks(incident.created_at, incident.deadlines, kinds)
        row = Row(incident, (now - incident.created_at).total_seconds(), holding, cycle)
        groups.setdefault(incident.level, []).append(row)
    return [(level, sorted(rows, key=lambda r: -r.age_seconds)) for level, rows in groups.items() if rows]
