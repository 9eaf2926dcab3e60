"""Reference data: Kanwil regions and units (with aliases), loaded from CSV, found by code, name or alias."""

import csv
import difflib
from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.models import Region, Unit, UnitAlias

log = structlog.get_logger("tanggap.intake.reference")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


async def load_reference(session: AsyncSession, folder: Path) -> tuple[int, int]:
    """Insert or update regions, units and aliases from `folder`; safe to run at every start."""
    regions = _rows(folder / "regions.csv")
    for r in regions:
        await session.merge(
            Region(
                code=r["code"],
                province=r["province"],
                office_name=r["office_name"],
                former_name=r.get("former_name", ""),
                city=r.get("city", ""),
            )
        )
    await session.flush()
    units = _rows(folder / "units.csv")
    for u in units:
        await session.merge(
            Unit(
                code=u["code"],
                name=u["name"],
                type=u["type"],
                unit_class=u.get("class", ""),
                specialisation=u.get("specialisation", ""),
                city=u.get("city", ""),
                region=u["region"],
            )
        )
    await session.flush()
    aliases = folder / "unit_aliases.csv"
    if aliases.exists():
        for a in _rows(aliases):
            await session.merge(UnitAlias(alias=a["alias"], code=a["code"]))
    log.info("intake.reference_loaded", regions=len(regions), units=len(units))
    return len(regions), len(units)


def _norm(value: str) -> str:
    return " ".join(value.lower().replace("klas ", "kelas ").split())


async def find_unit(session: AsyncSession, query: str) -> Unit | None:
    """A unit by exact code, then by name or alias (case and spacing ignored)."""
    unit = await session.get(Unit, query.strip().upper())
    if unit is not None:
        return unit
    wanted = _norm(query)
    for candidate in (await session.scalars(select(Unit))).all():
        if _norm(candidate.name) == wanted:
            return candidate
    for alias in (await session.scalars(select(UnitAlias))).all():
        if _norm(alias.alias) == wanted:
            return await session.get(Unit, alias.code)
    return None


async def closest_units(session: AsyncSession, query: str, limit: int = 3) -> list[Unit]:
    """The known units whose code, name or alias look most like `query`, for a helpful 422."""
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    labels: dict[str, str] = {}
    for u in units.values():
        labels[_norm(u.code)] = u.code
        labels[_norm(u.name)] = u.code
    for a in (await session.scalars(select(UnitAlias))).all():
        labels[_norm(a.alias)] = a.code
    wanted = _norm(query)
    matches = difflib.get_close_matches(wanted, list(labels), n=limit * 3, cutoff=0.3)
    # Words in common catch "cipinang" → "Lapas Kelas I Cipinang", which ratio alone ranks low.
    words = set(wanted.replace("-", " ").split())
    matches += [label for label in labels if words & set(label.replace("-", " ").split())]
    seen: list[str] = []
    for label in matches:
        code = labels[label]
        if code not in seen:
            seen.append(code)
    return [units[c] for c in seen[:limit]]
