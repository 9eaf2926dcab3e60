"""Alembic environment for the intake's tables only (plus the inbox and outbox it shares the database with).

The shared metadata also holds other services' tables when they are imported in one process (the tests),
so every comparison and migration is filtered to the intake's own tables.
"""

from alembic import context
from sqlalchemy import Connection

from tanggap_intake.migrate import VERSION_TABLE, include_name, include_object
from tanggap_shared.db import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the intake's migrations with `python -m tanggap_intake.migrate`")
run(connection)
