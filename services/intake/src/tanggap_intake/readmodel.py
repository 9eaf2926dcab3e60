"""The incident read model: every event applied once each, with a timeline line.

Events from other services arrive through the broker; the intake's own decisions (a review, an override,
a phase change…) are applied here in the same transaction that stages them in the outbox, and recorded
in the inbox, so their echo from the broker changes nothing.
"""

import uuid

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.models import Acknowledgement, Draft, Incident, Notification, Report, TimelineEntry
from tanggap_shared.db import already_applied
from tanggap_shared.events import (
    CrisisTeamFormed,
    DraftProposed,
    DraftRequested,
    DraftReviewed,
    Event,
    IncidentClassified,
    IncidentClosed,
    IncidentLevelOverridden,
    IncidentMerged,
    IncidentPhaseChanged,
    IncidentTriaged,
    MediaSpikeDetected,
    NotificationAcknowledged,
    NotificationFailed,
    NotificationSent,
    Recipient,
    ReportUpdated,
    utcnow,
)

CONSUMER = "intake.read_model"

SUBJECTS = [
    "tanggap.incident.classified",
    "tanggap.draft.proposed",
    "tanggap.draft.reviewed",
    "tanggap.draft.requested",
    "tanggap.notification.sent",
    "tanggap.notification.failed",
    "tanggap.notification.acknowledged",
    "tanggap.incident.closed",
    "tanggap.incident.level_overridden",
    "tanggap.incident.phase_changed",
    "tanggap.incident.merged",
    "tanggap.crisis_team.formed",
    "tanggap.report.updated",
    "tanggap.media.spike_detected",
    "tanggap.incident.triaged",
]

DRAFT_NAMES = {
    "holding_statement": "pernyataan awal (holding statement)",
    "press_release": "siaran pers",
    "key_messages": "pesan kunci",
    "qa": "daftar tanya-jawab",
    "social_post": "unggahan media sosial",
    "clarification": "klarifikasi",
    "right_of_reply": "hak jawab",
    "dpo_notice": "pengumuman DPO",
    "escalation_report": "laporan eskalasi",
    "crisis_plan": "rencana komunikasi krisis",
    "evaluation_report": "laporan evaluasi",
}

PHASE_NAMES = {
    "pra_krisis": "pra-krisis",
    "krisis": "krisis",
    "pasca_krisis": "pasca-krisis",
    "ditutup": "ditutup",
}

TEAM_ROLE_NAMES = {
    "ketua": "Ketua",
    "juru_bicara": "Juru Bicara",
    "koordinator_humas": "Koordinator Humas",
    "verifikator_fakta": "Verifikator Fakta",
    "pemantau_media": "Pemantau Media",
    "penghubung": "Penghubung APH & Keluarga",
    "supervisor": "Supervisor (Kanwil)",
    "mentor": "Mentor (UPT percontohan)",
    "pusat": "Pusat (Ditjenpas)",
}
TIER_NAMES = {"upt": "UPT", "region": "Kanwil", "centre": "Pusat"}
CATEGORY_NAMES = {
    "escape": "pelarian",
    "unrest": "gangguan kamtib / kerusuhan",
    "drugs": "narkoba",
    "contraband": "barang terlarang",
    "extortion": "pungli / korupsi",
    "violence": "kekerasan",
    "death": "kematian",
    "disaster": "bencana / kebakaran",
    "overcapacity": "kelebihan kapasitas",
    "viral": "viral / hoaks",
    "misconduct": "pelanggaran petugas",
    "terrorism": "terorisme",
    "rights": "hak dan layanan WBP",
    "routine": "rutin / berita positif",
}
# How a notification went out, by the scheme of its Apprise URL (the URL itself names an address or a file).
CHANNEL_NAMES = {
    "tanggapfile": "catatan lokal (kanal orang ini belum diatur)",
    "tgram": "Telegram",
    "whatsapp": "WhatsApp",
    "mailto": "e-mail",
    "mailtos": "e-mail",
    "json": "webhook",
    "jsons": "webhook",
    "form": "webhook",
    "forms": "webhook",
    "xml": "webhook",
    "xmls": "webhook",
    "slack": "Slack",
    "signal": "Signal",
    "signals": "Signal",
}

