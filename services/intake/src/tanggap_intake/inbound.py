"""Messages from bot channels (Telegram, WhatsApp): once per (channel, external id), the unit found in the
text or the chat, and a report made of it. A message that names no known unit is kept and answered."""

import hashlib
from dataclasses import dataclass, field, replace
from typing import Literal

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.lexicon import normalise
from tanggap_intake.models import ChannelMessage, Unit
from tanggap_intake.readmodel import number
from tanggap_intake.reference import unit_index
from tanggap_intake.reports import accept_report, update_report
from tanggap_intake.schemas import ReportIn, ReportPatch
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel
from tanggap_shared.runtime import Runtime
from tanggap_shared.textnorm import strip_unsafe

log = structlog.get_logger("tanggap.intake.inbound")

MAX_TEXT = 20_000
MAX_ID = 200  # the external_id column


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    external_id: str
    text: str
    chat_id: str = ""
    sender: str = ""
    unit_hint: str | None = None  # a unit code configured for the chat or sender
    edit_of: str | None = None  # the external id of the message this one edits


@dataclass(frozen=True)
class Outcome:
    status: Literal["reported", "joined", "updated", "duplicate", "unmatched", "empty"]
    incident_id: str | None = None
    unit_name: str = ""
    notes: list[str] = field(default_factory=list)

    def reply(self) -> str | None:
        """The answer to the sender in Bahasa Indonesia; None when nothing should be sent again."""
        num = number(self.incident_id) if self.incident_id else ""
        match self.status:
            case "reported":
                return (
                    f"Laporan diterima untuk {self.unit_name}. Nomor insiden: {num}. "
                    "Tim Humas akan menindaklanjuti; kirim perkembangan dengan menyebut nomor ini."
                )
            case "joined":
                return (
                    f"Laporan diterima untuk {self.unit_name} dan digabung ke insiden {num} "
                    "yang sudah dibuka untuk kejadian yang sama."
                )
            case "updated":
                return f"Perubahan laporan dicatat (insiden {num})."
            case "unmatched":
                return (
                    "Laporan belum dapat dicatat karena nama UPT tidak dikenali. Kirim ulang dengan "
                    'menyebut nama UPT, misalnya: "Lapas Cipinang: terjadi keributan di blok hunian".'
                )
            case "empty":
                return "Kirim laporan dalam bentuk teks (atau foto dengan keterangan)."
            case _:
                return None


async def detect_unit(session: AsyncSession, text: str) -> Unit | None:
    """The unit a free text names: the longest name or alias found that means one unit only."""
    padded = normalise(text)
    found = [
        (len(variant), codes)
        for variant, codes in (await unit_index(session)).items()
        if len(codes) == 1 and len(variant) > 4 and f" {variant} " in padded
    ]
    if not found:
        return None
    _, codes = max(found, key=lambda item: item[0])
    return await session.get(Unit, next(iter(codes)))


def bounded_id(external_id: str) -> str:
    """A platform's message id as stored (at most MAX_ID characters): a longer one keeps its start and a
    digest of the whole, so two long ids that share a start stay two messages. Characters no database
    stores (surrogates) and invisible ones are dropped first."""
    external_id = strip_unsafe(external_id)
    if len(external_id) <= MAX_ID:
        return external_id
    digest = hashlib.sha256(external_id.encode()).hexdigest()
    return f"{external_id[: MAX_ID - len(digest) - 1]}#{digest}"


async def _seen(session: AsyncSession, channel: Channel, external_id: str) -> ChannelMessage | None:
    found: ChannelMessage | None = await session.scalar(
        select(ChannelMessage).where(
            ChannelMessage.channel == channel.value, ChannelMessage.external_id == external_id
        )
    )
    return found


def _record(
    session: AsyncSession, msg: Inbound, status: str, outcome: Outcome, report_id: str | None
) -> None:
    session.add(
        ChannelMessage(
            channel=msg.channel.value,
            external_id=msg.external_id,
            chat_id=msg.chat_id[:100],
            sender=msg.sender[:200],
            text=msg.text[:MAX_TEXT],
            status=status,
            report_id=report_id,
            incident_id=outcome.incident_id,
        )
    )


async def take(session: AsyncSession, msg: Inbound, settings: IntakeSettings) -> Outcome:
    """Turn one channel message into a report, an update of one, or a kept unmatched message."""
    # Ids are stored bounded; look up the bounded form, or a long id delivered twice would be missed.
    msg = replace(
        msg, external_id=bounded_id(msg.external_id), edit_of=msg.edit_of and bounded_id(msg.edit_of)
    )
    previous = await _seen(session, msg.channel, msg.external_id)
    if previous is not None:
        return Outcome("duplicate", previous.incident_id)
    # Chat apps deliver what people typed and the sender cannot be asked to fix it: control, invisible and
    # text-direction characters are dropped, not refused (a typed text never needs them).
    text = strip_unsafe(msg.text).strip()[:MAX_TEXT]
    msg = replace(msg, text=text, sender=strip_unsafe(msg.sender), chat_id=strip_unsafe(msg.chat_id))
    if not text:
        outcome = Outcome("empty")
        _record(session, msg, "empty", outcome, None)
        return outcome
    if msg.edit_of is not None:
        original = await _seen(session, msg.channel, msg.edit_of)
        if original is not None and original.report_id is not None:
            by = msg.sender.strip()[:200] or msg.channel.value  # a person name field is bounded
            await update_report(session, original.report_id, ReportPatch(updated_by=by), by, text=text)
            outcome = Outcome("updated", original.incident_id)
            _record(session, msg, "updated", outcome, original.report_id)
            return outcome
    unit = await session.get(Unit, msg.unit_hint) if msg.unit_hint else None
    unit = unit or await detect_unit(session, text)
    if unit is None:
        outcome = Outcome("unmatched")
        _record(session, msg, "unmatched", outcome, None)
        log.info("intake.channel_unmatched", channel=msg.channel.value)
        return outcome
    body = ReportIn(unit_code=unit.code, text=text, channel=msg.channel, reported_by=msg.sender[:200])
    accepted = await accept_report(session, body, settings)
    outcome = Outcome(
        "joined" if accepted.joined_existing else "reported", str(accepted.incident_id), unit.name
    )
    _record(session, msg, "reported", outcome, str(accepted.report_id))
    return outcome


async def take_once(runtime: Runtime, msg: Inbound, settings: IntakeSettings) -> Outcome:
    """`take` in its own transaction; a delivery racing its own duplicate loses and reports a duplicate."""
    try:
        async with runtime.unit_of_work() as session:
            return await take(session, msg, settings)
    except IntegrityError:
        async with runtime.sessions() as session:
            previous = await _seen(session, msg.channel, bounded_id(msg.external_id))
        if previous is None:
            raise
        return Outcome("duplicate", previous.incident_id)
