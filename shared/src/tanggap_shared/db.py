"""SQLAlchemy async helpers, and the inbox/outbox tables every service keeps in its own database."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from tanggap_shared.events import EventBase, utcnow
from tanggap_shared.metrics import DB_STATEMENTS, DB_TRANSACTIONS
from tanggap_shared.tracing import current_trace_context

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class InboxEntry(Base):
    """An event a consumer has applied; a redelivery finds its row and is skipped."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEntry(Base):
    """An event written in the same transaction as the state change that caused it; the relay publishes it."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


def make_engine(url: str) -> AsyncEngine:
    """Create the engine; SQLite gets WAL and a busy timeout so a reader never blocks the writer."""
    engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    count_round_trips(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def database_label(engine: AsyncEngine) -> str:
    """The metric label of a database: the SQLite file's stem (`<state dir>/<service>.db`) or the
    database's name, so counters of several services in one process stay apart."""
    name = engine.url.database or engine.dialect.name
    return PurePath(name).stem or name


def count_round_trips(engine: AsyncEngine) -> None:
    """Count statements and transactions (the `make bench` cost budget); a counter increment is cheap next
    to the statement itself, so this is always on."""
    label = database_label(engine)
    statements = DB_STATEMENTS.labels(label)
    commits, rollbacks = DB_TRANSACTIONS.labels(label, "commit"), DB_TRANSACTIONS.labels(label, "rollback")

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(*_args: Any) -> None:
        statements.inc()

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(_conn: Any) -> None:
        commits.inc()

    @event.listens_for(engine.sync_engine, "rollback")
    def _rollback(_conn: Any) -> None:
        rollbacks.inc()


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create the tables this process knows about (the shared ones plus the service's own models).

    Replicas of a service starting together race on the same database: one's CREATE TABLE fails because
    the other's just succeeded, and a second look finds every table there.
    """
    for attempt in range(3):
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            return
        except OperationalError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session


async def already_applied(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """True if `consumer` applied this event before; otherwise records it in the current transaction.

    Two processes racing on the same event both insert; the second commit fails on the primary key,
    its transaction rolls back with every side effect, and the redelivery finds the row.
    """
    key = str(event_id)
    found = await session.scalar(
        select(InboxEntry.event_id).where(InboxEntry.consumer == consumer, InboxEntry.event_id == key)
    )
    if found is not None:
        return True
    session.add(InboxEntry(consumer=consumer, event_id=key))
    await session.flush()
    return False


def add_to_outbox(session: AsyncSession, event: EventBase) -> None:
    """Stage an event for publishing once the current transaction commits."""
    trace = current_trace_context()
    if trace and not event.trace_context:
        event = event.model_copy(update={"trace_context": trace})
    session.add(
        OutboxEntry(event_id=str(event.event_id), subject=event.subject, payload=event.model_dump_json())
    )
