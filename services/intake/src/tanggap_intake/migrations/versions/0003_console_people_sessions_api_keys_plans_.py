"""Issue 7, the console: people, login sessions, API keys, failed logins, crisis plans, saved draft edits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "intake_api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("unit_code", sa.String(length=80), nullable=True),
        sa.Column("region_code", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_intake_api_keys_key_hash")),
    )
    op.create_table(
        "intake_login_failures",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intake_login_failures")),
    )
    with op.batch_alter_table("intake_login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_login_failures_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_login_failures_username"), ["username"], unique=False)

    op.create_table(
        "intake_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("unit_code", sa.String(length=80), nullable=True),
        sa.Column("region_code", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_users")),
        sa.UniqueConstraint("username", name=op.f("uq_intake_users_username")),
    )
    op.create_table(
        "intake_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["intake_users.id"], name=op.f("fk_intake_sessions_user_id_intake_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_intake_sessions")),
    )
    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "intake_crisis_plans",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_intake_crisis_plans_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_intake_crisis_plans")),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("working_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("working_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("working_at")
        batch_op.drop_column("working_by")
        batch_op.drop_column("working_text")

    op.drop_table("intake_crisis_plans")
    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_sessions_user_id"))

    op.drop_table("intake_sessions")
    op.drop_table("intake_users")
    with op.batch_alter_table("intake_login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_login_failures_username"))
        batch_op.drop_index(batch_op.f("ix_intake_login_failures_at"))
        batch_op.drop_index(batch_op.f("ix_intake_login_failures_address"))

    op.drop_table("intake_login_failures")
    op.drop_table("intake_api_keys")
