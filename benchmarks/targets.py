"""The issue's targets (issue 8, point 3) against the ratios measured in this run. Not
asserted anywhere: a missed target is a row saying so."""

from __future__ import annotations

from typing import Any

from benchmarks import engines as eng
from benchmarks.data import DIM
from benchmarks.engine_suite import RECALL_TARGETS, matched
from benchmarks.report import Table, fmt


def graph_bytes_per_point(m: int = eng.M) -> float:
    """hnswlib's links per point: level 0 holds 2m neighbours (+ a count), upper levels m,
    reached by 1/(m-1) of a level per point on average."""
    return (2 * m * 4 + 4) + (m * 4 + 4) / (m - 1)


def table(raw: dict[str, Any], size: dict[str, Any]) -> Table:
    t = Table(
        "Targets (issue 8, point 3) against this run",
        ["target", "measured", "goal", "met"],
        notes=["Ratios from the tables above; `-`: the part that measures it did not run."],
    )

    def row(target: str, value: float | None, goal: str, met: bool | None, show: str = "") -> None:
        t.add(
            target=target,
            measured=show or fmt(value),
            goal=goal,
            met="-" if met is None or value is None else ("met" if met else "not met"),
        )

    engine = raw.get("engine", {})
    core, hnsw = engine.get(eng.Vectorizer.name, {}), engine.get(eng.Hnswlib.name, {})
    edge, local = engine.get(eng.QdrantEdge.name, {}), engine.get(eng.LocalMode.name, {})
    for target in RECALL_TARGETS:
        c, h, e = matched(core, target), matched(hnsw, target), matched(edge, target)
        r = c["qps"] / h["qps"] if c and h else None
        row(
            f"core QPS / hnswlib QPS, 1 query per call, recall {target}",
            r,
            ">= 0.90",
            r is not None and r >= 0.9,
        )
        r = c["qps"] / e["qps"] if c and e else None
        row(
            f"core QPS / qdrant-edge QPS, 1 query per call, recall {target}",
            r,
            "> 1.00",
            r is not None and r > 1.0,
        )

    server = raw.get("server", {})
    base = raw.get("baselines", {})
    searches = {
        (r["transport"], r["processes"]): r["throughput"]
        for r in server.get("client", [])
        if r["operation"] == "search"
    }
    rest = [v for (t, p), v in searches.items() if t.startswith("REST") and p == 8]
    rest8, grpc8 = max(rest, default=None), searches.get(("gRPC", 8))
    hq = base.get("hnswlib_qps")
    r = rest8 / hq if rest8 and hq else None
    row(
        "REST RPS from 8 clients (best REST row) / hnswlib single-thread QPS",
        r,
        ">= 0.50",
        r is not None and r >= 0.5,
    )
    r = grpc8 / rest8 if grpc8 and rest8 else None
    row("gRPC RPS / best REST RPS, 8 clients", r, ">= 1.00", r is not None and r >= 1.0)
    n = size["engine"]["n"]
    acked = [
        n / (r["seconds"] - (r["indexing_seconds"] or 0.0))
        for r in server.get("client", [])
        if r["operation"] == "upsert" and r["seconds"] > (r["indexing_seconds"] or 0.0)
    ]
    ei = base.get("edge_insert_pps")
    r = max(acked) / ei if acked and ei else None
    row(
        "best server upsert rate (acked) / qdrant-edge in-process insert rate",
        r,
        ">= 0.50",
        r is not None and r >= 0.5,
    )
    r = core["build_s"] / edge["build_s"] if "build_s" in core and "build_s" in edge else None
    row("core index build time / qdrant-edge's", r, "<= 1.00", r is not None and r <= 1.0)

    reference = DIM * 4 + graph_bytes_per_point()
    mem = core.get("memory_bytes_per_point")
    r = mem / reference if mem else None
    row(
        f"core memory / (raw vectors + HNSW graph = {reference:,.0f} B/pt)",
        r,
        "<= 1.50",
        r is not None and r <= 1.5,
    )
    restart = core.get("restart_s")
    label = f"core restart at {core.get('n', n):,} points (goal is for 100,000), s"
    row(
        label,
        restart,
        "< 5",
        restart is not None and core.get("n") == 100_000 and restart < 5
        if core.get("n") == 100_000
        else None,
    )
    lq, cq = local.get("default", {}).get("qps"), core.get("default", {}).get("qps")
    r = cq / lq if cq and lq else None
    row(
        f"core QPS / local mode QPS at {core.get('n', n):,} points (goal is at 100,000)",
        r,
        ">= 100",
        (r >= 100 if r is not None else None) if core.get("n") == 100_000 else None,
    )
    return t
