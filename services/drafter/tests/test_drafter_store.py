"""The key-message library: starter content, seeding, filters, retrieval order, JSONL; every behaviour
in each engine that can hold it (Qdrant Edge, qdrant-client local mode, memory), and what only an
embedded library has to care about (a crash, a second process, a library of an earlier version)."""

import re
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tanggap_drafter.checks import check_draft
from tanggap_drafter.engines.base import LibraryUnavailable
from tanggap_drafter.items import ITEM_KINDS, LibraryItem, load_starter, parse_jsonl, to_jsonl
from tanggap_drafter.library.__main__ import main as library_main
from tanggap_drafter.store import MEMORY, EngineName, KeyMessageStore, QdrantTarget, Scope
from tanggap_drafter.wording import person_names
from tanggap_shared.contracts import Category, DraftKind

ENGINES: dict[str, tuple[EngineName, bool]] = {
    "edge": ("edge", True),
    "local": ("local", True),
    "memory": ("local", False),
}


def _target(tmp_path: Path, name: str) -> QdrantTarget:
    engine, on_disk = ENGINES[name]
    return QdrantTarget(path=tmp_path / "qdrant" if on_disk else Path(MEMORY), engine=engine)


@pytest.fixture(params=list(ENGINES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[KeyMessageStore]:
    """The starter library in each engine: the same interface must behave the same."""
    store = KeyMessageStore(_target(tmp_path, request.param))
    await store.open(load_starter())
    yield store
    await store.close()


def test_starter_library_covers_every_category_and_kind_without_concrete_facts() -> None:
    items = load_starter()
    assert len(items) >= 40
    per_category = Counter(item.category for item in items)
    assert all(per_category[c] >= 3 for c in Category)
    assert {item.kind for item in items} == ITEM_KINDS
    assert len({item.id for item in items}) == len(items)
    for item in items:
        assert item.reuse == "verbatim"
        assert not re.search(r"\d", item.text + item.title), item.id
        assert not re.search(r"\bnapi\b", item.text, re.IGNORECASE), item.id
        assert person_names(item.text) == [], item.id


def test_starter_items_pass_the_checks_on_their_own() -> None:
    """Verbatim text goes into drafts as it is: it must never be what makes a draft blocking."""
    for item in load_starter():
        findings = check_draft(DraftKind.QA, item.text, known=[], vocabulary=[item.text])
        assert [f for f in findings if f.severity == "blocking"] == [], item.id


@pytest.mark.parametrize("engine", ["edge", "local"])
async def test_seeding_is_idempotent_across_restarts(tmp_path: Path, engine: str) -> None:
    starter = load_starter()
    target = _target(tmp_path, engine)
    store = KeyMessageStore(target)
    await store.open(starter)
    assert await store.count() == len(starter)
    await store.close()

    again = KeyMessageStore(target)
    await again.open(starter)
    try:
        assert await again.count() == len(starter)
        assert await again.seed(starter) == 0
    finally:
        await again.close()


async def test_retrieval_keeps_the_incident_categories_in_order(store: KeyMessageStore) -> None:
    # Mostly the words of an unrest item: still the incident's own categories come first, in order.
    query = "keselamatan Warga Binaan petugas masyarakat sekitar prosedur pengamanan pelarian kekerasan"
    found = await store.search(query, [Category.ESCAPE, Category.VIOLENCE], kinds=["key_message"], limit=3)
    assert [r.item.category for r in found][:2] == [Category.ESCAPE, Category.VIOLENCE]
    # The third is an item marked generic, never a third category's message.
    assert [r.item.applies for r in found] == ["category", "category", "generic"]
    assert found[0].ref().id == found[0].item.id
    assert all(r.item.kind == "key_message" for r in found)


async def test_kind_filter_returns_only_that_kind(store: KeyMessageStore) -> None:
    found = await store.search("pengumuman pencarian kabur", [Category.ESCAPE], kinds=["dpo_notice"], limit=5)
    assert found
    assert {r.item.kind for r in found} == {"dpo_notice"}


async def test_stemming_finds_other_word_forms(store: KeyMessageStore) -> None:
    # "mencari" is nowhere in the library; "Pencarian" is, and both stem to "cari".
    found = await store.search("mencari", [Category.ESCAPE], kinds=["press_release"], limit=1)
    assert found[0].item.id == "starter-escape-5"
    assert "mencari" not in found[0].item.text.lower()
    assert found[0].score > 0  # a lexical match, not the category fill-up


async def test_category_items_are_found_even_without_a_shared_word(store: KeyMessageStore) -> None:
    found = await store.search("zzz qqq", [Category.RIGHTS], kinds=["key_message"], limit=2)
    assert [(r.item.category, r.item.applies) for r in found] == [
        (Category.RIGHTS, "category"),
        (Category.ROUTINE, "generic"),
    ]
    found = await store.search("zzz qqq", [Category.RIGHTS], limit=2)
    assert [r.item.category for r in found] == [Category.RIGHTS, Category.RIGHTS]


@pytest.mark.parametrize("engine", list(ENGINES))
async def test_falls_back_to_other_categories_when_the_category_has_nothing(
    tmp_path: Path, engine: str
) -> None:
    store = KeyMessageStore(_target(tmp_path, engine))
    items = [i for i in load_starter() if i.category != Category.DRUGS and i.applies != "generic"]
    await store.open(items)
    try:
        found = await store.search("peredaran narkoba halinar", [Category.DRUGS], limit=3)
        assert found
        assert all(r.item.category != Category.DRUGS for r in found)
        assert any("HALINAR" in r.item.text for r in found)
        # A strict search (every public draft's) never borrows another category's message.
        assert await store.search("peredaran narkoba halinar", [Category.DRUGS], limit=3, strict=True) == []
    finally:
        await store.close()


def _item(item_id: str, **fields: object) -> LibraryItem:
    base: dict[str, object] = {
        "id": item_id,
        "title": "Pesan khusus",
        "text": "Layanan kunjungan khusus bagi keluarga di unit ini.",
        "category": "rights",
        "kind": "key_message",
        "approved_by": "Humas",
    }
    return LibraryItem.model_validate(base | fields)


async def test_items_of_another_unit_and_examples_stay_out_of_verbatim_searches(
    store: KeyMessageStore,
) -> None:
    await store.add(
        [
            _item("here", unit="UNIT-A"),
            _item("elsewhere", unit="UNIT-B"),
            _item("example", reuse="example", source_incident=str(uuid.uuid4())),
        ]
    )
    query = "layanan kunjungan khusus keluarga"
    ids = {
        r.item.id for r in await store.search(query, [Category.RIGHTS], scope=Scope(unit="UNIT-A"), limit=10)
    }
    assert "here" in ids
    assert "elsewhere" not in ids
    assert "example" not in ids
    examples = await store.search(
        query, [Category.RIGHTS], reuse="example", scope=Scope(unit="UNIT-A"), limit=3
    )
    assert [r.item.id for r in examples] == ["example"]


async def test_jsonl_round_trip_and_replace_by_id(store: KeyMessageStore) -> None:
    exported = await store.export()
    assert [i.id for i in exported] == sorted(i.id for i in load_starter())
    assert parse_jsonl(to_jsonl(exported)) == exported

    changed = exported[0].model_copy(update={"text": "Teks yang diperbarui oleh Humas."})
    await store.add([changed])
    assert await store.count() == len(exported)
    assert (await store.get(changed.id)) == changed


def test_invalid_jsonl_names_its_line() -> None:
    good = to_jsonl(load_starter()[:1])
    with pytest.raises(ValueError, match="line 3"):
        parse_jsonl(good + "\n" + '{"id": "x", "kind": "poster"}\n')


def test_library_command_imports_and_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra.jsonl"
    extra.write_text(to_jsonl([_item("imported-1")]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("TANGGAP_STATE_DIR", str(tmp_path))
    library_main(["import", str(extra)])
    library_main(["export", str(out)])
    ids = [i.id for i in parse_jsonl(out.read_text(encoding="utf-8"))]
    assert "imported-1" in ids
    assert len(ids) == len(load_starter()) + 1


async def test_the_engines_score_alike() -> None:
    """Edge is a different engine behind the same interface: every item scores the same for a query
    (the lexical ranking, IDF included), so drafts do not change with the engine. Items of equal score
    may come in another order."""
    queries = [
        "warga binaan melarikan diri, pengejaran bersama kepolisian",
        "kerusuhan di blok hunian, petugas luka",
        "video viral pungutan liar kunjungan",
    ]
    rankings: dict[str, list[list[tuple[float, str]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ENGINES:
            store = KeyMessageStore(_target(Path(tmp) / name, name))
            await store.open(load_starter())
            try:
                rankings[name] = []
                for text in queries:
                    hits = await store._run(store._query, await store.vectors(text), None, 100)
                    rankings[name].append(sorted((-round(h.score, 4), h.item.id) for h in hits))
            finally:
                await store.close()
    assert len(rankings["edge"][0]) > 10
    assert rankings["edge"] == rankings["local"] == rankings["memory"]


_WRITE_AND_DIE = """
import asyncio, os, sys
from pathlib import Path
from tanggap_drafter.items import LibraryItem
from tanggap_drafter.store import KeyMessageStore, QdrantTarget

async def main() -> None:
    store = KeyMessageStore(QdrantTarget(path=Path(sys.argv[1])))
    await store.open([])
    await store.add([LibraryItem.model_validate_json(sys.argv[2])])
    print("added", flush=True)
    os._exit(9)  # no close, no flush: as if the machine lost power

asyncio.run(main())
"""


async def test_an_item_added_to_edge_survives_a_crash(tmp_path: Path) -> None:
    item = _item("learned-1", reuse="example", source_incident=str(uuid.uuid4()))
    done = subprocess.run(
        [sys.executable, "-c", _WRITE_AND_DIE, str(tmp_path / "qdrant"), item.model_dump_json()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout.splitlines()[-1:]) == (9, ["added"]), done.stderr
    store = KeyMessageStore(QdrantTarget(path=tmp_path / "qdrant"))
    await store.open(load_starter())
    try:
        assert await store.get("learned-1") == item
        assert await store.count() == 1  # not seeded over: the library was not empty
    finally:
        await store.close()


@pytest.mark.parametrize("engine", ["edge", "local"])
async def test_a_second_process_on_the_same_folder_is_told_what_to_do(tmp_path: Path, engine: str) -> None:
    first = KeyMessageStore(_target(tmp_path, engine))
    await first.open(load_starter())
    try:
        second = KeyMessageStore(_target(tmp_path, engine))
        with pytest.raises(LibraryUnavailable, match=r"open in another process.*TANGGAP_QDRANT_URL"):
            await second.open(load_starter())
        assert await first.count() == len(load_starter())  # the owner is unharmed
    finally:
        await first.close()


async def test_a_local_mode_library_of_an_earlier_version_is_carried_into_edge(tmp_path: Path) -> None:
    learned = _item("learned-2", reuse="example", source_incident=str(uuid.uuid4()))
    old = KeyMessageStore(_target(tmp_path, "local"))
    await old.open(load_starter()[:10])
    await old.add([learned])
    await old.close()

    store = KeyMessageStore(_target(tmp_path, "edge"))
    await store.open(load_starter())
    try:
        assert await store.count() == 11  # what the old library held, not the seed
        assert await store.get("learned-2") == learned
    finally:
        await store.close()
    again = KeyMessageStore(_target(tmp_path, "edge"))
    await again.open(load_starter())
    try:
        assert await again.count() == 11  # carried once
    finally:
        await again.close()


def test_library_command_says_why_when_the_drafter_holds_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANGGAP_STATE_DIR", str(tmp_path))
    library_main(["count"])  # creates and seeds the library, then lets it go
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path / "qdrant")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert "holding\n" in iter(holder.stdout.readline, "")  # after its log lines
        with pytest.raises(SystemExit, match="open in another process"):
            library_main(["count"])
    finally:
        holder.kill()
        holder.wait()


_HOLD = """
import asyncio, sys
from pathlib import Path
from tanggap_drafter.store import KeyMessageStore, QdrantTarget

async def main() -> None:
    store = KeyMessageStore(QdrantTarget(path=Path(sys.argv[1])))
    await store.open([])
    print("holding", flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""
