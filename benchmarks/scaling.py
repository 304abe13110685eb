"""Part 3, scaling: insert + build time, search latency and memory of Vectorizer's core
beside raw hnswlib at growing sizes (10k and 100k of words-e5; 1M of seeded random unit
vectors of the same dimension, marked as such: words-e5 has 100k points)."""

from __future__ import annotations

from typing import Any

from benchmarks import engines as eng
from benchmarks.engine_suite import measure_apart
from benchmarks.report import Table, ratio

ENGINES = (eng.Hnswlib.name, eng.Vectorizer.name)


def run(
    sizes: list[int], queries: int, known: dict[tuple[str, int], dict[str, Any]]
) -> tuple[list[Table], list[dict[str, Any]]]:
    """Measure each engine at each size (reusing `known` results of the engine part)."""
    results = []
    for n in sizes:
        for name in ENGINES:
            result = known.get((name, n))
            if result is None:
                print(f"  scaling: {name} at {n:,} ...", flush=True)
                spec = {"n": n, "queries": queries, "slow_queries": queries, "random": n > 100_000}
                result = measure_apart(name, spec)
            results.append(result)
    return [table(results)], results


def table(results: list[dict[str, Any]]) -> Table:
    t = Table(
        "Scaling: insert + build, search latency and memory by size",
        [
            "points",
            "data",
            "engine",
            "insert+build s",
            "ratio",
            "p50 ms",
            "ratio ",
            "recall@10",
            "memory B/pt",
            "ratio  ",
            "us/pt",
        ],
        notes=[
            f"ratio: against {eng.BASELINE} at the same size, same run. Search: one query "
            f"per call, ef={eng.DEFAULT_EF}. us/pt: insert+build time per point, to read "
            "how it grows. Random data is far harder for HNSW than real "
            "embeddings: its recall at the same ef is not comparable with words-e5's.",
        ],
    )
    by = {(r["engine"], r.get("n")): r for r in results}
    for r in results:
        if r.get("error"):
            t.add(engine=r["engine"], data=f"not measured: {r['error']}")
            continue
        total = r["insert_s"] + (0.0 if r["build_s"] == r["insert_s"] else r["build_s"])
        b = by.get((eng.BASELINE, r["n"]), {})
        b_total = None
        if b and not b.get("error"):
            b_total = b["insert_s"] + (0.0 if b["build_s"] == b["insert_s"] else b["build_s"])
        d, bd = r["default"], b.get("default", {})
        t.add(
            **{
                "points": r["n"],
                "data": r["data"],
                "engine": r["engine"],
                "insert+build s": total,
                "ratio": ratio(total, b_total),
                "p50 ms": d["p50_ms"],
                "ratio ": ratio(d["p50_ms"], bd.get("p50_ms")),
                "recall@10": d["recall"],
                "memory B/pt": r["memory_bytes_per_point"],
                "ratio  ": ratio(r["memory_bytes_per_point"], b.get("memory_bytes_per_point")),
                "us/pt": total / r["n"] * 1e6,
            }
        )
    return t
