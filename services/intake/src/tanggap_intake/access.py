"""Who may see and do what: roles, scopes and the approval authority per level (DOMAIN.md §6.2, §6.5).

Pure rules, no IO. A principal is whoever is calling: a person logged in to the console, a machine with an
API key, the operator's bootstrap key, or nobody (the open development mode). Everything it sees or acts on
must lie within its scope: one unit (Humas UPT, Kepala UPT), one region (Kanwil) or everything (Ditjenpas,
Admin).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select, true

from tanggap_intake.models import Incident, Unit
from tanggap_shared.contracts import Role


class UserRole(StrEnum):
    HUMAS_UPT = "humas_upt"
    KEPALA_UPT = "kepala_upt"
    KANWIL = "kanwil"
    DITJENPAS = "ditjenpas"
    ADMIN = "admin"


ROLE_NAMES = {
    UserRole.HUMAS_UPT: "Humas UPT",
    UserRole.KEPALA_UPT: "Kepala UPT",
    UserRole.KANWIL: "Kanwil",
    UserRole.DITJENPAS: "Ditjenpas",
    UserRole.ADMIN: "Admin",
}

# Authority rank: who approves outbound text and declares an incident over, by level (DOMAIN.md §6.2:
# levels 1-2 Kepala UPT, 3 Kanwil, 4 Ditjenpas; a higher office may always act for a lower one). The Admin
# is the operator at the centre and holds the centre's authority.
RANK = {
    UserRole.HUMAS_UPT: 0,
    UserRole.KEPALA_UPT: 1,
    UserRole.KANWIL: 2,
    UserRole.DITJENPAS: 3,
    UserRole.ADMIN: 3,
}
RANK_FOR_LEVEL = {1: 1, 2: 1, 3: 2, 4: 3}
APPROVER_FOR_LEVEL = {1: "Kepala UPT", 2: "Kepala UPT", 3: "Kanwil", 4: "Ditjenpas"}

# The crisis-team role a person acts in when closing (the close rule of decisions.CLOSE_AUTHORITY).
TEAM_ROLE = {
    UserRole.HUMAS_UPT: Role.KOORDINATOR_HUMAS,
    UserRole.KEPALA_UPT: Role.KETUA,
    UserRole.KANWIL: Role.SUPERVISOR,
    UserRole.DITJENPAS: Role.PUSAT,
    UserRole.ADMIN: Role.PUSAT,
}


class ScopeKind(StrEnum):
    UNIT = "unit"
    REGION = "region"
    ALL = "all"


def scope_kind(role: UserRole) -> ScopeKind:
    if role in (UserRole.HUMAS_UPT, UserRole.KEPALA_UPT):
        return ScopeKind.UNIT
    if role is UserRole.KANWIL:
        return ScopeKind.REGION
    return ScopeKind.ALL


class PrincipalKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    BOOTSTRAP = "bootstrap"
    OPEN = "open"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: str
    name: str
    role: UserRole
    unit_code: str | None = None
    region_code: str | None = None
    # Set for a session: state-changing JSON calls with the cookie must echo it in X-CSRF-Token.
    csrf_token: str | None = None

    @property
    def key(self) -> str:
        """Who this is, for things kept per caller (idempotency keys): kind and id, never the name."""
        return f"{self.kind.value}:{self.id}"

    @property
    def label(self) -> str:
        """Who this is, as recorded beside what they did: a person's name or the machine's key."""
        return f"{self.name} (kunci API)" if self.kind is PrincipalKind.API_KEY else self.name

    @property
    def scope(self) -> ScopeKind:
        return scope_kind(self.role)

    @property
    def trusted_names(self) -> bool:
        """The bootstrap key and the open mode name the acting person in the body (an integration relays
        a person's decision); everyone else acts as themselves."""
        return self.kind in (PrincipalKind.BOOTSTRAP, PrincipalKind.OPEN)

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    @property
    def scope_label(self) -> str:
        if self.scope is ScopeKind.UNIT:
            return f"UPT {self.unit_code}"
        if self.scope is ScopeKind.REGION:
            return f"wilayah {self.region_code}"
        return "seluruh Indonesia"

    def sees(self, unit_code: str, region_code: str) -> bool:
        if self.scope is ScopeKind.ALL:
            return True
        if self.scope is ScopeKind.REGION:
            return region_code == self.region_code
        return unit_code == self.unit_code

    def may_decide(self, level: int | None) -> bool:
        """Approve or reject a draft, lower a level, move the phase: the authority of the level."""
        return self.trusted_names or RANK[self.role] >= RANK_FOR_LEVEL[level or 1]

    def actor(self, given: str | None) -> str | None:
        """The name recorded for a decision: the named person for trusted callers, else the identity."""
        if self.trusted_names:
            return given
        return self.label

    def team_role(self, given: Role | None) -> Role | None:
        return given if self.trusted_names else TEAM_ROLE[self.role]


OPEN = Principal(PrincipalKind.OPEN, "open", "mode terbuka", UserRole.ADMIN)
BOOTSTRAP = Principal(PrincipalKind.BOOTSTRAP, "bootstrap", "kunci bootstrap", UserRole.ADMIN)


def incident_filter(principal: Principal) -> ColumnElement[bool]:
    """The WHERE clause that keeps a query on incidents within the principal's scope."""
    if principal.scope is ScopeKind.ALL:
        return true()
    if principal.scope is ScopeKind.REGION:
        units = select(Unit.code).where(Unit.region == (principal.region_code or ""))
        return Incident.unit_code.in_(units)
    return Incident.unit_code == (principal.unit_code or "")


def unit_filter(principal: Principal, column: Any) -> ColumnElement[bool]:
    """The same for any table with a unit code column."""
    if principal.scope is ScopeKind.ALL:
        return true()
    if principal.scope is ScopeKind.REGION:
        result: ColumnElement[bool] = column.in_(
            select(Unit.code).where(Unit.region == (principal.region_code or ""))
        )
        return result
    unit: ColumnElement[bool] = column == (principal.unit_code or "")
    return unit


def role_needs(role: UserRole) -> str:
    """What a role must be given: "unit", "region" or nothing."""
    kind = scope_kind(role)
    return "" if kind is ScopeKind.ALL else kind.value
