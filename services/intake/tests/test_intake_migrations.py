"""Alembic migrations for the intake's tables on SQLite and PostgreSQL: a fresh database ends up exactly
like the models, and a database the spine created with create_all is adopted with its data."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, make_url, text

from tanggap_intake.migrate import (
    BASELINE,
    VERSION_TABLE,
    alembic_config,
    current_revision,
    intake_tables,
    schema_differences,
    upgrade,
)
from tanggap_shared.db import make_engine

from .conftest import BACKENDS, POSTGRES_URL, _admin

HEAD = "0007"


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, of each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
        return
    name = f"tanggap_test_{uuid.uuid4().hex[:12]}"
    await _admin(POSTGRES_URL, f"CREATE DATABASE {name}")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_a_fresh_database_gets_exactly_the_models_tables(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        assert await upgrade(engine) == HEAD
        assert await upgrade(engine) == HEAD, "running again at start changes nothing"
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            differences = await conn.run_sync(schema_differences)
        assert tables == intake_tables() | {VERSION_TABLE}, (
            "only the intake's tables, whatever else is imported"
        )
        assert differences == []
    finally:
        await engine.dispose()


def _spine_database(conn: Connection) -> None:
    """What the spine left behind: its schema (revision 0001) without any migration bookkeeping, and data."""
    command.upgrade(alembic_config(conn), BASELINE)
    conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    now = {"now": datetime(2026, 1, 1, tzinfo=UTC)}
    statements = [
        "INSERT INTO regions VALUES ('DKI', 'DKI Jakarta', 'Kanwil DKI', '', 'Jakarta')",
        "INSERT INTO units VALUES ('DKI-LAPAS-CIPINANG', 'Lapas Kelas I Cipinang', 'Lapas', 'I', '', "
        "'Jakarta', 'DKI')",
        "INSERT INTO incidents (id, unit_code, phase, secondary_categories, reasons, deadlines, created_at, "
        "updated_at) VALUES ('i-1', 'DKI-LAPAS-CIPINANG', 'krisis', '[]', '[]', '{}', :now, :now)",
        "INSERT INTO reports (id, incident_id, unit_code, channel, text, facts, impact, links, received_at)"
        " VALUES ('r-1', 'i-1', 'DKI-LAPAS-CIPINANG', 'web', 'ricuh', '{}', '{}', '[]', :now)",
    ]
    for statement in statements:
        conn.execute(text(statement), now if ":now" in statement else {})


async def test_a_spine_database_is_adopted_with_its_data(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_spine_database)
        assert await current_revision(engine) is None
        assert await upgrade(engine) == HEAD
        async with engine.connect() as conn:
            row: Any = (
                await conn.execute(
                    text(
                        "SELECT text, stakeholders, match_reason, reported_by, recorded_by_kind FROM reports "
                        "WHERE id = 'r-1'"
                    )
                )
            ).one()
            assert await conn.run_sync(schema_differences) == []
        assert row.text == "ricuh"
        assert row.stakeholders in ("[]", [])
        assert (row.match_reason, row.reported_by) == ("", "")
        assert row.recorded_by_kind == "legacy", "an old report says its sender is unknown, not guessed"
    finally:
        await engine.dispose()


async def test_the_latest_migration_can_be_undone_and_redone(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), BASELINE))
        assert await current_revision(engine) == BASELINE
        assert await upgrade(engine) == HEAD
    finally:
        await engine.dispose()
