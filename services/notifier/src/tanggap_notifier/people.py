"""The directory as stored in the notifier's database: the API and the import write it, routing reads it.

Every write validates the whole directory it would leave behind (deputies that exist, someone at the
centre), so routing never reads a directory that would not load from a file.
"""

from typing import Any

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tanggap_notifier.directory import Directory, Person, parse_directory
from tanggap_notifier.models import PersonRow

log = structlog.get_logger("tanggap.notifier")


def person_of(row: PersonRow) -> Person:
    return Person.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "role": row.role,
            "tier": row.tier,
            "unit": row.unit,
            "region": row.region,
            "deputies": list(row.deputies),
            "channels": list(row.channels),
        }
    )


def _fill(row: PersonRow, person: Person) -> None:
    row.name = person.name
    row.role = person.role.value
    row.tier = person.tier.value
    row.unit = person.unit
    row.region = person.region
    row.deputies = list(person.deputies)
    row.channels = list(person.channels)


async def load_people(session: AsyncSession) -> list[Person]:
    rows = (await session.scalars(select(PersonRow).order_by(PersonRow.id))).all()
    return [person_of(row) for row in rows]


async def load_directory_from_db(session: AsyncSession) -> Directory:
    """The stored directory (built without re-validating: every write validated it already)."""
    return Directory.model_construct(people=await load_people(session))


async def count_people(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PersonRow)) or 0)


def merged(current: list[Person], incoming: list[dict[str, Any]], *, replace: bool, source: str) -> Directory:
    """The directory after an import: `incoming` added or updated by id; with `replace`, only `incoming`."""
    people: dict[str, Any] = {} if replace else {p.id: p.model_dump(mode="json") for p in current}
    for item in incoming:
        key = str(item.get("id", "")) if isinstance(item, dict) else ""
        people[key or f"(row {len(people)})"] = item
    return parse_directory({"people": list(people.values())}, source=source)


async def store_directory(session: AsyncSession, directory: Directory) -> tuple[int, int, int]:
    """Make the stored people exactly `directory`; returns (added, updated, removed)."""
    existing = {row.id: row for row in (await session.scalars(select(PersonRow))).all()}
    added = updated = 0
    for person in directory.people:
        row = existing.pop(person.id, None)
        if row is None:
            row = PersonRow(id=person.id)
            session.add(row)
            added += 1
        elif person_of(row) != person:
            updated += 1
        _fill(row, person)
    if existing:
        await session.execute(delete(PersonRow).where(PersonRow.id.in_(list(existing))))
    return added, updated, len(existing)


async def seed_if_empty(
    sessions: async_sessionmaker[AsyncSession], directory: Directory, *, source: str
) -> bool:
    """First start: the stored directory is empty, so the file's people are stored. True if seeded."""
    try:
        async with sessions() as session, session.begin():
            if await count_people(session):
                return False
            for person in directory.people:
                row = PersonRow(id=person.id)
                _fill(row, person)
                session.add(row)
    except IntegrityError:  # a second process seeded at the same moment
        return False
    log.info("notifier.directory_seeded", people=len(directory.people), source=source)
    return True
