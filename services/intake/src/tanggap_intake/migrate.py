"""Schema migrations (Alembic) for the intake's own tables; the app upgrades its database at start.

`python -m tanggap_intake.migrate` upgrades the configured database (TANGGAP_DATABASE_URL) without
starting the service; `python -m tanggap_intake.migrate current` prints the revision it is at.
"""

import asyncio
import functools
import sys
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import SchemaItem

from tanggap_shared.db import Base, make_engine

log = structlog.get_logger("tanggap.intake.migrate")

VERSION_TABLE = "intake_alembic_version"
# The schema the spine created with create_all, before the intake had migrations.
BASELINE = "0001"
SHARED_TABLES = frozenset({"inbox", "outbox"})
# Two intake processes starting together on PostgreSQL must not migrate at the same time.
_PG_LOCK_KEY = 0x7A4E_0001


@functools.cache
def intake_tables() -> frozenset[str]:
    """The tables the intake owns: its models' tables plus the shared inbox and outbox."""
    from tanggap_intake import models

    own = {
        mapper.class_.__table__.name
        for mapper in Base.registry.mappers
        if mapper.class_.__module__ == models.__name__
    }
    return frozenset(own) | SHARED_TABLES


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    return type_ != "table" or name in intake_tables()


def include_object(obj: SchemaItem, name: str | None, type_: str, _reflected: bool, _other: object) -> bool:
    """Only the intake's tables (and their indexes and constraints) are compared and migrated."""
    if type_ == "table":
        return name in intake_tables()
    table = getattr(obj, "table", None)
    return table is None or table.name in intake_tables()


def schema_differences(connection: Connection) -> list[Any]:
    """What the database lacks or has beyond the intake's models (empty when the migrations are complete)."""
    context = MigrationContext.configure(
        connection,
        opts={"include_name": include_name, "include_object": include_object, "compare_type": True},
    )
    return list(compare_metadata(context, Base.metadata))


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    config = alembic_config(connection)
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE not in tables and "incidents" in tables:
        log.info("intake.migrate_adopting", baseline=BASELINE)
        command.stamp(config, BASELINE)
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Bring the database to `revision`; returns the revision it is at afterwards."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
        current = await conn.run_sync(_current)
    log.info("intake.migrated", revision=current)
    return current


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """The schema step of the intake's runtime: migrations, never create_all."""
    await upgrade(engine)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def _main(argv: list[str]) -> int:
    from tanggap_intake.settings import IntakeSettings

    settings = IntakeSettings()
    settings.ensure_state_dir()
    engine = make_engine(settings.resolved_database_url())
    try:
        if argv[:1] == ["current"]:
            print(await current_revision(engine))  # noqa: T201 - a CLI answer
        else:
            print(await upgrade(engine, argv[0] if argv else "head"))  # noqa: T201
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
