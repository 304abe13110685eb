"""Part 1, the engines in process: load, build, memory, restart, search at matched recall,
batched and filtered search. Each engine is measured in its own fresh process."""

from __future__ import annotations

import functools
import importlib
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import engines as eng
from benchmarks.data import FILTERS, exact_top, filter_mask, load, recall
from benchmarks.measure import best_of, isolated, percentile_ms, rss_bytes, timed
from benchmarks.report import Table, ratio

EFS = (16, 32, 64, 128, 256, 512)
RECALL_TARGETS = (0.95, 0.99)
BATCH_QUERIES = 100  # queries per batched call


def measure(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Everything `spec` asks about one engine (runs in a child process; never raises)."""
    try:
        return _measure(name, spec)
    except Exception:
        return {"engine": name, "error": traceback.format_exc(limit=3).strip().splitlines()[-1]}


def _measure(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    data = load(spec["n"], spec["queries"], random=spec.get("random", False))
    cls = eng.ENGINES[name]
    out: dict[str, Any] = {"engine": name, "n": data.n, "data": data.name}
    n_queries = spec["slow_queries"] if not cls.has_ef else spec["queries"]
    queries, truth = data.queries[:n_queries], data.truth[:n_queries]
    repeats = spec.get("repeats", 3) if cls.has_ef else 1
    with tempfile.TemporaryDirectory(prefix="vbench-") as tmp:
        for module in cls.modules:
            importlib.import_module(module)
        before = rss_bytes()
        engine = cls(Path(tmp), data)
        try:
            insert_s, _ = timed(
                lambda: [
                    engine.insert(lo, min(data.n, lo + eng.BATCH))
                    for lo in range(0, data.n, eng.BATCH)
                ]
            )
            build_s, _ = timed(engine.build)
            out["memory_bytes_per_point"] = (rss_bytes() - before) / data.n
            out["insert_s"], out["build_s"] = insert_s, build_s
            out["insert_pps"] = data.n / (insert_s + (build_s if cls.insert_is_build else 0))
            if cls.insert_is_build:
                out["build_s"] = insert_s

            def at(ef: int) -> dict[str, Any]:
                engine.search(queries[0], ef)  # warm up
                wall, lat, got = best_of(repeats, lambda q: engine.search(q, ef), queries)
                return {
                    "ef": ef,
                    "qps": len(queries) / wall,
                    "p50_ms": percentile_ms(lat, 50),
                    "recall": recall(got, truth),
                }

            out["default"] = at(eng.DEFAULT_EF)
            if spec.get("sweep") and cls.has_ef:
                out["sweep"] = [at(ef) for ef in EFS]
            if spec.get("batch"):
                chunks = [
                    queries[i : i + BATCH_QUERIES] for i in range(0, len(queries), BATCH_QUERIES)
                ]
                wall, _, got = best_of(
                    repeats, lambda qs: engine.search_batch(qs, eng.DEFAULT_EF), chunks
                )
                flat = [ids for chunk in got for ids in chunk]
                out["batch"] = {"qps": len(queries) / wall, "recall": recall(flat, truth)}
            if spec.get("filtered"):
                out["filtered"] = []
                for label, flt in FILTERS.items():
                    mask = filter_mask(data, flt)
                    exact = exact_top(data.vectors, queries, np.flatnonzero(mask))
                    engine.search(queries[0], eng.DEFAULT_EF, flt)
                    search = functools.partial(engine.search, ef=eng.DEFAULT_EF, flt=flt)
                    wall, _, hits = best_of(repeats, search, queries)
                    out["filtered"].append(
                        {
                            "filter": label,
                            "selectivity": float(mask.mean()),
                            "qps": len(queries) / wall,
                            "recall": recall(hits, exact),
                        }
                    )
            if spec.get("restart") and cls.persistent:
                out["close_s"], _ = timed(engine.shut)
                out["restart_s"], _ = timed(
                    lambda: (engine.reopen(), engine.search(queries[0], eng.DEFAULT_EF))
                )
        finally:
            engine.close()
    return out


def run(size: dict[str, Any]) -> tuple[list[Table], dict[str, dict[str, Any]]]:
    """Measure every engine at `size`; the tables and the raw results by engine."""
    spec = {**size["engine"], "sweep": True, "batch": True, "filtered": True, "restart": True}
    results: dict[str, dict[str, Any]] = {}
    for name in eng.ENGINES:
        missing = eng.available(name)
        if missing is not None:
            results[name] = {"engine": name, "error": missing}
            continue
        print(f"  engine: {name} ...", flush=True)
        results[name] = measure_apart(name, spec)
    return tables(results, spec), results


def measure_apart(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """`measure` in a fresh process; a crashed child is an error row, not a failed run."""
    try:
        return isolated(measure, name, spec)
    except Exception as exc:
        return {"engine": name, "error": f"the measuring process failed: {exc!r}"}


def _err(r: dict[str, Any]) -> str | None:
    return r.get("error")


def tables(results: dict[str, dict[str, Any]], spec: dict[str, Any]) -> list[Table]:
    base = results[eng.BASELINE]
    ok = {k: r for k, r in results.items() if not _err(r)}
    first = next(iter(ok.values()), {})
    where = f"{first.get('data', '?')}, cosine, m={eng.M}, ef_construct={eng.EF_CONSTRUCT}"
    ratio_note = f"ratio: against {eng.BASELINE} measured in the same run (= 1.00)"

    load_t = Table(
        "Engines in process: load, memory, restart",
        [
            "engine",
            "insert pts/s",
            "ratio",
            "build s",
            "ratio ",
            "memory B/pt",
            "ratio  ",
            "restart s",
            "ratio   ",
            "note",
        ],
        notes=[
            where + f"; inserts of {eng.BATCH} points per call.",
            ratio_note + "; for build, memory and restart lower is better.",
            "memory: RSS delta of a fresh process from before the engine is created to after "
            "the build (gc run); hnswlib's and edge's native memory included, edge's "
            "memory-mapped files counted where resident.",
            "restart: reopen from disk and answer one query, after a persist and close "
            "(not counted; in the JSON as close_s). Best of 3 passes for every QPS.",
        ],
    )
    for name, r in results.items():
        if _err(r):
            load_t.add(engine=name, note=f"not measured: {r['error']}")
            continue
        cls = eng.ENGINES[name]
        load_t.add(
            **{
                "engine": name,
                "insert pts/s": r["insert_pps"],
                "ratio": ratio(r["insert_pps"], base.get("insert_pps")),
                "build s": r["build_s"] if cls.has_ef else None,
                "ratio ": ratio(r["build_s"], base.get("build_s")) if cls.has_ef else None,
                "memory B/pt": r["memory_bytes_per_point"],
                "ratio  ": ratio(r["memory_bytes_per_point"], base.get("memory_bytes_per_point")),
                "restart s": r.get("restart_s"),
                "ratio   ": ratio(r.get("restart_s"), base.get("restart_s")),
                "note": cls.build_note,
            }
        )

    search_t = Table(
        f"Engines in process: search at ef={eng.DEFAULT_EF} (the default), limit 10",
        [
            "engine",
            "QPS 1/call",
            "ratio",
            "p50 ms",
            "recall@10",
            "QPS batched",
            "ratio ",
            "batch recall@10",
        ],
        notes=[
            ratio_note + f"; one search thread in every engine; batches of {BATCH_QUERIES}.",
            f"local mode runs {spec['slow_queries']} queries (exact search), the others "
            f"{spec['queries']}.",
        ],
    )
    bd, bb = base.get("default", {}), base.get("batch", {})
    for name, r in ok.items():
        d, b = r["default"], r.get("batch", {})
        search_t.add(
            **{
                "engine": name,
                "QPS 1/call": d["qps"],
                "ratio": ratio(d["qps"], bd.get("qps")),
                "p50 ms": d["p50_ms"],
                "recall@10": d["recall"],
                "QPS batched": b.get("qps"),
                "ratio ": ratio(b.get("qps"), bb.get("qps")),
                "batch recall@10": b.get("recall"),
            }
        )

    sweep_t = Table(
        "Engines in process: recall@10 and QPS (one query per call) across ef",
        ["engine", "ef", "recall@10", "QPS", "ratio"],
        notes=[ratio_note + " at the same ef."],
    )
    base_sweep = {s["ef"]: s for s in base.get("sweep", [])}
    for name, r in ok.items():
        for s in r.get("sweep", []):
            b = base_sweep.get(s["ef"], {})
            sweep_t.add(
                engine=name,
                ef=s["ef"],
                **{"recall@10": s["recall"]},
                QPS=s["qps"],
                ratio=ratio(s["qps"], b.get("qps")),
            )

    matched_t = Table(
        "Engines in process: QPS at matched recall",
        ["engine", "recall@10 target", "ef needed", "recall@10", "QPS", "ratio"],
        notes=[
            "ef needed: the smallest ef of the sweep reaching the target; "
            f"ratio: QPS against {eng.BASELINE} at its own ef for that target. "
            "Local mode is exact (recall 1.0 at any setting)."
        ],
    )
    for target in RECALL_TARGETS:
        b = matched(base, target)
        for name, r in ok.items():
            m = matched(r, target)
            matched_t.add(
                **{
                    "engine": name,
                    "recall@10 target": target,
                    "ef needed": m["ef"] if m else f"> {EFS[-1]}",
                    "recall@10": m["recall"] if m else None,
                    "QPS": m["qps"] if m else None,
                    "ratio": ratio(m["qps"], b["qps"]) if m and b else None,
                }
            )

    filt_t = Table(
        f"Engines in process: filtered search at ef={eng.DEFAULT_EF}, limit 10",
        ["engine", "filter", "selectivity", "QPS", "ratio", "recall@10"],
        notes=[
            ratio_note + " on the same filter. Payload index on `bucket` in Vectorizer and "
            "edge; hnswlib checks a precomputed numpy mask during traversal; local mode "
            "has no payload index. Recall against exact filtered search (numpy)."
        ],
    )
    base_f = {f["filter"]: f for f in base.get("filtered", [])}
    for name, r in ok.items():
        for f in r.get("filtered", []):
            filt_t.add(
                engine=name,
                filter=f["filter"],
                selectivity=f["selectivity"],
                QPS=f["qps"],
                ratio=ratio(f["qps"], base_f.get(f["filter"], {}).get("qps")),
                **{"recall@10": f["recall"]},
            )
    return [load_t, search_t, sweep_t, matched_t, filt_t]


def matched(result: dict[str, Any], target: float) -> dict[str, Any] | None:
    """The sweep point with the smallest ef reaching `target` recall (exact engines: their
    default point)."""
    if _err(result):
        return None
    sweep = result.get("sweep")
    if not sweep:
        d = result.get("default")
        return {**d, "ef": "exact"} if d and d["recall"] >= target else None
    return next((s for s in sweep if s["recall"] >= target), None)
