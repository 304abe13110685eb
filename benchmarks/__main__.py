"""``python -m benchmarks run [--size small|full] [--json PATH] [--parts ...]``

One entry point for the benchmark suite: Vectorizer beside what a user would pick instead,
on the same data in the same run, one table per part, every table with ratios against a
baseline measured in that run. Parts: ``engine`` (in process: Vectorizer's core, raw
hnswlib, qdrant-edge, qdrant-client's local mode), ``server`` (a ``vectorizer serve``
subprocess over REST and gRPC, and a raw-HTTP load), ``scaling`` (10k, 100k, 1M points),
then the issue's targets against the measured ratios. ``--size small`` (10k points) is
what CI runs; ``full`` is 100k words-e5 points and the 1M scaling row. Never fails on a
number: a part that cannot run says so in its table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import engine_suite, scaling, server_suite, targets
from benchmarks import engines as eng
from benchmarks.data import DATASET
from benchmarks.report import Table

SIZES: dict[str, dict[str, Any]] = {
    "small": {
        "engine": {"n": 10_000, "queries": 200, "slow_queries": 10},
        "server": {"queries": 200, "rounds": 2, "raw_seconds": 3.0},
        "scaling": {"sizes": [10_000], "queries": 200},
    },
    "full": {
        "engine": {"n": 100_000, "queries": 1000, "slow_queries": 20},
        "server": {"queries": 1000, "rounds": 2, "raw_seconds": 10.0},
        "scaling": {"sizes": [10_000, 100_000, 1_000_000], "queries": 200},
    },
}
PARTS = ("engine", "server", "scaling")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[1]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the suite, print the tables")
    run.add_argument("--size", choices=SIZES, default="small")
    run.add_argument("--json", type=Path, help="write every table and raw result here")
    run.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}"
    )
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    size = SIZES[args.size]
    started = time.perf_counter()
    load = os.getloadavg()
    print(
        f"benchmarks: size {args.size}, parts {', '.join(parts)}; data {DATASET}; "
        f"{os.cpu_count()} cores, load average {load[0]:.2f}",
        flush=True,
    )

    tables: list[Table] = []
    raw: dict[str, Any] = {}
    if "engine" in parts:
        part_tables, raw["engine"] = engine_suite.run(size)
        tables += part_tables
    baselines = in_process_baselines(raw.get("engine"), size)
    raw["baselines"] = baselines
    if "server" in parts:
        part_tables, raw["server"] = server_suite.run(size, baselines)
        tables += part_tables
    if "scaling" in parts:
        known = {(name, r["n"]): r for name, r in raw.get("engine", {}).items() if "n" in r}
        part_tables, raw["scaling"] = scaling.run(
            size["scaling"]["sizes"], size["scaling"]["queries"], known
        )
        tables += part_tables
    tables.append(targets.table(raw, size))

    elapsed = time.perf_counter() - started
    print()
    for table in tables:
        print(table.markdown(), end="\n\n")
    print(f"(total {elapsed:.0f} s; load average at the end {os.getloadavg()[0]:.2f})")
    if args.json:
        meta = {
            "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
            "size": args.size,
            "parts": parts,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": load,
            "seconds": elapsed,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        doc = {"meta": meta, "tables": [t.as_json() for t in tables], "results": raw}
        args.json.write_text(json.dumps(doc, indent=2, default=str) + "\n")


def in_process_baselines(engine: dict[str, Any] | None, size: dict[str, Any]) -> dict[str, float]:
    """What the server part compares against: raw hnswlib's single-thread QPS at the default
    ef, qdrant-edge's insert rate (and with optimize); measured now if the engine part did
    not run."""
    engine = dict(engine or {})
    spec = {**size["engine"], "queries": min(200, size["engine"]["queries"])}
    for name in (eng.Hnswlib.name, eng.QdrantEdge.name):
        if name not in engine and eng.available(name) is None:
            print(f"  baseline: {name} ...", flush=True)
            engine[name] = engine_suite.measure_apart(name, spec)
    out: dict[str, float] = {}
    hnsw, edge = engine.get(eng.Hnswlib.name, {}), engine.get(eng.QdrantEdge.name, {})
    if "default" in hnsw:
        out["hnswlib_qps"] = hnsw["default"]["qps"]
    if "insert_s" in edge:
        out["edge_insert_pps"] = edge["n"] / edge["insert_s"]
        out["edge_load_pps"] = edge["n"] / (edge["insert_s"] + edge["build_s"])
    return out


if __name__ == "__main__":
    main()
