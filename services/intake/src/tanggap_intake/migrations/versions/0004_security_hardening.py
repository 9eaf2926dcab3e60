"""Issue 14, security hardening: who really sent a report, apart from whom the caller names.

`reports.recorded_by` (with `recorded_by_kind`) is the authenticated sender; `reported_by` stays the caller's
claim ("diisi atas nama"). Reports stored before this revision cannot say who sent them: they are marked
`legacy` rather than guessed. (Idempotency keys are made per caller in code, by hashing the caller into the
stored key, and the login throttle reads the existing failure rows: neither needs a schema change.)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY = "tidak tercatat (laporan sebelum pembaruan keamanan)"


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded_by", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("recorded_by_kind", sa.String(length=20), server_default="", nullable=False)
        )
    reports = sa.table(
        "reports", sa.column("recorded_by", sa.String), sa.column("recorded_by_kind", sa.String)
    )
    op.execute(reports.update().values(recorded_by=LEGACY, recorded_by_kind="legacy"))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("recorded_by_kind")
        batch_op.drop_column("recorded_by")
