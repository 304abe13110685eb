"""Part 2, the server over sockets: a `vectorizer serve` subprocess driven by the official
client over REST and gRPC (``benchmarks/transport.py`` does that part; its rows are reused
here), then a raw-HTTP load with a fixed query body over many connections.

Ratios are against in-process baselines measured in the same run: upserts against
qdrant-edge's in-process insert rate, searches against raw hnswlib's single-thread QPS at
the same ef (the server's default, 100).
"""

from __future__ import annotations

import json
import traceback
from typing import Any

from benchmarks import engines as eng
from benchmarks import raw_http, transport
from benchmarks.measure import percentile_ms
from benchmarks.report import Table, ratio

RAW_CONNECTIONS = (8, 64)


def run(size: dict[str, Any], baselines: dict[str, float]) -> tuple[list[Table], dict[str, Any]]:
    """The client-driven rows (transport.py) and the raw-HTTP rows, with their tables."""
    n, n_queries = size["engine"]["n"], size["server"]["queries"]
    data = transport.load(n, n_queries)
    base, words, queries, truth = data
    shaped = (base, words, queries.tolist(), truth)
    results: dict[str, Any] = {}
    try:
        print("  server: official client (benchmarks/transport.py) ...", flush=True)
        rows = transport.run(shaped, size["server"]["rounds"], None)
        results["client"] = [r.__dict__ for r in rows]
    except Exception:
        results["client_error"] = traceback.format_exc(limit=3).strip().splitlines()[-1]
    try:
        print("  server: raw HTTP load ...", flush=True)
        results["raw"] = raw_rows(shaped, size["server"]["raw_seconds"])
    except Exception:
        results["raw_error"] = traceback.format_exc(limit=3).strip().splitlines()[-1]
    return tables(results, baselines, n), results


def raw_rows(data: tuple[Any, ...], seconds: float) -> list[dict[str, Any]]:
    """Load a collection (gRPC, batches of 1024), then the fixed-body REST load per
    connection count."""
    queries = data[2]
    out = []
    with transport.serving(None) as server:
        client = transport.connect(server.rest_url, server.ports["qdrant_grpc"], "gRPC")
        try:  # loaded over gRPC, the faster way in; the load below is REST
            transport.upsert_row(client, "gRPC", 1024, "raw", data)
        finally:
            client.close()
        body = json.dumps({"query": queries[0], "limit": 10}).encode()
        port = server.ports["qdrant_rest"]
        for connections in RAW_CONNECTIONS:
            result = raw_http.load(
                "127.0.0.1", port, "/collections/raw/points/query", body, connections, seconds
            )
            out.append(
                {
                    "connections": connections,
                    "seconds": result.seconds,
                    "rps": result.rps,
                    "requests": result.requests,
                    "errors": result.errors,
                    "p50_ms": percentile_ms(result.latencies, 50),
                    "p95_ms": percentile_ms(result.latencies, 95),
                }
            )
    return out


def tables(results: dict[str, Any], baselines: dict[str, float], n: int) -> list[Table]:
    edge_insert = baselines.get("edge_insert_pps")
    edge_total = baselines.get("edge_load_pps")
    hnsw_qps = baselines.get("hnswlib_qps")
    upsert = Table(
        "Server: upsert with wait=false, then wait for green (official client, 1 process)",
        [
            "transport",
            "batch",
            "acked pts/s",
            "ratio",
            "to green pts/s",
            "ratio ",
            "p50 ms",
            "p95 ms",
            "precision@10",
        ],
        notes=[
            f"{n:,} points; acked: points over the time until the last upsert was answered; "
            "to green: over the time until the collection was green (indexed).",
            "ratio: against qdrant-edge in process measured in the same run "
            f"(insert {fmt_rate(edge_insert)} pts/s; insert + optimize "
            f"{fmt_rate(edge_total)} pts/s).",
        ],
    )
    search = Table(
        "Server: query_points, limit 10, default ef (official client)",
        ["transport", "client processes", "RPS", "ratio", "p50 ms", "p95 ms", "precision@10"],
        notes=[
            f"ratio: against raw hnswlib's single-thread QPS at ef={eng.DEFAULT_EF} measured "
            f"in the same run ({fmt_rate(hnsw_qps)} QPS). Client processes share the "
            "machine's 2 cores with the server."
        ],
    )
    if "client_error" in results:
        upsert.notes.append(f"not measured: {results['client_error']}")
    for r in results.get("client", []):
        if r["operation"] == "upsert":
            acked_s = r["seconds"] - (r["indexing_seconds"] or 0.0)
            acked = n / acked_s if acked_s > 0 else None
            upsert.add(
                **{
                    "transport": r["transport"],
                    "batch": r["batch"],
                    "acked pts/s": acked,
                    "ratio": ratio(acked, edge_insert),
                    "to green pts/s": r["throughput"],
                    "ratio ": ratio(r["throughput"], edge_total),
                    "p50 ms": r["p50_ms"],
                    "p95 ms": r["p95_ms"],
                    "precision@10": r["precision_at_10"],
                }
            )
        else:
            search.add(
                **{
                    "transport": r["transport"],
                    "client processes": r["processes"],
                    "RPS": r["throughput"],
                    "ratio": ratio(r["throughput"], hnsw_qps),
                    "p50 ms": r["p50_ms"],
                    "p95 ms": r["p95_ms"],
                    "precision@10": r["precision_at_10"],
                }
            )
    raw = Table(
        "Server: raw HTTP load, one fixed query body (POST /collections/{name}/points/query)",
        ["connections", "RPS", "ratio", "p50 ms", "p95 ms", "errors"],
        notes=[
            "A one-process asyncio client on keep-alive connections (it shares the 2 cores "
            f"with the server); ratio as above, against hnswlib's {fmt_rate(hnsw_qps)} QPS."
        ],
    )
    if "raw_error" in results:
        raw.notes.append(f"not measured: {results['raw_error']}")
    for r in results.get("raw", []):
        raw.add(
            **{
                "connections": r["connections"],
                "RPS": r["rps"],
                "ratio": ratio(r["rps"], hnsw_qps),
                "p50 ms": r["p50_ms"],
                "p95 ms": r["p95_ms"],
                "errors": r["errors"],
            }
        )
    return [upsert, search, raw]


def fmt_rate(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"
