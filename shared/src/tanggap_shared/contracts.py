"""Codes shared by every service, the console and the API (DESIGN.md "Categories", "Draft kinds")."""

from enum import StrEnum


class Category(StrEnum):
    """One crisis taxonomy across services (DOMAIN.md §3)."""

    ESCAPE = "escape"
    UNREST = "unrest"
    DRUGS = "drugs"
    CONTRABAND = "contraband"
    EXTORTION = "extortion"
    VIOLENCE = "violence"
    DEATH = "death"
    DISASTER = "disaster"
    OVERCAPACITY = "overcapacity"
    VIRAL = "viral"
    MISCONDUCT = "misconduct"
    TERRORISM = "terrorism"
    RIGHTS = "rights"
    ROUTINE = "routine"


class DraftKind(StrEnum):
    """Draft kinds of DOMAIN.md §6.7."""

    HOLDING_STATEMENT = "holding_statement"
    PRESS_RELEASE = "press_release"
    KEY_MESSAGES = "key_messages"
    QA = "qa"
    SOCIAL_POST = "social_post"
    CLARIFICATION = "clarification"
    RIGHT_OF_REPLY = "right_of_reply"
    DPO_NOTICE = "dpo_notice"
    ESCALATION_REPORT = "escalation_report"
    CRISIS_PLAN = "crisis_plan"
    EVALUATION_REPORT = "evaluation_report"


class Source(StrEnum):
    """Where the information came from (DOMAIN.md §1.2 step 1, §6.4)."""

    MEDIA = "media"
    APH = "aph"
    PUBLIC = "public"
    SOCIAL = "social"
    INTERNAL = "internal"


class Channel(StrEnum):
    """How the report reached Tanggap."""

    WEB = "web"
    API = "api"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    FEED = "feed"


class MediaReach(StrEnum):
    """The "sebaran" axis of the severity matrix (DOMAIN.md §6.2)."""

    INTERNAL = "internal"
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"


class Tier(StrEnum):
    """Where a person of the crisis team sits."""

    UPT = "upt"
    REGION = "region"
    CENTRE = "centre"


class Role(StrEnum):
    """Crisis-team roles (DOMAIN.md §6.5)."""

    KETUA = "ketua"
    JURU_BICARA = "juru_bicara"
    KOORDINATOR_HUMAS = "koordinator_humas"
    VERIFIKATOR_FAKTA = "verifikator_fakta"
    PEMANTAU_MEDIA = "pemantau_media"
    PENGHUBUNG = "penghubung"
    SUPERVISOR = "supervisor"
    MENTOR = "mentor"
    PUSAT = "pusat"


class DraftStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class NotificationStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    ACKNOWLEDGED = "acknowledged"
