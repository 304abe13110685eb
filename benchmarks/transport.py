"""Transport: upsert and search throughput over Qdrant REST and gRPC, with the official
`qdrant-client` against a `vectorizer serve` subprocess.

    python benchmarks/transport.py [--size small|full] [--json FILE] [--rounds N]
                                   [--storage NAME]

Data: the words-e5 embeddings (``../shared/datasets/words-e5``, or
``VECTORIZER_DATASET_DIR``), 384 dimensions, cosine, each point with its word as payload.

Transports: gRPC (``prefer_grpc=True``); REST as the client does it for a 127.0.0.1 URL
(keep-alive off: a TCP connection per request); REST keep-alive, the client with httpx's
default connection pool, as it does for any other host.

Upsert, driven as Qdrant's own benchmark (vector-db-benchmark) drives it: one client
process sends `models.Batch` batches of 64 or 1024 points with ``wait=False``, then polls
the collection until it is green (the HNSW index has caught up). points/s counts the whole
load, up to green; acked points/s only up to the last upsert's answer. The latency
columns are per upsert request.

Search: `query_points` (limit 10, no payload) from 1 and 8 client processes, each sending
its share of the queries one at a time; queries/s is all requests over the wall time from
a common start to the last answer. The whole set runs ``--rounds`` times per row, the
passes alternating between transports so that load from elsewhere spreads over them all.

precision@10 is against the dataset's exact top 10 (``gt_ids.npy`` for the whole
dataset; computed exactly with numpy for a slice). For upsert rows it is measured after
the load, over the same transport, untimed. ratio is throughput against the baseline of
the operation measured in the same run: REST with batches of 64 for upserts, REST with
one process for searches. Prints one table and never fails on a number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import multiprocessing as mp
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from qdrant_client import QdrantClient, models

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
SIZES = {"small": (10_000, 200, 5), "full": (100_000, 1000, 2)}  # points, queries, rounds
BATCHES = (64, 1024)
PROCESSES = (1, 8)
TRANSPORTS = ("REST", "REST keep-alive", "gRPC")
"""REST is qdrant-client's default for a 127.0.0.1 URL: it turns HTTP keep-alive off for
local hosts, so every request opens a TCP connection. REST keep-alive is the same client
with httpx's default pool, which is what it uses for any other host."""
INDEXING_THRESHOLD_KB = 1000
"""Low enough that the small size builds its HNSW index too (Qdrant's default is 20000)."""
LISTENING = re.compile(r"(\S+) listening on (?:http://)?(\S+):(\d+)$")
TIMEOUT = 300


@dataclass
class Row:
    """One line of the table (and of the JSON)."""

    operation: str
    transport: str
    batch: int | None
    processes: int
    throughput: float
    unit: str
    p50_ms: float
    p95_ms: float
    precision_at_10: float
    seconds: float
    indexing_seconds: float | None = None
    acked_throughput: float | None = None
    """Upserts: points over the time until the last upsert was answered."""
    ratio: float = 1.0


# ----------------------------------------------------------------------------- the server


class ServerProcess:
    """`vectorizer serve` with Qdrant REST and gRPC on free ports over a temporary dir."""

    def __init__(self, data_dir: Path, storage: str | None) -> None:
        args = [sys.executable, "-m", "vectorizer", "serve", "--data-dir", str(data_dir)]
        args += ["--port", "qdrant_rest=0", "--port", "qdrant_grpc=0"]
        args += ["--disable", "vectorizer_api", "--log-level", "info"]
        args += ["--storage", storage] if storage else []
        env = {k: v for k, v in os.environ.items() if not k.startswith("VECTORIZER_")}
        self.proc = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.log: list[str] = []
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:  # keep draining: a full pipe would stall the server
            line = raw.rstrip("\n")
            self.log.append(line)
            if match := LISTENING.search(line):
                self.ports[match.group(1)] = int(match.group(3))
            if "vectorizer.host.server: ready (pid" in line:
                self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = 60) -> None:
        self._ready.wait(timeout)
        if self.proc.poll() is not None or not {"qdrant_rest", "qdrant_grpc"} <= set(self.ports):
            raise RuntimeError("the server did not start; log:\n" + "\n".join(self.log))

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['qdrant_rest']}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def serving(storage: str | None) -> Iterator[ServerProcess]:
    with tempfile.TemporaryDirectory(prefix="vectorizer-bench-") as tmp:
        server = ServerProcess(Path(tmp) / "data", storage)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def connect(rest_url: str, grpc_port: int, transport: str) -> QdrantClient:
    """The official client over `transport` (one of `TRANSPORTS`; the REST port answers
    its version check)."""
    extra: dict[str, Any] = {"limits": httpx.Limits()} if transport == "REST keep-alive" else {}
    return QdrantClient(
        url=rest_url,
        grpc_port=grpc_port,
        prefer_grpc=transport == "gRPC",
        timeout=TIMEOUT,
        **extra,
    )


