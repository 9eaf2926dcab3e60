"""The intake's tables: reference data, reports, and the incident read model built from every event."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    province: Mapped[str] = mapped_column(String(100))
    office_name: Mapped[str] = mapped_column(String(200))
    former_name: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    unit_class: Mapped[str] = mapped_column(String(10), default="")
    specialisation: Mapped[str] = mapped_column(String(30), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    mentor: Mapped[str] = mapped_column(String(80), default="", server_default="")


class UnitAlias(Base):
    __tablename__ = "unit_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("units.code"))


class Incident(Base):
    """The read model of one incident: what the API and the console show."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_unit_created", "unit_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    phase: Mapped[str] = mapped_column(String(20), default="pra_krisis")
    level: Mapped[int | None] = mapped_column(Integer, default=None)
    crisis: Mapped[bool | None] = mapped_column(default=None)
    category: Mapped[str | None] = mapped_column(String(30), default=None)
    secondary_categories: Mapped[list[Any]] = mapped_column(default=list)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version: Mapped[str | None] = mapped_column(String(50), default=None)
    classified_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "classifier" or "override": a human's level stands over later automatic ones.
    level_source: Mapped[str | None] = mapped_column(String(20), default=None)
    classifier_level: Mapped[int | None] = mapped_column(Integer, default=None)
    override: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    crisis_team: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    merged_into: Mapped[str | None] = mapped_column(String(36), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # "Perlu ditinjau" (issue 12): the classifier is unsure; a person decides crisis or not (`triage`).
    needs_review: Mapped[bool] = mapped_column(default=False, server_default="0")
    review_reasons: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    triage: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20), default=None)
    text: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    impact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    stakeholders: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # What the caller claims ("diisi atas nama"), kept as a claim; recorded_by is who really sent it: the
    # person logged in, the API key, or the channel (a bot's webhook), and its kind.
    reported_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recorded_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recorded_by_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    category_hint: Mapped[str | None] = mapped_column(String(30), default=None)
    match_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_by: Mapped[str | None] = mapped_column(String(200), default=None)
    # The latest machine reading of the text (a ReportReading) and the people's decisions on its facts.
    reading: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    reading_at: Mapped[datetime | None] = mapped_column(default=None)
    fact_decisions: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    method: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    final_text: Mapped[str | None] = mapped_column(Text, default=None)
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An edit saved in the console by someone who may not approve it, for the approver to start from.
    working_text: Mapped[str | None] = mapped_column(Text, default=None)
    working_by: Mapped[str | None] = mapped_column(String(200), default=None)
    working_at: Mapped[datetime | None] = mapped_column(default=None)
    # Every edit is checked by the drafter (issue 13): `edit_revision` counts the edits sent for checking
    # (0: the text as proposed, checked when drafted); the check of the latest one is kept beside it, and
    # approval needs that check to be of the revision approved.
    edit_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edit_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    checked_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    check_findings: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    checked_at: Mapped[datetime | None] = mapped_column(default=None)
    checks_version: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # Who really decided (issue 14): the principal; `on_behalf_of` is the name the caller sent, a claim.
    recorded_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    recorded_by_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    on_behalf_of: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    tier: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    trigger_type: Mapped[str] = mapped_column(String(50))
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    roster_gaps: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # One notification may end as failed and later as sent: one row per notification, updated.
    notification_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)


class TimelineEntry(Base):
    __tablename__ = "timeline"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(36), default=None)


class IdempotencyKey(Base):
    """The first answer to a request that carried an Idempotency-Key, replayed to its retries."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Acknowledgement(Base):
    """Who acknowledged a notification; kept apart so an ack that overtakes its notification is not lost."""

    __tablename__ = "intake_acknowledgements"

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    acknowledged_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportRevision(Base):
    """One completion or correction of a report's self-assessment: who, when, what changed, and the result."""

    __tablename__ = "intake_report_revisions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
    changes: Mapped[list[Any]] = mapped_column(default=list)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ChannelMessage(Base):
    """Every message a bot channel delivered, once per (channel, external id), with what became of it."""

    __tablename__ = "intake_channel_messages"
    __table_args__ = (Index("uq_intake_channel_messages_external", "channel", "external_id", unique=True),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    chat_id: Mapped[str] = mapped_column(String(100), default="")
    sender: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    # "reported", "updated" (an edit of a reported message) or "unmatched" (no unit named: kept, answered)
    status: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[str | None] = mapped_column(String(36), default=None)
    incident_id: Mapped[str | None] = mapped_column(String(36), default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedItem(Base):
    """A news item about corrections seen in a monitored feed, with its polarity and unit."""

    __tablename__ = "intake_feed_items"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of feed URL and item id
    feed_url: Mapped[str] = mapped_column(Text)
    guid: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    unit_code: Mapped[str | None] = mapped_column(String(80), default=None, index=True)
    polarity: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    report_id: Mapped[str | None] = mapped_column(String(36), default=None)


class MediaTally(Base):
    """Positive and negative items per day and unit ("" = about corrections, no known unit)."""

    __tablename__ = "intake_media_tally"

    day: Mapped[date] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A person who logs in to the console; the role decides the scope (unit, region or everything)."""

    __tablename__ = "intake_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(80), default=None)
    region_code: Mapped[str | None] = mapped_column(String(20), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class UserSession(Base):
    """A login session; the cookie carries a random token, the table keeps only its SHA-256."""

    __tablename__ = "intake_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("intake_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiKey(Base):
    """A machine's key (a bot, an integration): stored as SHA-256, with a role and a scope like a person."""

    __tablename__ = "intake_api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(80), default=None)
    region_code: Mapped[str | None] = mapped_column(String(20), default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(200), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginFailure(Base):
    """A failed login, counted per username and per address to slow down password guessing."""

    __tablename__ = "intake_login_failures"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CrisisPlan(Base):
    """The crisis communication plan of an incident (DOMAIN.md §6.6), as the team last saved it."""

    __tablename__ = "intake_crisis_plans"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AckLinkUse(Base):
    """The one use of a notification's acknowledgement link (issue 14): its key makes a second press, a
    restart or a second intake process find the first use and publish nothing more."""

    __tablename__ = "intake_ack_link_uses"

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36))
    acknowledged_by: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
