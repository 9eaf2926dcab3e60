"""Plain Indonesian for what the events carry as codes: impact answers, classifier triggers, delivery
channels, report channels, draft methods; and the timeline as a person reads it (event order, one line per
wave of notifications).

Display only: the events and the JSON API keep their codes. Lines written before these labels existed
(a timeline line naming a category code or a channel URL) are put in plain words here as well.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tanggap_intake.console.common import templates
from tanggap_intake.console.forms import COUNT_LABELS, FLAG_LABELS, REACH_LABELS
from tanggap_intake.readmodel import CATEGORY_NAMES, TEAM_ROLE_NAMES, channel_label

IMPACT_LABELS = {**COUNT_LABELS, **FLAG_LABELS, "media_reach": "Sebaran"}
SCCT_NAMES = {
    "victim": "lembaga turut menjadi korban",
    "accidental": "tidak disengaja",
    "preventable": "dapat dicegah",
}
REPORT_CHANNELS = {
    "web": "konsol",
    "api": "sistem lain (API)",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "feed": "pemantauan berita",
}
METHOD_NAMES = {"template": "dari templat", "llm": "disusun model bahasa", "manual": "ditulis petugas"}
# What a wave of notifications was for (the notifier's trigger types).
TRIGGER_NAMES = {
    "incident.classified": "klasifikasi",
    "incident.level_overridden": "perubahan level",
    "incident.triaged": "keputusan tinjauan",
    "draft.proposed": "draf menunggu persetujuan",
    "draft.reviewed": "keputusan atas draf",
    "incident.closed": "penutupan insiden",
    "notifier.digest": "ringkasan draf yang menunggu",
    "notifier.escalation": "eskalasi: belum ada konfirmasi",
    "media.spike_detected": "lonjakan pemberitaan",
    "notifier.deadline_approaching": "tenggat yang hampir lewat",
    "notifier.deadline_missed": "tenggat yang terlewat",
    "report.received": "laporan yang perlu ditinjau",
}
NOTIFICATION_KINDS = ("notification.sent", "notification.failed")

_TRIGGER = re.compile(r"^(impact|llm)\.(\w+)=(.*)$")
_SCCT = re.compile(r"^Klaster SCCT (\w+)")
_CODE_IN_PARENS = re.compile(r"\((\w+)\)")
_URL_VIA = re.compile(r" via ([a-z][a-z0-9+.-]*://\S*?)(?=[.,;]?(\s|$))")


def answer(key: str, value: Any) -> str:
    """One impact answer in words: "Meninggal: 0", "Melibatkan Anak (di bawah 18 tahun): tidak"."""
    label = IMPACT_LABELS.get(key, key.replace("_", " "))
    if isinstance(value, bool) or str(value).lower() in ("true", "false"):
        shown = "ya" if str(value).lower() == "true" else "tidak"
    elif key == "media_reach":
        shown = REACH_LABELS.get(str(value), str(value))
    else:
        shown = str(value)
    return f"{label}: {shown}"


def impact_line(impact: Mapping[str, Any]) -> str:
    return "; ".join(answer(k, v) for k, v in impact.items())


def trigger_label(trigger: str) -> str:
    """A classifier trigger: an impact answer in words (the words quoted from a text stay as they are)."""
    found = _TRIGGER.match(trigger)
    if not found:
        return trigger
    source, key, value = found.groups()
    said = answer(key, value)
    return said if source == "impact" else f"{said} (menurut pembacaan teks)"


def reason_text(text: str) -> str:
    """A classifier reason, with the SCCT cluster named in Indonesian."""
    found = _SCCT.match(text)
    if not found:
        return text
    name = SCCT_NAMES.get(found.group(1), found.group(1))
    return f"Jenis tanggung jawab: {name}" + text[found.end() :]


# Only the codes with an underscore: the others ("ketua", "pusat") are ordinary words in a sentence.
_ROLE_CODE = re.compile(r"\b(" + "|".join(sorted(c for c in TEAM_ROLE_NAMES if "_" in c)) + r")\b")


def plain_roles(text: str) -> str:
    """Crisis-team role codes in a text written elsewhere (a roster gap: "koordinator_humas kosong")
    replaced by the role's name."""
    return _ROLE_CODE.sub(lambda m: TEAM_ROLE_NAMES[m.group(1)], text)


