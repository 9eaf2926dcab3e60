"""Issue 12: facts read from each report's text, person decisions on them, and the triage queue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_review", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("review_reasons", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("triage", sa.JSON(), nullable=True))
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reading", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reading_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fact_decisions", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("fact_decisions")
        batch_op.drop_column("reading_at")
        batch_op.drop_column("reading")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("triage")
        batch_op.drop_column("review_reasons")
        batch_op.drop_column("needs_review")
