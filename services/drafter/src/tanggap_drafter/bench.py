"""Query latency of the library with many stored items: `python -m tanggap_drafter.bench`.

Stores N synthetic items (default 10,000; random sentences from the starter library's vocabulary, every
category and kind) in the embedded engine (--engine edge, the default: Qdrant Edge; --engine local:
qdrant-client local mode) or on a server (--url), upserted in batches with progress, then times queries
as the drafter runs them:
- "search (sparse)": KeyMessageStore.search with category + kind filters, lexical only (no model);
- "search (hybrid)": the same with a dense vector fused by RRF (a local deterministic stand-in embedder,
  so the figure is Qdrant's cost, not a model's);
- "raw query": one filtered engine query, hybrid, without the drafter's category fill-up.
Goal: p99 <= 50 ms at 10,000 items.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from tanggap_drafter.items import ITEM_KINDS, LibraryItem, load_starter
from tanggap_drafter.lexical import token_index, tokenise
from tanggap_drafter.store import EngineName, KeyMessageStore, QdrantTarget, QueryVectors, Scope, build_filter
from tanggap_shared.contracts import Category

GOAL_P99_MS = 50.0


class HashEmbedder:
    """A stand-in embedder: hashed stems into a fixed-size unit vector (no model, no network)."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions

    @property
    def name(self) -> str:
        return f"hash-{self._dimensions}"

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> list[float]:
        vector = [0.0] * self._dimensions
        for token in tokenise(text):
            index = token_index(token)
            vector[index % self._dimensions] += 1.0 if index & 1 else -1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


def synthetic_items(n: int, seed: int = 7) -> list[LibraryItem]:
    rng = random.Random(seed)
    words = [w for item in load_starter() for w in item.text.replace(",", "").replace(".", "").split()]
    kinds = sorted(ITEM_KINDS)
    categories = list(Category)
    items = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(15, 40))).capitalize() + "."
        items.append(
            LibraryItem(
                id=f"bench-{i}",
                title=" ".join(rng.choice(words) for _ in range(4)),
                text=text,
                category=rng.choice(categories),
                kind=rng.choice(kinds),
                approved_by="bench",
                reuse="verbatim" if rng.random() < 0.8 else "example",
            )
        )
    return items


def percentiles(samples_ms: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


async def _time(fn: Callable[[], Awaitable[object]], repeats: int) -> list[float]:
    await fn()  # warm up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def run(n: int, queries: int, batch: int, target: QdrantTarget, dense: int) -> None:
    store = KeyMessageStore(target, collection="bench", embedder=HashEmbedder(dense) if dense else None)
    await store.open()
    try:
        items = synthetic_items(n)
        started = time.perf_counter()
        for i in range(0, n, batch):
            await store.add(items[i : i + batch], batch=batch)
            done = min(n, i + batch)
            rate = done / (time.perf_counter() - started)
            sys.stderr.write(f"\rupserted {done:>6}/{n} ({rate:,.0f} items/s)")
        sys.stderr.write("\n")
        upsert_s = time.perf_counter() - started
        rng = random.Random(11)
        texts = [rng.choice(items).text for _ in range(queries)]
        plain = [QueryVectors(sparse=(await store.vectors(t)).sparse) for t in texts]
        fused = [await store.vectors(t) for t in texts]
        scope = Scope(unit="UNIT-X", region="REGION-X")

        def searcher(vectors: list[QueryVectors]) -> Callable[[], Awaitable[object]]:
            cursor = iter(range(10**9))

            async def one() -> object:
                v = vectors[next(cursor) % len(vectors)]
                return await store.search(
                    v, [Category.UNREST, Category.DEATH], kinds=["key_message"], scope=scope
                )

            return one

        raw_cursor = iter(range(10**9))
        flt = build_filter(Category.UNREST, ["key_message"], "verbatim", scope)

        async def raw() -> object:
            v = fused[next(raw_cursor) % len(fused)]
            return await store._run(store._query, v, flt, 3)  # the bare engine call

        _say(f"{store.describe()}: {n} items (dense {dense or 'none'}), upsert {upsert_s:.1f} s")
        rows = [("search (sparse)", searcher(plain))]
        if store.hybrid:
            rows += [("search (hybrid)", searcher(fused)), ("raw query", raw)]
        for label, fn in rows:
            p50, p95, p99 = percentiles(await _time(fn, queries))
            verdict = "meets" if p99 <= GOAL_P99_MS else "MISSES"
            timing = f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms"
            _say(f"  {label:<18} {timing}  ({verdict} p99 <= {GOAL_P99_MS:.0f} ms)")
    finally:
        await store.close()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tanggap_drafter.bench", description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--dense", type=int, default=384, help="stand-in dense size; 0 for sparse only")
    parser.add_argument("--path", type=Path, default=None, help="local folder (default: a temporary one)")
    parser.add_argument("--engine", choices=["edge", "local"], default="edge", help="embedded engine")
    parser.add_argument("--url", default=None, help="a Qdrant server instead of an embedded engine")
    args = parser.parse_args(argv)
    engine: EngineName = args.engine
    with tempfile.TemporaryDirectory(prefix="tanggap-bench-") as tmp:
        path = args.path or Path(tmp) / "qdrant"
        target = QdrantTarget(url=args.url) if args.url else QdrantTarget(path=path, engine=engine)
        asyncio.run(run(args.items, args.queries, args.batch, target, args.dense))


if __name__ == "__main__":
    main()