_VIA_CHANNEL = re.compile(r"\bkanal (web|api|telegram|whatsapp|feed)\b")
_ROSTER_GAP = re.compile(r"roster gap: (\S+) has no (\w+)")
_DEPUTY = re.compile(r"deputy for (.+?): unreachable")


def plain_gaps(text: str) -> str:
    """The notifier's roster-gap notes ("roster gap: BALI-LAPAS-X has no koordinator_humas") in words."""

    def gap(m: re.Match[str]) -> str:
        where = "UPT" if "-" in m.group(1) else "Kanwil"
        return f"{TEAM_ROLE_NAMES.get(m.group(2), m.group(2))} belum ada di {where} ini"

    text = _ROSTER_GAP.sub(gap, text)
    text = _DEPUTY.sub(lambda m: f"wakil untuk {m.group(1)} (tidak dapat dihubungi)", text)
    return plain_roles(text)


def timeline_summary(kind: str, summary: str) -> str:
    """A stored timeline line in plain words (lines stored before the labels existed named codes)."""
    if kind == "incident.classified":
        return _CODE_IN_PARENS.sub(
            lambda m: f"({CATEGORY_NAMES.get(m.group(1), m.group(1))})", summary, count=1
        )
    if kind in NOTIFICATION_KINDS:
        summary = _URL_VIA.sub(lambda m: f" melalui {channel_label(m.group(1))}", summary)
        summary = _CODE_IN_PARENS.sub(lambda m: f"({TEAM_ROLE_NAMES.get(m.group(1), m.group(1))})", summary)
    summary = _VIA_CHANNEL.sub(lambda m: REPORT_CHANNELS[m.group(1)], summary)  # "melalui kanal web"
    return plain_gaps(summary)


@dataclass(frozen=True)
class Line:
    at: datetime
    summary: str


def _wave_line(rows: Sequence[Any], purpose: str) -> str:
    people: dict[str, str] = {}
    failed: set[str] = set()
    for n in rows:
        key = n.person_id or n.recipient
        people.setdefault(key, TEAM_ROLE_NAMES.get(n.role, n.recipient))
        if n.status == "failed":
            failed.add(key)
    roles = list(dict.fromkeys(people.values()))
    shown = ", ".join(roles[:3]) + (", …" if len(roles) > 3 else "")
    why = f" untuk {purpose}" if purpose else ""
    line = f"Notifikasi{why} terkirim ke {len(people)} orang ({shown})."
    if failed:
        line += f" Gagal ke {len(failed)} orang; lihat Pemberitahuan."
    return line


def timeline(entries: Iterable[Any], notifications: Sequence[Any]) -> list[Line]:
    """The timeline in event order (when it happened; the recorded order breaks ties), each wave of
    notifications (one trigger) folded into one line at the time of its first notification."""
    by_event = {n.id: n for n in notifications}
    waves: dict[str, list[Any]] = {}
    for n in notifications:
        waves.setdefault(n.trigger_event_id, []).append(n)
    lines: list[Line] = []
    shown_waves: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.at):  # stable: rows come in recorded order
        if entry.kind in NOTIFICATION_KINDS:
            row = by_event.get(entry.event_id or "")
            if row is not None:
                if row.trigger_event_id in shown_waves:
                    continue
                shown_waves.add(row.trigger_event_id)
                wave = waves[row.trigger_event_id]
                purpose = TRIGGER_NAMES.get(row.trigger_type, "")
                lines.append(Line(min(n.at for n in wave), _wave_line(wave, purpose)))
                continue
        lines.append(Line(entry.at, timeline_summary(entry.kind, entry.summary)))
    return sorted(lines, key=lambda line: line.at)


# The page templates use these labels (registered here: forms.py, whose labels these use, imports common.py).
templates.env.filters["plain_roles"] = plain_gaps
templates.env.globals.update(
    report_channels=REPORT_CHANNELS,
    method_names=METHOD_NAMES,
    impact_line=impact_line,
    trigger_label=trigger_label,
    reason_text=reason_text,
)
