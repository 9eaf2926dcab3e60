"""The key-message library in Qdrant local mode: starter content, idempotent seeding, retrieval order."""

import re
from collections import Counter
from pathlib import Path

from tanggap_drafter.items import load_starter
from tanggap_drafter.store import KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Category


def test_starter_library_covers_every_category_without_concrete_facts() -> None:
    items = load_starter()
    assert len(items) >= 28
    per_category = Counter(item.category for item in items)
    assert all(per_category[c] >= 2 for c in Category)
    assert {item.kind for item in items} == {"key_message", "holding_statement"}
    assert len({item.id for item in items}) == len(items)
    for item in items:
        assert not re.search(r"\d", item.text + item.title), item.id
        assert not re.search(r"\bnapi\b", item.text, re.IGNORECASE), item.id


async def test_seeding_is_idempotent_across_restarts(tmp_path: Path) -> None:
    starter = load_starter()
    target = QdrantTarget(path=tmp_path / "qdrant")
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


async def test_retrieval_returns_same_category_items_first() -> None:
    store = KeyMessageStore(QdrantTarget())
    await store.open(load_starter())
    try:
        # Mostly the words of an unrest item: still the incident's own categories come first, in order.
        query = "keselamatan Warga Binaan petugas masyarakat sekitar prosedur pengamanan pelarian kekerasan"
        found = await store.search(query, [Category.ESCAPE, Category.VIOLENCE], limit=3)
        categories = [r.item.category for r in found]
        assert categories == [Category.ESCAPE, Category.ESCAPE, Category.VIOLENCE]
        assert found[0].score >= found[1].score
        assert found[0].ref().id == found[0].item.id
    finally:
        await store.close()


async def test_category_items_are_found_even_without_a_shared_word() -> None:
    store = KeyMessageStore(QdrantTarget())
    await store.open(load_starter())
    try:
        found = await store.search("zzz qqq", [Category.RIGHTS], limit=2)
        assert [r.item.category for r in found] == [Category.RIGHTS, Category.RIGHTS]
    finally:
        await store.close()


async def test_falls_back_to_other_categories_when_the_category_has_nothing() -> None:
    store = KeyMessageStore(QdrantTarget())
    await store.open([i for i in load_starter() if i.category != Category.DRUGS])
    try:
        found = await store.search("peredaran narkoba halinar", [Category.DRUGS], limit=3)
        assert found
        assert all(r.item.category != Category.DRUGS for r in found)
        assert any("HALINAR" in r.item.text for r in found)
    finally:
        await store.close()
