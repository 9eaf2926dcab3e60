"""Reference data: Kanwil regions and units (with aliases), loaded from CSV, found by code, name or alias."""

import csv
import difflib
import re
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.lexicon import normalise
from tanggap_intake.models import Region, Unit, UnitAlias

log = structlog.get_logger("tanggap.intake.reference")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


async def _upsert(session: AsyncSession, model: type[Any], key: str, rows: list[dict[str, str]]) -> int:
    """Insert new rows and update changed ones; one SELECT for the whole table, not one per row."""
    existing = {getattr(obj, key): obj for obj in (await session.scalars(select(model))).all()}
    changed = 0
    for values in rows:
        current = existing.get(values[key])
        if current is None:
            session.add(model(**values))
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            changed += 1
    await session.flush()
    return changed


async def load_reference(session: AsyncSession, folder: Path) -> tuple[int, int]:
    """Insert or update regions, units (with their mentor pilot unit) and aliases from `folder`; safe to
    run at every start, and the way to import the full official list (TANGGAP_REFERENCE_DIR)."""
    regions = [
        {
            "code": r["code"],
            "province": r["province"],
            "office_name": r["office_name"],
            "former_name": r.get("former_name", ""),
            "city": r.get("city", ""),
        }
        for r in _rows(folder / "regions.csv")
    ]
    units = [
        {
            "code": u["code"],
            "name": u["name"],
            "type": u["type"],
            "unit_class": u.get("class", ""),
            "specialisation": u.get("specialisation", ""),
            "city": u.get("city", ""),
            "region": u["region"],
            "mentor": u.get("mentor", ""),
        }
        for u in _rows(folder / "units.csv")
    ]
    changed = await _upsert(session, Region, "code", regions)
    changed += await _upsert(session, Unit, "code", units)
    aliases = folder / "unit_aliases.csv"
    if aliases.exists():
        rows = [{"alias": a["alias"], "code": a["code"]} for a in _rows(aliases)]
        changed += await _upsert(session, UnitAlias, "alias", rows)
    log.info("intake.reference_loaded", regions=len(regions), units=len(units), changed=changed)
    return len(regions), len(units)


def _norm(value: str) -> str:
    return " ".join(value.lower().replace("klas ", "kelas ").split())


_CLASS = re.compile(r"\bk(?:e)?las\s+(?:i{1,3}|iv)[ab]?\b", re.IGNORECASE)


def _variants(unit: Unit) -> set[str]:
    return {
        normalise(unit.name).strip(),
        normalise(_CLASS.sub(" ", unit.name)).strip(),  # "Lapas Cipinang" for "Lapas Kelas I Cipinang"
        normalise(unit.code).strip(),
    }


async def unit_index(session: AsyncSession) -> dict[str, set[str]]:
    """Every way a unit is written (full name, name without its class, code, alias) → unit codes."""
    index: dict[str, set[str]] = {}
    for unit in (await session.scalars(select(Unit))).all():
        for variant in _variants(unit):
            index.setdefault(variant, set()).add(unit.code)
    for alias in (await session.scalars(select(UnitAlias))).all():
        index.setdefault(normalise(alias.alias).strip(), set()).add(alias.code)
    return index


async def find_unit(session: AsyncSession, query: str) -> Unit | None:
    """A unit by exact code, then by name or alias (case and spacing ignored), then by its name without
    the class ("Lapas Cipinang") when that names one unit only."""
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
    codes = (await unit_index(session)).get(normalise(query).strip(), set())
    return await session.get(Unit, next(iter(codes))) if len(codes) == 1 else None


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
