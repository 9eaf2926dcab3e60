"""Issue 13 item 5 and issue 14 item 9: every edit of a draft is checked; a decision records its principal.

`drafts.edit_revision` counts the edits sent to the drafter for checking, with the digest of the latest
(`edit_sha256`); the drafter's answer for it is kept in `checked_revision`, `check_findings`, `checked_at`
and `checks_version`. `recorded_by` / `recorded_by_kind` are who really decided, `on_behalf_of` the name the
caller sent. Drafts decided before this revision keep empty attribution fields (their `reviewed_by` stays).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edit_revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("edit_sha256", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("checked_revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("check_findings", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("checks_version", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("recorded_by", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("recorded_by_kind", sa.String(length=20), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("on_behalf_of", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        for name in (
            "on_behalf_of",
            "recorded_by_kind",
            "recorded_by",
            "checks_version",
            "checked_at",
            "check_findings",
            "checked_revision",
            "edit_sha256",
            "edit_revision",
        ):
            batch_op.drop_column(name)
