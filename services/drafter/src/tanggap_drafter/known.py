"""What Tanggap already knows about an incident, filled into drafts instead of placeholders (issue 13).

Today's date and the dateline city (in the unit's own time zone), the next update time (the level's
update cadence, DOMAIN.md §6.3), and the people of the crisis team (crisis_team.formed). Every value is
computed from the event, never from the wall clock, so the same event always gives the same draft.

A value nobody told Tanggap stays a placeholder that says who fills it: "[diisi Humas UPT: …]".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tanggap_shared.contracts import Role, Tier
from tanggap_shared.events import IncidentClassified, TeamMember, UnitRef

# Indonesia's three time zones by Kanwil (region code of shared/data/regions.csv); WIB elsewhere.
_WITA = frozenset(
    {"BALI", "NTB", "NTT", "KALSEL", "KALTIM", "KALTARA", "SULUT", "SULTENG", "SULSEL", "SULTRA"}
    | {"GORONTALO", "SULBAR"}
)
_WIT = frozenset({"MALUKU", "MALUT", "PAPUA", "PABAR", "PAPUABARAT", "PAPUATENGAH", "PAPUASELATAN"})
_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

# Hours to the next public update by level (DOMAIN.md §6.3: level 4 every 2-3 h, level 3 every 4-6 h,
# level 2 daily); level 1 has no cadence.
UPDATE_HOURS = {2: 24, 3: 4, 4: 2}

# Who fills what Tanggap cannot know.
HUMAS = "Humas UPT"


def fill(who: str, what: str) -> str:
    """A placeholder that says who fills it: "[diisi Humas UPT: nomor telepon narahubung]"."""
    return f"[diisi {who}: {what}]"


def zone_of(unit: UnitRef) -> str:
    region = unit.region.upper().replace("-", "").replace(" ", "")
    if region in _WIT:
        return "WIT"
    if region in _WITA:
        return "WITA"
    return "WIB"


def local_time(moment: datetime, unit: UnitRef) -> datetime:
    return moment.astimezone(ZoneInfo(_ZONES[zone_of(unit)]))


def long_date(moment: datetime) -> str:
    """ "Kamis, 3 Desember 2026"."""
    return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def clock(moment: datetime, zone: str) -> str:
    return f"pukul {moment.hour:02d}.{moment.minute:02d} {zone}"


def next_update(now: datetime, level: int, zone: str) -> str:
    """The next update, on the hour, from the level's cadence; level 1 has none ("bila ada perkembangan")."""
    hours = UPDATE_HOURS.get(level)
    if hours is None:
        return "bila ada perkembangan baru"
    due = now + timedelta(hours=hours)
    if due.minute or due.second or due.microsecond:
        due = due.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    days = (due.date() - now.date()).days
    if days == 0:
        return f"hari ini {clock(due, zone)}"
    if days == 1:
        return f"besok, {long_date(due)}, {clock(due, zone)}"
    return f"{long_date(due)}, {clock(due, zone)}"


@dataclass(frozen=True)
class Person:
    name: str
    position: str


@dataclass(frozen=True)
class Team:
    """The people a draft names: the Kepala UPT, the spokesperson and the narahubung (DOMAIN.md §6.5)."""

    kepala: Person | None = None
    spokesperson: Person | None = None
    narahubung: Person | None = None

    @classmethod
    def from_members(cls, members: Iterable[TeamMember], unit: UnitRef) -> "Team":
        """The UPT's own people by role; the Kepala speaks when nobody else is named Juru Bicara."""
        by_role: dict[Role, str] = {}
        for member in members:
            recipient = member.recipient
            if recipient.tier == Tier.UPT and recipient.name.strip():
                by_role.setdefault(recipient.role, recipient.name.strip())
        kepala = _person(by_role.get(Role.KETUA), f"Kepala {unit.name}")
        speaker = _person(by_role.get(Role.JURU_BICARA), f"Juru Bicara {unit.name}") or kepala
        contact = _person(by_role.get(Role.KOORDINATOR_HUMAS), f"Koordinator Humas {unit.name}")
        return cls(kepala=kepala, spokesperson=speaker, narahubung=contact)

    def names(self) -> list[str]:
        return [p.name for p in (self.kepala, self.spokesperson, self.narahubung) if p is not None]

    def texts(self) -> list[str]:
        people = (self.kepala, self.spokesperson, self.narahubung)
        return [t for p in people if p is not None for t in (p.name, p.position)]


def _person(name: str | None, position: str) -> Person | None:
    return Person(name, position) if name else None


@dataclass(frozen=True)
class Known:
    """Values a template prints instead of a placeholder; each is already fit to publish."""

    date: str
    day_date: str
    zone: str
    next_update: str
    kepala_name: str
    kepala_position: str
    speaker_name: str
    speaker_position: str
    contact_name: str
    contact_position: str
    contact_phone: str

    @property
    def speaker_line(self) -> str:
        """ "Name, position", or one placeholder for both when the team names no spokesperson."""
        if self.speaker_name.startswith("[diisi"):
            return fill(HUMAS, "nama dan jabatan juru bicara")
        return f"{self.speaker_name}, {self.speaker_position}"

    @property
    def contact_line(self) -> str:
        if self.contact_name.startswith("[diisi"):
            return fill(HUMAS, "nama dan jabatan narahubung")
        return f"{self.contact_name}, {self.contact_position}"

    def texts(self) -> list[str]:
        """Everything here, for the facts-only check (these are no inventions)."""
        return [
            self.date,
            self.day_date,
            self.next_update,
            self.kepala_name,
            self.kepala_position,
            self.speaker_name,
            self.speaker_position,
            self.contact_name,
            self.contact_position,
        ]


def known_for(event: IncidentClassified, team: Team | None = None) -> Known:
    team = team or Team()
    zone = zone_of(event.unit)
    now = local_time(event.occurred_at, event.unit)
    unit = event.unit.name
    kepala = team.kepala
    speaker = team.spokesperson
    contact = team.narahubung
    return Known(
        date=f"{now.day} {MONTHS[now.month - 1]} {now.year}",
        day_date=long_date(now),
        zone=zone,
        next_update=next_update(now, event.level, zone),
        kepala_name=kepala.name if kepala else fill(HUMAS, "nama Kepala UPT"),
        kepala_position=f"Kepala {unit}",
        speaker_name=speaker.name if speaker else fill(HUMAS, "nama juru bicara"),
        speaker_position=speaker.position if speaker else fill(HUMAS, "jabatan juru bicara"),
        contact_name=contact.name if contact else fill(HUMAS, "nama narahubung"),
        contact_position=contact.position if contact else fill(HUMAS, "jabatan narahubung"),
        contact_phone=fill(HUMAS, "nomor telepon narahubung"),
    )
