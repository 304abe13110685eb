"""Filtered search: QPS and recall@10 at several selectivities, with and without payload
indexes, in process, against the official client's local mode as a baseline.

    python benchmarks/filtered_search.py [--size small|full] [--json FILE]

Data: the words-e5 embeddings (``../shared/datasets/words-e5``, or
``VECTORIZER_DATASET_DIR``) with generated payloads: a keyword, integers, a float, a geo
point, a datetime and the word itself as text. Ground truth is exact filtered search
computed with numpy from the generated columns, independently of Vectorizer's filter
code. Prints one table; never fails on a number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models

from vectorizer import Engine
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    OptimizersConfig,
    PointStruct,
    VectorParams,
)
from vectorizer.query import query, search_request
from vectorizer_qdrant_rest.wire.filters import filter_in

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
SIZES = {
    "small": (10_000, 100, 5),
    "full": (100_000, 300, 10),
}  # points, queries, local-mode queries
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@dataclass
class Row:
    engine: str
    filter: str
    selectivity: float
    indexed: bool
    qps: float
    recall: float


def make_payloads(n: int, words: list[str], rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "category": rng.integers(0, 1000, n),  # keyword "c<k>": 0.1 % each
        "bucket": rng.integers(0, 100, n),  # integer: 1 % each
        "price": rng.random(n),  # float in [0, 1)
        "lon": rng.uniform(0.0, 10.0, n),
        "lat": rng.uniform(40.0, 50.0, n),
        "seconds": rng.integers(0, 365 * 86400, n),  # a datetime within a year
    }


def payload(cols: dict[str, np.ndarray], words: list[str], i: int) -> dict:
    return {
        "category": f"c{cols['category'][i]}",
        "bucket": int(cols["bucket"][i]),
        "price": float(cols["price"][i]),
        "location": {"lon": float(cols["lon"][i]), "lat": float(cols["lat"][i])},
        "created": (EPOCH + dt.timedelta(seconds=int(cols["seconds"][i]))).isoformat(),
        "word": words[i],
    }


def filters(cols: dict[str, np.ndarray]) -> list[tuple[str, models.Filter, np.ndarray]]:
    """(name, filter, exact mask) at about 0.1 %, 1 %, 10 % and 50 % selectivity."""
    window = 365 * 86400 // 100

    def where(key: str, **check: object) -> models.Filter:
        return models.Filter(must=[models.FieldCondition(key=key, **check)])

    box = models.GeoBoundingBox(
        top_left=models.GeoPoint(lon=0.0, lat=41.0),
        bottom_right=models.GeoPoint(lon=1.0, lat=40.0),
    )
    period = models.DatetimeRange(gte=EPOCH, lt=EPOCH + dt.timedelta(seconds=window))
    return [
        ("keyword = c7 (0.1%)", where("category", match=models.MatchValue(value="c7")),
         cols["category"] == 7),
        ("integer = 3 (1%)", where("bucket", match=models.MatchValue(value=3)),
         cols["bucket"] == 3),
        ("float < 0.01 (1%)", where("price", range=models.Range(lt=0.01)), cols["price"] < 0.01),
        ("geo box (1%)", where("location", geo_bounding_box=box),
         (cols["lon"] <= 1.0) & (cols["lat"] <= 41.0)),
        ("datetime window (1%)", where("created", range=period), cols["seconds"] < window),
        ("integer < 10 (10%)", where("bucket", range=models.Range(lt=10)), cols["bucket"] < 10),
        ("integer < 50 (50%)", where("bucket", range=models.Range(lt=50)), cols["bucket"] < 50),
    ]  # fmt: skip


INDEXES = {
    "category": "keyword",
    "bucket": {"type": "integer", "lookup": True, "range": True},
    "price": "float",
    "location": "geo",
    "created": "datetime",
    "word": "text",
}


def recall_of(got: list[list[int]], truth: list[np.ndarray]) -> float:
    hits = sum(len(set(g) & set(t.tolist())) for g, t in zip(got, truth, strict=True))
    return hits / max(1, sum(len(t) for t in truth))


def timed(
    fn: Callable[[np.ndarray], list[int]], queries: np.ndarray
) -> tuple[float, list[list[int]]]:
    fn(queries[0])  # warm up
    start = time.perf_counter()
    results = [fn(q) for q in queries]
    return len(queries) / (time.perf_counter() - start), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here too")
    args = parser.parse_args()
    n, n_queries, n_local = SIZES[args.size]
    rng = np.random.default_rng(0)
    base = np.load(DATASET / "base.npy", mmap_mode="r")[:n].astype(np.float32)
    queries = np.load(DATASET / "queries.npy")[:n_queries].astype(np.float32)
    words = (DATASET / "base_words.txt").read_text().splitlines()[:n]
    cols = make_payloads(n, words, rng)
    payloads = [payload(cols, words, i) for i in range(n)]
    rows: list[Row] = []

    def truth_for(mask: np.ndarray, qs: np.ndarray) -> list[np.ndarray]:
        allowed = np.flatnonzero(mask)
        scores = qs @ base[allowed].T
        return [allowed[np.argsort(-s, kind="stable")[:10]] for s in scores]

    with tempfile.TemporaryDirectory() as tmp, Engine.open(tmp, storage="memory") as engine:
        engine.create_collection(
            "bench",
            CollectionConfig(
                params=CollectionParams(vectors={"": VectorParams(384, Distance.COSINE)}),
                # build the HNSW index even for the small size, to measure filtered HNSW
                optimizer_config=OptimizersConfig(indexing_threshold=1),
            ),
        )
        col = engine.get_collection("bench")
        for lo in range(0, n, 1000):
            col.upsert(
                [PointStruct(i, {"": base[i]}, payloads[i]) for i in range(lo, min(n, lo + 1000))]
            )
        col.wait_indexed()

        def search(flt: object) -> Callable[[np.ndarray], list[int]]:
            def run(q: np.ndarray) -> list[int]:
                request = search_request(q, limit=10, filter=flt)
                return [p.id for p in query(col, request, engine.get_collection)]

            return run

        qps, got = timed(search(None), queries)
        rows.append(
            Row(
                "vectorizer",
                "none",
                1.0,
                False,
                qps,
                recall_of(got, truth_for(np.ones(n, bool), queries)),
            )
        )
        for indexed in (False, True):
            if indexed:
                for field, schema in INDEXES.items():
                    col.create_field_index(field, schema)
            for name, flt, mask in filters(cols):
                ast = filter_in(flt.model_dump(mode="json", exclude_none=True), "filter", {})
                use = queries if indexed else queries[: max(10, n_queries // 10)]
                qps, got = timed(search(ast), use)
                rows.append(
                    Row(
                        "vectorizer",
                        name,
                        float(mask.mean()),
                        indexed,
                        qps,
                        recall_of(got, truth_for(mask, use)),
                    )
                )

    local = QdrantClient(":memory:")
    local.create_collection(
        "bench", vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE)
    )
    for lo in range(0, n, 1000):
        ids = list(range(lo, min(n, lo + 1000)))
        local.upsert(
            "bench",
            models.Batch(ids=ids, vectors=base[ids].tolist(), payloads=[payloads[i] for i in ids]),
        )
    for name, flt, mask in filters(cols):
        use = queries[:n_local]

        def local_search(q: np.ndarray, flt: models.Filter = flt) -> list[int]:
            hits = local.query_points("bench", query=q.tolist(), query_filter=flt, limit=10)
            return [p.id for p in hits.points]

        qps, got = timed(local_search, use)
        rows.append(
            Row(
                "qdrant-client local mode",
                name,
                float(mask.mean()),
                False,
                qps,
                recall_of(got, truth_for(mask, use)),
            )
        )

    unfiltered = rows[0].qps
    print(f"\nFiltered search, {n} points x 384 (words-e5), limit 10")
    print("ratio = QPS / unfiltered Vectorizer QPS, measured in the same run\n")
    print("| engine | filter | selectivity | payload index | QPS | ratio | recall@10 |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        index = "yes" if r.indexed else "no"
        qps = f"{r.qps:,.0f}" if r.qps >= 100 else f"{r.qps:.2f}"
        print(
            f"| {r.engine} | {r.filter} | {r.selectivity:.2%} | {index} | {qps}"
            f" | {r.qps / unfiltered:.3f} | {r.recall:.3f} |"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