# ----------------------------------------------------------------------------- data


def load(n: int, n_queries: int) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Base vectors, words, queries and the exact top 10 per query."""
    stored = np.load(DATASET / "base.npy", mmap_mode="r")
    base = stored[:n].astype(np.float32)
    words = (DATASET / "base_words.txt").read_text().splitlines()[:n]
    queries = np.load(DATASET / "queries.npy")[:n_queries].astype(np.float32)
    if n == len(stored):
        truth = np.load(DATASET / "gt_ids.npy")[:n_queries, :10]
    else:  # a slice: exact search with numpy
        scores = queries @ base.T
        truth = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    return base, words, queries, truth


def precision_at_10(got: list[list[int]], truth: np.ndarray) -> float:
    """Mean share of each query's exact top 10 found in its 10 hits."""
    hits = sum(len(set(g) & set(t.tolist())) for g, t in zip(got, truth, strict=True))
    return hits / (10 * len(truth))


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds of latencies in seconds."""
    p50, p95 = np.percentile(np.asarray(latencies) * 1000, [50, 95])
    return float(p50), float(p95)


# ----------------------------------------------------------------------------- upsert


def create(client: QdrantClient, name: str) -> None:
    """A fresh 384-dimension cosine collection `name`."""
    if client.collection_exists(name):
        client.delete_collection(name)
    client.create_collection(
        name,
        vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=INDEXING_THRESHOLD_KB),
    )


def wait_green(client: QdrantClient, name: str) -> None:
    """Poll until the collection is green (everything indexed)."""
    deadline = time.monotonic() + 3600
    while client.get_collection(name).status != models.CollectionStatus.GREEN:
        if time.monotonic() > deadline:
            raise RuntimeError(f"collection {name} is not green after an hour")
        time.sleep(0.05)


def search_all(client: QdrantClient, name: str, queries: list[list[float]]) -> list[list[int]]:
    """The ids of the top 10 of each query, one query at a time."""
    return [
        [int(p.id) for p in client.query_points(name, query=q, limit=10).points] for q in queries
    ]


def upsert_row(
    client: QdrantClient,
    transport: str,
    batch: int,
    name: str,
    data: tuple[np.ndarray, list[str], list[list[float]], np.ndarray],
) -> Row:
    """Load every point into a fresh collection `name` in batches of `batch`, unwaited,
    then wait for green; precision@10 of the queries afterwards (untimed)."""
    base, words, queries, truth = data
    batches = [
        models.Batch(
            ids=list(range(lo, min(len(base), lo + batch))),
            vectors=base[lo : lo + batch].tolist(),
            payloads=[{"word": w} for w in words[lo : lo + batch]],
        )
        for lo in range(0, len(base), batch)
    ]
    create(client, name)
    latencies = []
    start = time.perf_counter()
    for points in batches:
        sent = time.perf_counter()
        client.upsert(name, points=points, wait=False)
        latencies.append(time.perf_counter() - sent)
    uploaded = time.perf_counter()
    wait_green(client, name)
    seconds = time.perf_counter() - start
    p50, p95 = percentiles(latencies)
    got = search_all(client, name, queries)
    return Row(
        "upsert",
        transport,
        batch,
        1,
        len(base) / seconds,
        "points/s",
        p50,
        p95,
        precision_at_10(got, truth),
        seconds,
        indexing_seconds=seconds - (uploaded - start),
        acked_throughput=len(base) / (uploaded - start),
    )


# ----------------------------------------------------------------------------- search workers


def worker(conn: Connection, rest_url: str, grpc_port: int, n_queries: int, name: str) -> None:
    """A client process: holds a client per transport, runs the searches it is sent.

    Protocol: ("search", transport, indices) -> warms up, answers "ready"; then "go" ->
    runs those queries and answers (latencies, ids); "stop" ends it.
    """
    queries = np.load(DATASET / "queries.npy")[:n_queries].astype(np.float32)
    clients = {t: connect(rest_url, grpc_port, t) for t in TRANSPORTS}
    conn.send("started")
    while True:
        message = conn.recv()
        if message[0] == "stop":
            break
        _, transport, indices = message
        client = clients[transport]
        mine = [queries[i].tolist() for i in indices]
        search_all(client, name, mine[:2])  # warm up
        conn.send("ready")
        conn.recv()  # "go"
        latencies, ids = [], []
        for q in mine:
            sent = time.perf_counter()
            hits = client.query_points(name, query=q, limit=10).points
            latencies.append(time.perf_counter() - sent)
            ids.append([int(p.id) for p in hits])
        conn.send((latencies, ids))
    for client in clients.values():
        client.close()


class Workers:
    """Client processes started once (spawned: no gRPC state crosses a fork)."""

    def __init__(self, count: int, rest_url: str, grpc_port: int, n_queries: int, name: str):
        ctx = mp.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs = []
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker, args=(child, rest_url, grpc_port, n_queries, name), daemon=True
            )
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)
        for conn in self.conns:
            if not conn.poll(120):
                raise RuntimeError("a client process did not start")
            conn.recv()

    def search(
        self, transport: str, processes: int, truth: np.ndarray
    ) -> tuple[float, list[float], list[list[int]]]:
        """(seconds, latencies, ids) of every query once, split over `processes`."""
        n = len(truth)
        shares = [list(range(k, n, processes)) for k in range(processes)]
        conns = self.conns[:processes]
        for conn, share in zip(conns, shares, strict=True):
            conn.send(("search", transport, share))
        for conn in conns:
            conn.recv()  # ready
        start = time.perf_counter()
        for conn in conns:
            conn.send(("go",))
        answers = [conn.recv() for conn in conns]
        seconds = time.perf_counter() - start
        got: list[list[int]] = [[] for _ in range(n)]
        latencies: list[float] = []
        for share, (lat, ids) in zip(shares, answers, strict=True):
            latencies += lat
            for i, hit in zip(share, ids, strict=True):
                got[i] = hit
        return seconds, latencies, got

    def stop(self) -> None:
        for conn in self.conns:
            with suppress(BrokenPipeError, OSError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


# ----------------------------------------------------------------------------- report


def with_ratios(rows: list[Row]) -> list[Row]:
    baselines = {
        "upsert": next(r for r in rows if r.operation == "upsert" and r.transport == "REST"),
        "search": next(r for r in rows if r.operation == "search" and r.transport == "REST"),
    }
    for r in rows:
        r.ratio = r.throughput / baselines[r.operation].throughput
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| operation | transport | batch | client processes | throughput | ratio "
        "| acked points/s | p50 ms | p95 ms | precision@10 | wall s (indexing s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        batch = str(r.batch) if r.batch else "-"
        acked = f"{r.acked_throughput:,.0f}" if r.acked_throughput else "-"
        wall = f"{r.seconds:.1f}"
        if r.indexing_seconds is not None:
            wall += f" ({r.indexing_seconds:.1f})"
        lines.append(
            f"| {r.operation} | {r.transport} | {batch} | {r.processes} "
            f"| {r.throughput:,.0f} {r.unit} | {r.ratio:.2f} | {acked} | {r.p50_ms:.2f} "
            f"| {r.p95_ms:.2f} | {r.precision_at_10:.3f} | {wall} |"
        )
    return "\n".join(lines)


def search_rows(workers: Workers, processes: int, truth: np.ndarray, rounds: int) -> list[Row]:
    """One row per transport; the passes over the queries alternate between transports,
    so a burst of load from elsewhere on the machine does not land on one row only."""
    seconds = dict.fromkeys(TRANSPORTS, 0.0)
    latencies: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
    got: dict[str, list[list[int]]] = {}
    for _ in range(rounds):
        for transport in TRANSPORTS:
            wall, lat, ids = workers.search(transport, processes, truth)
            seconds[transport] += wall
            latencies[transport] += lat
            got.setdefault(transport, ids)
    rows = []
    for transport in TRANSPORTS:
        p50, p95 = percentiles(latencies[transport])
        qps = len(latencies[transport]) / seconds[transport]
        precision = precision_at_10(got[transport], truth)
        rows.append(
            Row("search", transport, None, processes, qps, "queries/s", p50, p95, precision,
                seconds[transport])
        )  # fmt: skip
        print(f"  search {transport} x{processes}: {qps:,.0f} queries/s", file=sys.stderr)
    return rows


def warm_up(
    rest_url: str, grpc_port: int, data: tuple[np.ndarray, list[str], list[list[float]], np.ndarray]
) -> None:
    """A few untimed writes and searches over each transport, so that the first row does
    not pay for the server's cold start."""
    base, words, queries, _ = data
    for transport in TRANSPORTS:
        client = connect(rest_url, grpc_port, transport)
        try:
            create(client, "warm_up")
            for lo in range(0, 256, 64):
                points = models.Batch(
                    ids=list(range(lo, lo + 64)),
                    vectors=base[lo : lo + 64].tolist(),
                    payloads=[{"word": w} for w in words[lo : lo + 64]],
                )
                client.upsert("warm_up", points=points)
            search_all(client, "warm_up", queries[:20])
            client.delete_collection("warm_up")
        finally:
            client.close()


