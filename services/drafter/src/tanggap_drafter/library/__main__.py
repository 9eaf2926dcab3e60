"""Import, export or rebuild the key-message library.

    python -m tanggap_drafter.library import FILE    # upsert the items of a JSONL file (same id: replaced)
    python -m tanggap_drafter.library export FILE    # every item, sorted by id ("-" for stdout)
    python -m tanggap_drafter.library reindex        # rebuild vectors (e.g. after configuring embeddings)
    python -m tanggap_drafter.library count

Uses the drafter's settings (TANGGAP_QDRANT_URL / TANGGAP_QDRANT_PATH / TANGGAP_QDRANT_ENGINE /
TANGGAP_STATE_DIR, and the embeddings endpoint when configured). One process at a time may open an
embedded library folder: stop the drafter first, or point TANGGAP_QDRANT_URL at a Qdrant server.
"""

import argparse
import asyncio
import sys
from pathlib import Path

import structlog

from tanggap_drafter.app import build_store, openai_client
from tanggap_drafter.engines.base import LibraryUnavailable
from tanggap_drafter.items import load_starter, read_jsonl, to_jsonl
from tanggap_drafter.settings import DrafterSettings
from tanggap_drafter.store import KeyMessageStore


async def run(command: str, file: str | None, store: KeyMessageStore) -> str:
    await store.open(load_starter())
    try:
        if command == "import":
            items = read_jsonl(Path(_required(file)))
            await store.add(items)
            return f"{len(items)} item diimpor; pustaka kini berisi {await store.count()} item."
        if command == "export":
            text = to_jsonl(await store.export())
            if file in (None, "-"):
                sys.stdout.write(text)
                return ""
            Path(_required(file)).write_text(text, encoding="utf-8")
            return f"{text.count(chr(10))} item diekspor ke {file}."
        if command == "reindex":
            return f"{await store.recreate()} item diindeks ulang."
        return f"{await store.count()} item."
    finally:
        await store.close()


def _required(file: str | None) -> str:
    if not file:
        raise SystemExit("FILE is required")
    return file


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tanggap_drafter.library", description=__doc__)
    parser.add_argument("command", choices=["import", "export", "reindex", "count"])
    parser.add_argument("file", nargs="?")
    args = parser.parse_args(argv)
    # Logs to stderr, so that `export -` writes nothing but JSONL to stdout.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    settings = DrafterSettings()
    try:
        message = asyncio.run(run(args.command, args.file, build_store(settings, openai_client(settings))))
    except LibraryUnavailable as exc:
        raise SystemExit(f"cannot open the library: {exc}") from None
    if message:
        sys.stderr.write(message + "\n")


if __name__ == "__main__":
    main()
