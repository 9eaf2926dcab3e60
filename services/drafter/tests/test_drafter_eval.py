"""Floors on retrieval quality over the labelled query set (never on speed)."""

from tanggap_drafter.eval import evaluate, load_queries
from tanggap_drafter.items import load_starter


def test_the_labelled_queries_name_real_items_of_their_kind() -> None:
    items = {i.id: i for i in load_starter()}
    for q in load_queries():
        for item_id in q.relevant:
            assert items[item_id].kind == q.kind, item_id
            assert items[item_id].category == q.category, item_id


async def test_recall_floors_and_stemming_helps() -> None:
    results = {(r.setting, r.stemming): r.recall for r in await evaluate()}
    assert results[("filtered", True)] >= 0.95
    assert results[("open", True)] >= 0.6
    assert results[("open", True)] > results[("open", False)]


async def test_edge_finds_what_local_mode_finds() -> None:
    """The embedded default changed engine (Qdrant Edge for local mode): the same recall, query by query
    (items of equal score may be listed in another order, so the misses' lists are not compared)."""
    edge = await evaluate(engine="edge")
    local = await evaluate(engine="local")
    assert [(r.setting, r.stemming, r.recall, r.hits) for r in edge] == [
        (r.setting, r.stemming, r.recall, r.hits) for r in local
    ]
