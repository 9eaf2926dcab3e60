"""What every console page shares: templates and their filters, the login requirement, CSRF on forms,
one-shot messages after a redirect."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from tanggap_intake.access import APPROVER_FOR_LEVEL, ROLE_NAMES, Principal, UserRole
from tanggap_intake.auth import console_principal, secure_cookies, settings_of
from tanggap_intake.errors import NotAllowed
from tanggap_intake.readmodel import (
    CATEGORY_NAMES,
    DRAFT_NAMES,
    PHASE_NAMES,
    TEAM_ROLE_NAMES,
    TIER_NAMES,
    channel_label,
    number,
)
from tanggap_shared.runtime import Runtime
from tanggap_shared.tokens import link_secret

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"
FLASH_COOKIE = "tanggap_flash"

LEVEL_NAMES = {1: "Isu / Rendah", 2: "Sedang", 3: "Tinggi", 4: "Sangat Tinggi / Nasional"}
SOURCE_NAMES = {
    "media": "pemantauan media",
    "aph": "APH",
    "public": "laporan / pengaduan masyarakat",
    "social": "media sosial / viral",
    "internal": "laporan internal (regu jaga / KPLP)",
}
STATUS_NAMES = {
    "proposed": "menunggu persetujuan",
    "approved": "disetujui",
    "rejected": "ditolak",
    "sent": "terkirim",
    "failed": "gagal",
    "acknowledged": "dikonfirmasi",
}


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # a machine without tzdata: WIB is UTC+7 all year
        return UTC if name == "UTC" else _Fixed(_FIXED_HOURS.get(name, 7))


# Without tzdata: the three zones keep one offset all year (no daylight saving).
_FIXED_HOURS = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}


class _Fixed(tzinfo):
    def __init__(self, hours: int) -> None:
        self.hours = hours

    def utcoffset(self, _dt: datetime | None) -> timedelta:
        return timedelta(hours=self.hours)

    def tzname(self, _dt: datetime | None) -> str:
        return {7: "WIB", 8: "WITA", 9: "WIT"}.get(self.hours, "")

    def dst(self, _dt: datetime | None) -> timedelta:
        return timedelta(0)


def _zone_label(zone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)


# Indonesia's three zones by province (the Kanwil's code in data/regions.csv): a unit's times are read in
# its own zone, so an officer in Bali sees WITA. Every province not listed is WIB.
_WITA = {"BALI", "NTB", "NTT", "KALSEL", "KALTIM", "KALTARA", "SULUT", "SULTENG", "SULSEL", "SULTRA"}
_WITA |= {"GORONTALO", "SULBAR"}
_WIT = {"MALUKU", "MALUT", "PAPUA", "PABAR", "PAPUA_BARAT_DAYA", "PAPUA_TENGAH", "PAPUA_PEGUNUNGAN"}


def region_zone(region: str) -> str | None:
    """The IANA zone of a Kanwil's province; None when the region is not known (the console's own zone)."""
    code = region.upper()
    if code in _WIT:
        return "Asia/Jayapura"
    if code in _WITA:
        return "Asia/Makassar"
    return "Asia/Jakarta" if code else None


def duration(seconds: float) -> str:
    """A span a person reads at a glance: "2 j 05 m", "12 m", "45 d"."""
    seconds = abs(int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 48:
        return f"{hours // 24} hari {hours % 24} j"
    if hours:
        return f"{hours} j {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} d"
    return f"{secs} d"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(
        level_names=LEVEL_NAMES,
        category_names=CATEGORY_NAMES,
        source_names=SOURCE_NAMES,
        status_names=STATUS_NAMES,
        draft_names=DRAFT_NAMES,
        phase_names=PHASE_NAMES,
        role_names={r.value: n for r, n in ROLE_NAMES.items()},
        team_role_names=TEAM_ROLE_NAMES,
        tier_names=TIER_NAMES,
        approver_for_level=APPROVER_FOR_LEVEL,
        number=number,
        channel_label=channel_label,
    )
    env.filters["duration"] = duration
    return templates


templates = make_templates()


def when(
    request: Request, value: datetime | str | None, fmt: str = "%d-%m-%Y %H:%M", region: str = ""
) -> str:
    """A time with its zone's label: the zone of the unit's province when the page is about one unit
    (`region`, the Kanwil's code), else the console's zone (TANGGAP_DISPLAY_TIMEZONE, WIB by default)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite gives back naive UTC
        value = value.replace(tzinfo=UTC)
    zone = region_zone(region) or settings_of(request).display_timezone
    return f"{value.astimezone(_zone(zone)).strftime(fmt)} {_zone_label(zone)}"


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfFailed(Exception):
    pass


async def current_user(request: Request) -> Principal:
    principal = await console_principal(request)
    if principal is None:
        raise LoginRequired(request.url.path)
    request.state.principal = principal
    return principal


UserDep = Annotated[Principal, Depends(current_user)]


async def admin_user(request: Request) -> Principal:
    principal = await current_user(request)
    if principal.role is not UserRole.ADMIN:
        raise NotAllowed("Admins only.", indonesian="Halaman ini hanya untuk Admin.")
    return principal


AdminDep = Annotated[Principal, Depends(admin_user)]


def runtime(request: Request) -> Runtime:
    result: Runtime = request.app.state.runtime
    return result


async def checked_form(request: Request, principal: Principal) -> FormData:
    """The posted form, once its CSRF token matches the session's."""
    form = await request.form()
    given = str(form.get("csrf_token") or "")
    if not principal.csrf_token or not hmac.compare_digest(given.encode(), principal.csrf_token.encode()):
        raise CsrfFailed
    return form


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    user: Principal | None = None,
    fragment: bool = False,
) -> HTMLResponse:
    """A page; or, with `fragment`, a part of one for the live script (the one-shot message stays for the
    next page). `zone_region` in the context puts every time of the page in that province's zone."""
    flash = "" if fragment else _read_flash(request)
    region = str(context.get("zone_region") or "")
    full = {
        "user": user,
        "csrf": user.csrf_token if user else "",
        "flash": flash,
        "when": lambda value, fmt="%d-%m-%Y %H:%M", region=region: when(request, value, fmt, region),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: Request, url: str, message: str = "") -> Response:
    """303 to a page (after a POST), carrying a one-line message shown once."""
    response = RedirectResponse(url, status_code=303)
    if message:
        value = quote(message)
        set_cookie(request, response, FLASH_COOKIE, f"{value}.{_flash_mac(request, value)}", max_age=60)
    return response


def _flash_mac(request: Request, value: str) -> str:
    # Signed, because a sibling subdomain can plant a cookie: an unsigned flash would let it show any
    # message in Tanggap's own voice ("Laporan dihapus, kirim ulang ke …").
    settings = settings_of(request)
    key = link_secret(settings.link_secret, settings.state_dir).encode()
    return hmac.new(key, b"flash:" + value.encode(), hashlib.sha256).hexdigest()[:32]


def _read_flash(request: Request) -> str:
    value, _, mac = request.cookies.get(FLASH_COOKIE, "").rpartition(".")
    if not value or not hmac.compare_digest(mac, _flash_mac(request, value)):
        return ""
    return unquote(value)


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int, path: str = "/"
) -> None:
    """Every console cookie: HttpOnly, SameSite=Lax, Secure when the console is served over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings_of(request)),
        path=path,
    )
