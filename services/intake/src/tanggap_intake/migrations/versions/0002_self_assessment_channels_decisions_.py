"""Issue 3: the self-assessment, bot channels, human decisions, media monitoring.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "intake_channel_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intake_channel_messages")),
    )
    with op.batch_alter_table("intake_channel_messages", schema=None) as batch_op:
        batch_op.create_index("uq_intake_channel_messages_external", ["channel", "external_id"], unique=True)

    op.create_table(
        "intake_feed_items",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("feed_url", sa.Text(), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_code", sa.String(length=80), nullable=True),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intake_feed_items")),
    )
    with op.batch_alter_table("intake_feed_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_feed_items_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_feed_items_unit_code"), ["unit_code"], unique=False)

    op.create_table(
        "intake_media_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=80), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "unit_code", name=op.f("pk_intake_media_tally")),
    )
    op.create_table(
        "intake_acknowledgements",
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_intake_acknowledgements_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_intake_acknowledgements")),
    )
    with op.batch_alter_table("intake_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_acknowledgements_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "intake_report_revisions",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_intake_report_revisions_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intake_report_revisions")),
    )
    with op.batch_alter_table("intake_report_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_report_revisions_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("final_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("review_comment", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level_source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("classifier_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("override", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("crisis_team", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notification_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_notification_id"), ["notification_id"], unique=False
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stakeholders", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("reported_by", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("category_hint", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("match_reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_by", sa.String(length=200), nullable=True))

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentor", sa.String(length=80), server_default="", nullable=False))


def downgrade() -> None:

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("mentor")

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("match_reason")
        batch_op.drop_column("category_hint")
        batch_op.drop_column("reported_by")
        batch_op.drop_column("stakeholders")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_notification_id"))
        batch_op.drop_column("notification_id")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("crisis_team")
        batch_op.drop_column("override")
        batch_op.drop_column("classifier_level")
        batch_op.drop_column("level_source")

    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("review_comment")
        batch_op.drop_column("final_text")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")

    with op.batch_alter_table("intake_report_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_report_revisions_report_id"))

    op.drop_table("intake_report_revisions")
    with op.batch_alter_table("intake_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_acknowledgements_incident_id"))

    op.drop_table("intake_acknowledgements")
    op.drop_table("intake_media_tally")
    with op.batch_alter_table("intake_feed_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_feed_items_unit_code"))
        batch_op.drop_index(batch_op.f("ix_intake_feed_items_published_at"))

    op.drop_table("intake_feed_items")
    with op.batch_alter_table("intake_channel_messages", schema=None) as batch_op:
        batch_op.drop_index("uq_intake_channel_messages_external")

    op.drop_table("intake_channel_messages")
