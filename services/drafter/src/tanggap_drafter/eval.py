"""Retrieval quality on a small labelled query set: `python -m tanggap_drafter.eval`.

Two settings, each with and without Indonesian stemming:
- "filtered": category and kind filters, as the drafter searches;
- "open": the kind filter only, over every category (the ranking has to find the category itself).
recall@3 is the share of an item's relevant items (at most three) found in the top three, averaged over
queries. With TANGGAP_EMBEDDING_MODEL and an endpoint configured, dense embeddings are fused in as well.
"""

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from unittest import mock

import yaml
from pydantic import BaseModel

from tanggap_drafter import lexical
from tanggap_drafter.app import build_embedder, openai_client
from tanggap_drafter.items import load_starter
from tanggap_drafter.settings import DrafterSettings
from tanggap_drafter.store import EngineName, KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Category

TOP = 3


class LabelledQuery(BaseModel):
    query: str
    category: Category
    kind: str
    relevant: list[str]


@dataclass(frozen=True)
class Result:
    setting: str
    stemming: bool
    recall: float
    hits: int
    total: int
    misses: list[str]


def load_queries() -> list[LabelledQuery]:
    source = resources.files("tanggap_drafter").joinpath("evalset.yaml")
    return [LabelledQuery.model_validate(q) for q in yaml.safe_load(source.read_text(encoding="utf-8"))]


@contextmanager
def _stemming(enabled: bool) -> Iterator[None]:
    if enabled:
        yield
        return
    with mock.patch.object(lexical, "stem", side_effect=lambda token: token):
        yield


async def _run(
    store: KeyMessageStore, queries: list[LabelledQuery], *, filtered: bool
) -> tuple[float, int, list[str]]:
    scores: list[float] = []
    misses: list[str] = []
    for q in queries:
        categories = [q.category] if filtered else list(Category)
        found = await store.search(q.query, categories if filtered else [], kinds=[q.kind], limit=TOP)
        ids = [r.item.id for r in found]
        wanted = q.relevant[:TOP]
        score = len(set(ids) & set(wanted)) / len(wanted)
        scores.append(score)
        if score < 1:
            misses.append(f"{q.query!r}: got {ids}, wanted {wanted}")
    hits = sum(s == 1 for s in scores)
    return sum(scores) / len(scores), hits, misses


async def evaluate(
    embedder_factory: Callable[[], object | None] = lambda: None, engine: EngineName = "edge"
) -> list[Result]:
    """Recall with and without stemming, each in a fresh library of the embedded `engine`."""
    queries = load_queries()
    results: list[Result] = []
    for stemming in (True, False):
        with _stemming(stemming), tempfile.TemporaryDirectory(prefix="tanggap-eval-") as tmp:
            target = QdrantTarget(path=Path(tmp), engine=engine)
            store = KeyMessageStore(target, embedder=embedder_factory())  # type: ignore[arg-type]
            await store.open(load_starter())
            try:
                for setting, filtered in (("filtered", True), ("open", False)):
                    recall, hits, misses = await _run(store, queries, filtered=filtered)
                    name = setting + (" + dense" if store.hybrid else "")
                    results.append(Result(name, stemming, recall, hits, len(queries), misses))
            finally:
                await store.close()
    return results


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tanggap_drafter.eval", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list the queries that missed")
    parser.add_argument("--engine", choices=["edge", "local"], default="edge", help="embedded engine")
    args = parser.parse_args(argv)
    settings = DrafterSettings()
    client = openai_client(settings)
    results = asyncio.run(evaluate(lambda: build_embedder(settings, client), args.engine))
    _say(
        f"retrieval recall@{TOP} on {results[0].total} labelled queries ({len(load_starter())} library items)"
    )
    for r in results:
        stem = "stemming" if r.stemming else "no stemming"
        found = f"all relevant found: {r.hits}/{r.total}"
        _say(f"  {r.setting:<18} {stem:<12} recall@{TOP} = {r.recall:.3f}  ({found})")
        if args.verbose:
            for miss in r.misses:
                _say(f"      miss {miss}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