DECISION_NAMES = {"approved": "disetujui", "rejected": "ditolak"}
TRIAGE_NAMES = {"crisis": "krisis", "not_crisis": "bukan krisis"}
# What a report update changed, as the timeline says it (the event keeps the field names).
CHANGE_NAMES = {
    "facts": "5W+1H",
    "impact": "dampak",
    "source": "sumber",
    "links": "tautan",
    "stakeholders": "pemangku kepentingan",
    "text": "uraian",
    "fact_decisions": "keputusan atas fakta dari teks",
}

log = structlog.get_logger("tanggap.intake.readmodel")


class IncidentMissing(RuntimeError):
    """An event about an incident this intake does not hold (yet): retried, then dead-lettered."""


def number(incident_id: str | uuid.UUID) -> str:
    """The short incident number people quote on the phone and in chats."""
    return str(incident_id)[:8].upper()


async def apply_event(session: AsyncSession, event: Event) -> bool:
    """Apply one event to the read model; False when it was applied before."""
    if await already_applied(session, CONSUMER, event.event_id):
        return False
    incident = await session.get(Incident, str(event.incident_id))
    if incident is None:
        raise IncidentMissing(f"incident {event.incident_id} is not known to this intake")
    summary, actor = await _apply(session, incident, event)
    incident.updated_at = max(incident.updated_at, event.occurred_at)
    add_timeline(session, incident.id, event.type, summary, actor, event)
    log.info("intake.event_applied")
    return True


def add_timeline(
    session: AsyncSession, incident_id: str, kind: str, summary: str, actor: str, event: Event | None = None
) -> None:
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            at=event.occurred_at if event else utcnow(),
            kind=kind,
            summary=summary,
            actor=actor[:100],
            event_id=str(event.event_id) if event else None,
        )
    )


async def _apply(session: AsyncSession, incident: Incident, event: Event) -> tuple[str, str]:
    match event:
        case IncidentClassified():
            await _readings(session, event)
            return _classified(incident, event), event.producer
        case IncidentTriaged():
            return _triaged(incident, event), event.decided_by
        case IncidentLevelOverridden():
            return _overridden(incident, event), event.overridden_by
        case DraftProposed():
            return _proposed(session, incident, event), event.producer
        case DraftReviewed():
            return await _reviewed(session, event), event.reviewer
        case DraftRequested():
            note = f" Catatan: {event.note}" if event.note else ""
            return f"Draf {_draft_name(event.kind.value)} diminta oleh {event.requested_by}.{note}", (
                event.requested_by
            )
        case NotificationSent() | NotificationFailed():
            await _notification(session, incident, event)
            verb = "terkirim ke" if isinstance(event, NotificationSent) else "GAGAL ke"
            gaps = f" Kekosongan tim: {'; '.join(event.roster_gaps)}." if event.roster_gaps else ""
            channel = channel_label(event.channel)
            return f"Notifikasi {verb} {_who(event.recipient)} melalui {channel}.{gaps}", event.producer
        case NotificationAcknowledged():
            await _acknowledged(session, incident, event)
            return f"Notifikasi dikonfirmasi oleh {event.acknowledged_by}.", event.acknowledged_by
        case IncidentPhaseChanged():
            incident.phase = event.phase
            before, after = (
                PHASE_NAMES.get(event.previous_phase, event.previous_phase),
                PHASE_NAMES[event.phase],
            )
            return f"Fase berubah dari {before} ke {after} oleh {event.changed_by}: {event.reason}", (
                event.changed_by
            )
        case IncidentClosed():
            incident.phase = "ditutup"
            incident.closed_by = event.closed_by
            incident.closed_at = event.occurred_at
            return f"Insiden ditutup oleh {event.closed_by}: {event.declaration}", event.closed_by
        case IncidentMerged():
            return await _merged(session, incident, event), event.merged_by
        case CrisisTeamFormed():
            return _team(incident, event), event.producer
        case ReportUpdated():
            await _report_updated(session, event)
            fields = ", ".join(CHANGE_NAMES.get(c, c) for c in event.changes) or "tanpa perubahan"
            return f"Laporan diperbarui oleh {event.updated_by} ({fields}).", event.updated_by
        case MediaSpikeDetected():
            return (
                f"Lonjakan pemberitaan negatif tentang {event.unit.name}: {event.negative_count} berita "
                f"dalam {event.window_hours} jam (rata-rata biasanya {event.baseline:.1f}).",
                event.producer,
            )
        case _:
            return f"Peristiwa {event.type}.", event.producer


