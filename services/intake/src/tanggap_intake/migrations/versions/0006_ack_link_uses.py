"""Issue 14, acknowledgement links: each notification's link acknowledges once.

`intake_ack_link_uses` holds the first use, keyed by the notification: a second press of the same link, or
of another link minted for the same notification, finds it (in any intake process, after any restart) and
publishes nothing. Links minted before this revision are refused by their format, so no data is migrated.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_ack_link_uses",
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_intake_ack_link_uses")),
    )


def downgrade() -> None:
    op.drop_table("intake_ack_link_uses")