def run(
    data: tuple[np.ndarray, list[str], list[list[float]], np.ndarray],
    rounds: int,
    storage: str | None,
) -> list[Row]:
    """Every row: the upserts, one fresh collection each, then the searches on the last."""
    truth = data[3]
    rows: list[Row] = []
    with serving(storage) as server:
        grpc_port = server.ports["qdrant_grpc"]
        name = "bench"
        warm_up(server.rest_url, grpc_port, data)
        for batch in BATCHES:
            for transport in TRANSPORTS:
                client = connect(server.rest_url, grpc_port, transport)
                try:
                    rows.append(upsert_row(client, transport, batch, name, data))
                finally:
                    client.close()
                print(f"  upsert {transport} batch {batch}: {rows[-1].throughput:,.0f} points/s",
                      file=sys.stderr)  # fmt: skip
        # the searches run on the last load (gRPC, batches of 1024), green and indexed
        workers = Workers(max(PROCESSES), server.rest_url, grpc_port, len(truth), name)
        try:
            for processes in PROCESSES:
                rows += search_rows(workers, processes, truth, rounds)
        finally:
            workers.stop()
    return with_ratios(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--json", type=Path, help="write the rows (and the setup) as JSON here")
    parser.add_argument("--storage", help="the server's storage backend (default: its default)")
    parser.add_argument(
        "--rounds", type=int, help="times each search row runs the queries (default: by size)"
    )
    args = parser.parse_args()
    n, n_queries, rounds = SIZES[args.size]
    rounds = args.rounds or rounds
    started = time.perf_counter()
    base, words, queries, truth = load(n, n_queries)
    rows = run((base, words, queries.tolist(), truth), rounds, args.storage)
    client_version = importlib.metadata.version("qdrant-client")
    print(
        f"\nTransport: REST vs gRPC, {n:,} points x 384 (words-e5, cosine), "
        f"{n_queries} queries x {rounds} rounds per search row"
    )
    print(
        f"qdrant-client {client_version}, {os.cpu_count()} cores; "
        "ratio = throughput / (REST, batch 64) for upserts, / (REST, 1 process) for searches\n"
    )
    print(table(rows))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        meta = {
            "size": args.size,
            "points": n,
            "queries": n_queries,
            "search_rounds": rounds,
            "qdrant_client": client_version,
            "vectorizer": importlib.metadata.version("vectorizer"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "storage": args.storage or "default",
            "indexing_threshold_kb": INDEXING_THRESHOLD_KB,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        rows_json = [asdict(r) for r in rows]
        args.json.write_text(json.dumps({"meta": meta, "rows": rows_json}, indent=2) + "\n")


if __name__ == "__main__":
    main()