def channel_label(channel: str) -> str:
    """A delivery channel in words; never the URL, which may carry an address, a token or a path."""
    scheme = channel.partition("://")[0].lower() if "://" in channel else channel.lower()
    if not scheme:
        return "tanpa kanal"
    return CHANNEL_NAMES.get(scheme, "kanal lain")


def _draft_name(kind: str) -> str:
    return DRAFT_NAMES.get(kind, kind)


def _classified(incident: Incident, event: IncidentClassified) -> str:
    # A late, older classification must not overwrite a newer one.
    if incident.classified_at is None or event.occurred_at >= incident.classified_at:
        incident.classifier_level = event.level
        if incident.level_source != "override":
            incident.level = event.level
            incident.level_source = "classifier"
        incident.crisis = event.crisis
        incident.category = event.category.value
        incident.secondary_categories = [c.value for c in event.secondary_categories]
        incident.reasons = [r.model_dump(mode="json") for r in event.reasons]
        incident.deadlines = dict(event.deadlines)
        incident.policy_version = event.policy_version
        incident.classified_at = event.occurred_at
        if event.crisis and incident.phase == "pra_krisis":
            incident.phase = "krisis"
        incident.needs_review = event.needs_review
        incident.review_reasons = list(event.review_reasons)
    kept = ""
    if incident.level_source == "override" and incident.level != event.level:
        by = (incident.override or {}).get("by", "")
        kept = f" Level tetap {incident.level} (ditetapkan manual oleh {by})."
    review = ""
    if event.needs_review:
        reasons = "; ".join(event.review_reasons) or "Tanggap belum yakin"
        review = f" Perlu ditinjau: {reasons}."
    category = CATEGORY_NAMES.get(event.category.value, event.category.value)
    if not event.crisis:
        return f"Dinilai bukan krisis (Level {event.level}, {category}).{kept}{review}"
    return f"Diklasifikasikan Level {event.level} ({category}).{kept}{review}"


async def _readings(session: AsyncSession, event: IncidentClassified) -> None:
    """Keep each report's latest reading; a late, older classification leaves a newer reading alone."""
    for reading in event.readings:
        report = await session.get(Report, str(reading.report_id))
        if report is None or (report.reading_at is not None and event.occurred_at < report.reading_at):
            continue
        report.reading = reading.model_dump(mode="json")
        report.reading_at = event.occurred_at


def _triaged(incident: Incident, event: IncidentTriaged) -> str:
    # The first decision stands: the intake refuses a second one, so a second event is a late echo.
    if incident.triage is None:
        incident.triage = {
            "decision": event.decision,
            "by": event.decided_by,
            "at": event.occurred_at.isoformat(),
            "reason": event.reason,
        }
    reason = f" Alasan: {event.reason}" if event.reason else ""
    return f"Ditinjau oleh {event.decided_by}: diputuskan {TRIAGE_NAMES[event.decision]}.{reason}"


def _overridden(incident: Incident, event: IncidentLevelOverridden) -> str:
    previous = incident.level
    incident.level = event.level
    incident.level_source = "override"
    incident.override = {
        "level": event.level,
        "previous_level": previous,
        "by": event.overridden_by,
        "reason": event.reason,
        "at": event.occurred_at.isoformat(),
    }
    was = f"Level {previous}" if previous else "belum berlevel"
    return f"Level diubah manual dari {was} ke Level {event.level} oleh {event.overridden_by}: {event.reason}"


def _proposed(session: AsyncSession, incident: Incident, event: DraftProposed) -> str:
    session.add(
        Draft(
            id=str(event.draft_id),
            incident_id=incident.id,
            kind=event.kind.value,
            method=event.method,
            text=event.text,
            sources=[s.model_dump(mode="json") for s in event.sources],
            findings=[f.model_dump(mode="json") for f in event.findings],
            created_at=event.occurred_at,
        )
    )
    return f"Draf {_draft_name(event.kind.value)} diusulkan ({event.method}); menunggu persetujuan."


