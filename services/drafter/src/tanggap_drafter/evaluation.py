"""The post-crisis evaluation's timeline: what was drafted and approved when, against the targets."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tanggap_drafter.context import KIND_LABELS
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import IncidentClassified, IncidentClosed

_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


@dataclass(frozen=True)
class Milestone:
    kind: DraftKind
    proposed_at: datetime
    approved_at: datetime | None = None
    approved_by: str | None = None


def when(at: datetime) -> str:
    """A timestamp as an Indonesian reader writes it, in UTC (the drafter does not know the unit's zone)."""
    at = at.astimezone(UTC)
    return f"{at.day} {_MONTHS[at.month - 1]} {at.year} pukul {at.hour:02d}.{at.minute:02d} UTC"


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def _against(target: int | None, minutes: int) -> str:
    if target is None:
        return f"{minutes} menit sejak laporan"
    verdict = "tercapai" if minutes <= target else "terlewati"
    return f"{minutes} menit sejak laporan; target {target} menit, {verdict}"


def timeline(
    incident: IncidentClassified, milestones: Sequence[Milestone], closed: IncidentClosed
) -> list[str]:
    """Lines of the timeline, earliest first."""
    received = incident.report.received_at
    lines = [
        f"Laporan diterima: {when(received)}.",
        f"Klasifikasi Level {incident.level}: {when(incident.occurred_at)}.",
    ]
    for m in sorted(milestones, key=lambda m: m.proposed_at):
        label = KIND_LABELS[m.kind]
        target = incident.deadlines.get(m.kind.value)
        lines.append(
            f"{label} diusulkan: {when(m.proposed_at)} "
            f"({_minutes(received, m.proposed_at)} menit sejak laporan)."
        )
        if m.approved_at is not None:
            minutes = _minutes(received, m.approved_at)
            lines.append(
                f"{label} disetujui oleh {m.approved_by}: {when(m.approved_at)} "
                f"({_against(target, minutes)})."
            )
        elif target is not None:
            lines.append(f"{label} belum disetujui; target {target} menit.")
    lines.append(f"Krisis dinyatakan selesai: {when(closed.occurred_at)}.")
    return lines


def closing(closed: IncidentClosed) -> str:
    declaration = " ".join(closed.declaration.split())
    text = f"Krisis dinyatakan selesai oleh {closed.closed_by} pada {when(closed.occurred_at)}."
    return f"{text} Pernyataan penutupan: “{declaration}”" if declaration else text
