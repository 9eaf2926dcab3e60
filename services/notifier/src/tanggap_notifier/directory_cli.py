"""`python -m tanggap_notifier.directory import FILE [--replace]` / `export`: the roster in the database.

The import adds or updates people by id (with `--replace`, people not in the file are removed) and
validates the resulting directory as a whole before writing anything.
"""

import argparse
import asyncio
import sys
from pathlib import Path

import yaml

from tanggap_notifier.directory import DirectoryError, read_people
from tanggap_notifier.people import load_people, merged, store_directory
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.db import create_schema, make_engine, make_session_factory, transaction


async def import_file(settings: NotifierSettings, path: Path, *, replace: bool) -> str:
    incoming = read_people(path)
    settings.ensure_state_dir()
    engine = make_engine(settings.resolved_database_url())
    try:
        await create_schema(engine)
        async with transaction(make_session_factory(engine)) as session:
            directory = merged(await load_people(session), incoming, replace=replace, source=str(path))
            added, updated, removed = await store_directory(session, directory)
    finally:
        await engine.dispose()
    return (
        f"{path}: {added} added, {updated} updated, {removed} removed; {len(directory.people)} people on file"
    )


async def export(settings: NotifierSettings) -> str:
    engine = make_engine(settings.resolved_database_url())
    try:
        await create_schema(engine)
        async with transaction(make_session_factory(engine)) as session:
            people = await load_people(session)
    finally:
        await engine.dispose()
    data = {"people": [p.model_dump(mode="json", exclude_none=True) for p in people]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tanggap_notifier.directory")
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="add or update people from a YAML or CSV file")
    importing.add_argument("file", type=Path)
    importing.add_argument("--replace", action="store_true", help="remove people not in the file")
    commands.add_parser("export", help="print the stored directory as YAML")
    args = parser.parse_args(argv)
    settings = NotifierSettings()
    try:
        if args.command == "import":
            sys.stdout.write(asyncio.run(import_file(settings, args.file, replace=args.replace)) + "\n")
        else:
            sys.stdout.write(asyncio.run(export(settings)))
    except DirectoryError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(2) from None