async def _reviewed(session: AsyncSession, event: DraftReviewed) -> str:
    # The intake's own review already set these in its transaction; a review from elsewhere sets them here.
    await session.execute(
        update(Draft)
        .where(Draft.id == str(event.draft_id), Draft.status == "proposed")
        .values(
            status=event.decision,
            reviewed_by=event.reviewer,
            reviewed_at=event.occurred_at,
            final_text=event.text,
            review_comment=event.comment,
        )
    )
    comment = f" Catatan: {event.comment}" if event.comment else ""
    decision = DECISION_NAMES[event.decision]
    return f"Draf {_draft_name(event.kind.value)} {decision} oleh {event.reviewer}.{comment}"


def _who(recipient: Recipient) -> str:
    return f"{recipient.name} ({TEAM_ROLE_NAMES.get(recipient.role.value, recipient.role.value)})"


async def _notification(
    session: AsyncSession, incident: Incident, event: NotificationSent | NotificationFailed
) -> None:
    existing = await session.scalar(
        select(Notification).where(Notification.notification_id == str(event.notification_id))
    )
    if existing is not None:
        # The same notification failed, then got through on a retry (or the reverse): the latest stands.
        if event.occurred_at >= existing.at:
            existing.status = event.status.value
            existing.channel = event.channel
            existing.error = getattr(event, "error", "")
            existing.at = event.occurred_at
        return
    session.add(
        Notification(
            id=str(event.event_id),
            notification_id=str(event.notification_id),
            incident_id=incident.id,
            recipient=event.recipient.name,
            person_id=event.recipient.person_id,
            role=event.recipient.role.value,
            tier=event.recipient.tier.value,
            channel=event.channel,
            status=event.status.value,
            trigger_type=event.trigger_type,
            trigger_event_id=str(event.trigger_event_id),
            roster_gaps=list(event.roster_gaps),
            error=getattr(event, "error", ""),
            at=event.occurred_at,
        )
    )


async def _acknowledged(session: AsyncSession, incident: Incident, event: NotificationAcknowledged) -> None:
    if await session.get(Acknowledgement, str(event.notification_id)) is None:
        session.add(
            Acknowledgement(
                notification_id=str(event.notification_id),
                incident_id=incident.id,
                acknowledged_by=event.acknowledged_by,
                at=event.occurred_at,
            )
        )


async def _merged(session: AsyncSession, incident: Incident, event: IncidentMerged) -> str:
    target = str(event.into_incident_id)
    incident.merged_into = target
    await session.execute(update(Report).where(Report.incident_id == incident.id).values(incident_id=target))
    if await session.get(Incident, target) is not None:
        add_timeline(
            session,
            target,
            event.type,
            f"Insiden {number(incident.id)} digabung ke insiden ini oleh {event.merged_by}: {event.reason}",
            event.merged_by,
            event,
        )
    return f"Digabung ke insiden {number(target)} oleh {event.merged_by}: {event.reason}"


def _team(incident: Incident, event: CrisisTeamFormed) -> str:
    current = incident.crisis_team or {}
    if not current or event.occurred_at.isoformat() >= str(current.get("formed_at", "")):
        incident.crisis_team = {
            "level": event.level,
            "members": [
                {
                    "person_id": m.recipient.person_id,
                    "name": m.recipient.name,
                    "role": m.recipient.role.value,
                    "tier": m.recipient.tier.value,
                    "stands_in_for": list(m.stands_in_for),
                }
                for m in event.members
            ],
            "gaps": list(event.gaps),
            "formed_at": event.occurred_at.isoformat(),
        }
    gaps = f" Kekosongan: {'; '.join(event.gaps)}." if event.gaps else ""
    return f"Tim krisis Level {event.level} dibentuk: {len(event.members)} anggota.{gaps}"


async def _report_updated(session: AsyncSession, event: ReportUpdated) -> None:
    report = await session.get(Report, str(event.report.report_id))
    if report is None:
        return
    snap = event.report
    report.text = snap.text
    report.source = snap.source.value if snap.source else None
    report.facts = snap.facts.model_dump(mode="json", exclude_none=True)
    report.impact = snap.impact.model_dump(mode="json", exclude_none=True)
    report.links = list(snap.links)
    report.fact_decisions = [d.model_dump(mode="json") for d in snap.fact_decisions]
    report.updated_by = event.updated_by
    report.updated_at = event.occurred_at
