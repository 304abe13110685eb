"""Query API: hybrid search (dense + sparse prefetches fused by RRF or DBSF), multivector
re-ranking, recommend, discover and formula queries; queries/s per query kind against
qdrant-client's local mode, measured in the same run.

    python benchmarks/query_api.py [--size small|full] [--server grpc|rest|none]
                                   [--rounds N] [--blas-threads N] [--json FILE]

Data: the words-e5 embeddings (``../shared/datasets/words-e5``, or
``VECTORIZER_DATASET_DIR``): the first N words. Each point has three named vectors:

* ``dense``: the word's 384-d e5 vector (cosine);
* ``trigrams``: the character trigrams of ``#word#``, each hashed (crc32) to an index,
  their counts as values; sparse, ``modifier: idf`` (query: the query word's trigrams).
  Each count is scaled by 1 + a hashed jitter under 0.1%: plain counts make many words
  tie, and engines break ties differently, so top-10 overlap would measure tie-breaking;
* ``multi``: a max_sim multivector of 2 or 3 rows (alternating by id): the e5 vector and
  1 or 2 copies of it plus seeded Gaussian noise (cosine about 0.93 to the original).
  Synthetic: there is no per-token embedding in the dataset; it exercises the scoring
  path, not retrieval quality. The query's is its e5 vector and one noisy copy.

Payload: ``{"word", "length", "rank"}``, an integer index on ``length`` (which the formula's
condition reads; local mode has no payload indexes). Queries are the held-out words.

Kinds (limit 10, no payload): ``dense`` and ``sparse`` nearest; ``hybrid rrf`` and
``hybrid dbsf``: a dense and a sparse prefetch of 50 each, fused; ``multivector rerank``:
a dense prefetch of 100 re-scored by ``multi`` (max_sim); ``recommend best_score``: the
query's 2 nearest points as positive ids, a random point as negative; ``discover``: the
query vector as target, one (nearest point, random point) context pair; ``formula``: a
dense prefetch of 50 re-scored by ``$score + 0.1·[length ≤ 5] + 0.1·exp_decay(rank)``.

Engines: Vectorizer's core in process (an ``Engine`` on SQLite, the server's default; a
`QueryRequest` per query through ``vectorizer.query.query``, as the REST plugin calls it);
optionally a ``vectorizer serve`` subprocess driven by the official client (points sent
over gRPC; queries over ``--server``); and ``QdrantClient(":memory:")``, the client's local
mode (exact search in Python and numpy). Local mode is slow, so it gets fewer points and
queries: the first table puts every engine on the same points, with ratio = queries/s
against local mode and agreement = mean top-10 overlap with local mode's answer over
local mode's queries; the second is the core alone at the full size. Each query is sent
one at a time, after two untimed warm-up queries per kind; p50 is per query. The core's
dense vector gets an HNSW index above Qdrant's default indexing threshold (20,000 KB,
about 13,000 points here), waited for before measuring; local mode is always exact, so
dense agreement can be below 1 from HNSW alone. Agreement also gives the share of ranks
whose scores equal local mode's (rtol 1e-4), which ties cannot move.

BLAS runs one thread per process by default (``--blas-threads``): the queries go one at a
time, and on a shared machine OpenBLAS's spinning threads made a 5,000 x 384 matrix-vector
product 30 times slower. Prints the tables; never fails on a number.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models
from threadpoolctl import threadpool_limits

from vectorizer import Engine
from vectorizer import models as vm
from vectorizer import query as vq
from vectorizer.filters import ast
from vectorizer.query import formula as fx

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
NAME = "words"
LIMIT = 10
PREFETCH = 50
RERANK_PREFETCH = 100
NOISE = 0.02  # per-dimension sigma of the multivector rows' noise (norm about 0.39)
BATCH = 1000


@dataclass(frozen=True)
class Size:
    points: int  # the core's large collection
    same_points: int  # the collection every engine holds (local mode's)
    queries: int  # the core's queries on `points`
    same_queries: int  # the core's and the server's queries on `same_points`
    local_queries: int  # local mode's queries (the first ones; agreement is over these)


SIZES = {
    "small": Size(5_000, 5_000, 200, 200, 20),
    "full": Size(100_000, 20_000, 1_000, 200, 20),
}


# ----------------------------------------------------------------------------- data


def trigrams(word: str) -> tuple[np.ndarray, np.ndarray]:
    """The hashed character trigrams of ``#word#`` (sorted indices) and their counts, each
    times 1 + a jitter below 0.1% hashed from (word, trigram), so that scores seldom tie."""
    padded = f"#{word}#"
    grams: dict[int, float] = {}
    for i in range(len(padded) - 2):
        key = zlib.crc32(padded[i : i + 3].encode()) & 0x7FFFFFFF
        grams[key] = grams.get(key, 0.0) + 1.0
    keys = sorted(grams)
    jitter = [zlib.crc32(f"{word}/{k}".encode()) / 2**32 * 1e-3 for k in keys]
    values = [grams[k] * (1.0 + j) for k, j in zip(keys, jitter, strict=True)]
    return np.array(keys, dtype=np.int64), np.array(values, dtype=np.float32)


def noisy(vectors: np.ndarray, copies: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 1 + copies, d): each vector, then `copies` noisy copies of it."""
    noise = rng.standard_normal((len(vectors), copies, vectors.shape[1]), dtype=np.float32)
    return np.concatenate([vectors[:, None, :], vectors[:, None, :] + NOISE * noise], axis=1)


@dataclass
class Data:
    """The points (rows of the base) and the queries, with every input the kinds use."""

    dense: np.ndarray
    words: list[str]
    sparse: list[tuple[np.ndarray, np.ndarray]]
    multi: list[np.ndarray]
    q_dense: np.ndarray
    q_sparse: list[tuple[np.ndarray, np.ndarray]]
    q_multi: np.ndarray
    positive: np.ndarray  # (queries, 2): ids of each query's 2 nearest of the shared points
    negative: np.ndarray  # (queries,): a random id of the shared points
    truth: np.ndarray  # (queries, 10): exact dense top 10 over all `dense`


def load(size: Size) -> Data:
    n, n_queries = size.points, max(size.queries, size.same_queries)
    stored = np.load(DATASET / "base.npy", mmap_mode="r")
    dense = stored[:n].astype(np.float32)
    words = (DATASET / "base_words.txt").read_text().splitlines()[:n]
    q_dense = np.load(DATASET / "queries.npy")[:n_queries].astype(np.float32)
    q_words = (DATASET / "query_words.txt").read_text().splitlines()[:n_queries]
    rng = np.random.default_rng(0)
    stacked = noisy(dense, 2, rng)
    multi = [stacked[i, : 2 + i % 2] for i in range(n)]
    q_multi = noisy(q_dense, 1, rng)
    same = q_dense @ dense[: size.same_points].T
    positive = np.argsort(-same, axis=1, kind="stable")[:, :2]
    negative = rng.integers(0, size.same_points, n_queries)
    if n == len(stored):
        truth = np.load(DATASET / "gt_ids.npy")[:n_queries, :LIMIT]
    else:
        truth = np.argsort(-(q_dense @ dense.T), axis=1, kind="stable")[:, :LIMIT]
    return Data(
        dense, words, [trigrams(w) for w in words], multi,
        q_dense, [trigrams(w) for w in q_words], q_multi, positive, negative, truth,
    )  # fmt: skip


# ----------------------------------------------------------------------------- query kinds


def _core_sparse(sparse: tuple[np.ndarray, np.ndarray]) -> vm.SparseVector:
    return vm.SparseVector(sparse[0], sparse[1])


def _client_sparse(sparse: tuple[np.ndarray, np.ndarray]) -> models.SparseVector:
    return models.SparseVector(indices=sparse[0].tolist(), values=sparse[1].tolist())


def _core_hybrid(d: Data, i: int, method: vq.FusionMethod) -> vq.QueryRequest:
    return vq.QueryRequest(
        query=vq.Fusion(method),
        prefetch=[
            vq.Prefetch(vq.Nearest(d.q_dense[i]), using="dense", limit=PREFETCH),
            vq.Prefetch(vq.Nearest(_core_sparse(d.q_sparse[i])), using="trigrams", limit=PREFETCH),
        ],
    )


def _client_hybrid(d: Data, i: int, method: models.Fusion) -> dict[str, Any]:
    return {
        "query": models.FusionQuery(fusion=method),
        "prefetch": [
            models.Prefetch(query=d.q_dense[i].tolist(), using="dense", limit=PREFETCH),
            models.Prefetch(query=_client_sparse(d.q_sparse[i]), using="trigrams", limit=PREFETCH),
        ],
    }


def _core_formula(d: Data, i: int) -> vq.QueryRequest:
    expression = fx.Sum(
        (
            fx.Variable("$score"),
            fx.Mult((fx.Constant(0.1), fx.ConditionExpr(ast.Range("length", lte=5)))),
            fx.Mult(
                (
                    fx.Constant(0.1),
                    fx.Decay("exp", fx.Variable("rank"), scale=len(d.dense) / 10),
                )
            ),
        )
    )
    return vq.QueryRequest(
        query=vq.Formula(expression),
        prefetch=[vq.Prefetch(vq.Nearest(d.q_dense[i]), using="dense", limit=PREFETCH)],
    )


def _client_formula(d: Data, i: int) -> dict[str, Any]:
    decay = models.ExpDecayExpression(
        exp_decay=models.DecayParamsExpression(x="rank", scale=len(d.dense) / 10)
    )
    short = models.FieldCondition(key="length", range=models.Range(lte=5))
    return {
        "query": models.FormulaQuery(
            formula=models.SumExpression(
                sum=[
                    "$score",
                    models.MultExpression(mult=[0.1, short]),
                    models.MultExpression(mult=[0.1, decay]),
                ]
            )
        ),
        "prefetch": models.Prefetch(query=d.q_dense[i].tolist(), using="dense", limit=PREFETCH),
    }


CoreQuery = Callable[[Data, int], vq.QueryRequest]
ClientQuery = Callable[[Data, int], dict[str, Any]]
KINDS: list[tuple[str, CoreQuery, ClientQuery]] = [
    (
        "dense",
        lambda d, i: vq.QueryRequest(query=vq.Nearest(d.q_dense[i]), using="dense"),
        lambda d, i: {"query": d.q_dense[i].tolist(), "using": "dense"},
    ),
    (
        "sparse",
        lambda d, i: vq.QueryRequest(
            query=vq.Nearest(_core_sparse(d.q_sparse[i])), using="trigrams"
        ),
        lambda d, i: {"query": _client_sparse(d.q_sparse[i]), "using": "trigrams"},
    ),
    (
        "hybrid rrf",
        lambda d, i: _core_hybrid(d, i, vq.FusionMethod.RRF),
        lambda d, i: _client_hybrid(d, i, models.Fusion.RRF),
    ),
    (
        "hybrid dbsf",
        lambda d, i: _core_hybrid(d, i, vq.FusionMethod.DBSF),
        lambda d, i: _client_hybrid(d, i, models.Fusion.DBSF),
    ),
    (
        "multivector rerank",
        lambda d, i: vq.QueryRequest(
            query=vq.Nearest(d.q_multi[i]),
            using="multi",
            prefetch=[vq.Prefetch(vq.Nearest(d.q_dense[i]), using="dense", limit=RERANK_PREFETCH)],
        ),
        lambda d, i: {
            "query": d.q_multi[i].tolist(),
            "using": "multi",
            "prefetch": models.Prefetch(
                query=d.q_dense[i].tolist(), using="dense", limit=RERANK_PREFETCH
            ),
        },
    ),
    (
        "recommend best_score",
        lambda d, i: vq.QueryRequest(
            query=vq.Recommend(
                tuple(d.positive[i].tolist()),
                (int(d.negative[i]),),
                vq.RecommendStrategy.BEST_SCORE,
            ),
            using="dense",
        ),
        lambda d, i: {
            "query": models.RecommendQuery(
                recommend=models.RecommendInput(
                    positive=d.positive[i].tolist(),
                    negative=[int(d.negative[i])],
                    strategy=models.RecommendStrategy.BEST_SCORE,
                )
            ),
            "using": "dense",
        },
    ),
    (
        "discover",
        lambda d, i: vq.QueryRequest(
            query=vq.Discover(
                d.q_dense[i], (vq.ContextPair(int(d.positive[i, 0]), int(d.negative[i])),)
            ),
            using="dense",
        ),
        lambda d, i: {
            "query": models.DiscoverQuery(
                discover=models.DiscoverInput(
                    target=d.q_dense[i].tolist(),
                    context=[
                        models.ContextPair(
                            positive=int(d.positive[i, 0]), negative=int(d.negative[i])
                        )
                    ],
                )
            ),
            "using": "dense",
        },
    ),
    ("formula", _core_formula, _client_formula),
]


# ----------------------------------------------------------------------------- engines


class Side:
    """One engine holding the first `n` points: `run(kind, i)` answers query i (ids and
    scores, best first)."""

    label: str

    def run(self, kind: int, i: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def close(self) -> None:
        return None


class Core(Side):
    """Vectorizer's core in process: an Engine on SQLite in a temporary folder."""

    def __init__(self, folder: Path, data: Data, n: int) -> None:
        self.label = f"core @{n:,}"
        self.data = data
        self.engine = Engine.open(folder)
        config = vm.CollectionConfig(
            params=vm.CollectionParams(
                vectors={
                    "dense": vm.VectorParams(384, vm.Distance.COSINE),
                    "multi": vm.VectorParams(
                        384,
                        vm.Distance.COSINE,
                        multivector_config=vm.MultiVectorConfig(vm.MultiVectorComparator.MAX_SIM),
                    ),
                },
                sparse_vectors={"trigrams": vm.SparseVectorParams(modifier=vm.Modifier.IDF)},
            )
        )
        self.engine.create_collection(NAME, config)
        self.collection = self.engine.get_collection(NAME)
        self.collection.create_field_index("length", "integer")
        started = time.perf_counter()
        for lo in range(0, n, BATCH):
            self.collection.upsert(
                [
                    vm.PointStruct(
                        i,
                        {
                            "dense": data.dense[i],
                            "trigrams": _core_sparse(data.sparse[i]),
                            "multi": data.multi[i],
                        },
                        {"word": data.words[i], "length": len(data.words[i]), "rank": i},
                    )
                    for i in range(lo, min(n, lo + BATCH))
                ]
            )
        self.load_s = time.perf_counter() - started
        self.collection.wait_indexed()
        self.green_s = time.perf_counter() - started
        self.hnsw = self.collection.indexes.get("dense") is not None

    def run(self, kind: int, i: int) -> list[tuple[int, float]]:
        request = KINDS[kind][1](self.data, i)
        points = vq.query(self.collection, request, self.engine.get_collection)
        return [(int(p.id), p.score) for p in points]

    def close(self) -> None:
        self.engine.close()


def _client_points(data: Data, lo: int, hi: int) -> list[models.PointStruct]:
    return [
        models.PointStruct(
            id=i,
            vector={
                "dense": data.dense[i].tolist(),
                "trigrams": _client_sparse(data.sparse[i]),
                "multi": data.multi[i].tolist(),
            },
            payload={"word": data.words[i], "length": len(data.words[i]), "rank": i},
        )
        for i in range(lo, hi)
    ]


def fill(client: QdrantClient, data: Data, n: int, index: bool) -> float:
    """Create the collection in `client` (with an integer index on ``length`` if `index`)
    and upsert the first `n` points; seconds taken."""
    started = time.perf_counter()
    client.create_collection(
        NAME,
        vectors_config={
            "dense": models.VectorParams(size=384, distance=models.Distance.COSINE),
            "multi": models.VectorParams(
                size=384,
                distance=models.Distance.COSINE,
                multivector_config=models.MultiVectorConfig(
                    comparator=models.MultiVectorComparator.MAX_SIM
                ),
            ),
        },
        sparse_vectors_config={"trigrams": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    if index:
        client.create_payload_index(NAME, "length", models.PayloadSchemaType.INTEGER)
    for lo in range(0, n, BATCH):
        client.upsert(NAME, _client_points(data, lo, min(n, lo + BATCH)), wait=True)
    return time.perf_counter() - started


class Client(Side):
    """The official client, on local mode or on a server."""

    def __init__(self, label: str, client: QdrantClient, data: Data) -> None:
        self.label, self.client, self.data = label, client, data

    def run(self, kind: int, i: int) -> list[tuple[int, float]]:
        kwargs = KINDS[kind][2](self.data, i)
        hits = self.client.query_points(NAME, limit=LIMIT, with_payload=False, **kwargs).points
        return [(int(p.id), p.score) for p in hits]

    def close(self) -> None:
        self.client.close()


class Server(Client):
    """`vectorizer serve` (tests/servers.py) holding the points, sent over gRPC."""

    def __init__(
        self, folder: Path, data: Data, n: int, transport: str, env: dict[str, str]
    ) -> None:
        sys.path.insert(0, str(REPO / "tests"))
        from servers import ServerProcess

        folder.mkdir()
        self.process = ServerProcess(folder / "data", grpc=True, env=env).start()
        url, grpc_port = self.process.rest_url, self.process.ports["qdrant_grpc"]
        loader = QdrantClient(url=url, grpc_port=grpc_port, prefer_grpc=True, timeout=600)
        self.load_s = fill(loader, data, n, index=True)
        while loader.get_collection(NAME).status != models.CollectionStatus.GREEN:
            time.sleep(0.05)
        loader.close()
        client = QdrantClient(
            url=url, grpc_port=grpc_port, prefer_grpc=transport == "grpc", timeout=600
        )
        super().__init__(f"server ({transport}) @{n:,}", client, data)

    def close(self) -> None:
        super().close()
        self.process.stop()


# ----------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    engine: str
    kind: str
    points: int
    queries: int
    qps: float
    p50_ms: float
    ratio: float | None = None  # queries/s against local mode on the same points
    overlap: float | None = None  # mean top-10 overlap (ids) with local mode's answers
    scores_equal: float | None = None  # share of ranks whose score equals local mode's
    recall: float | None = None  # dense only: against the exact top 10
    ids: list[list[int]] = field(default_factory=list, repr=False)
    scores: list[list[float]] = field(default_factory=list, repr=False)


def measure_kind(kind: int, runs: list[tuple[Side, int, int]], rounds: int) -> list[Measure]:
    """Each (side, queries, points): queries 0..queries-1 of `kind`, one at a time, after
    two untimed ones. The queries go in `rounds` passes, each pass visiting every side in
    turn, so that load from elsewhere on the machine spreads over them all."""
    for side, _, _ in runs:
        side.run(kind, 0)
        side.run(kind, 1)
    latencies: list[dict[int, float]] = [{} for _ in runs]
    answers: list[dict[int, list[tuple[int, float]]]] = [{} for _ in runs]
    for r in range(rounds):
        for (side, n_queries, _), lat, ans in zip(runs, latencies, answers, strict=True):
            for i in range(r, n_queries, rounds):
                sent = time.perf_counter()
                ans[i] = side.run(kind, i)
                lat[i] = time.perf_counter() - sent
    out = []
    for (side, n_queries, points), lat, ans in zip(runs, latencies, answers, strict=True):
        times = [lat[i] for i in range(n_queries)]
        qps = n_queries / sum(times)
        p50 = float(np.percentile(times, 50)) * 1000
        ids = [[p for p, _ in ans[i]] for i in range(n_queries)]
        scores = [[s for _, s in ans[i]] for i in range(n_queries)]
        print(f"  {side.label:<24} {KINDS[kind][0]:<22} {qps:>9,.1f} q/s", file=sys.stderr)
        out.append(Measure(side.label, KINDS[kind][0], points, n_queries, qps, p50, ids=ids,
                           scores=scores))  # fmt: skip
    return out


def overlap(a: list[list[int]], b: list[list[int]]) -> float:
    """Mean share of each answer's ids found in the other's, over the queries of both."""
    shares = [len(set(x) & set(y)) / max(len(x), len(y), 1) for x, y in zip(a, b, strict=False)]
    return float(np.mean(shares))


def scores_equal(a: list[list[float]], b: list[list[float]]) -> float:
    """Share of ranks (over the queries of both) where the two answers' scores are equal
    to float32 precision: ties broken differently still count as the same answer."""
    same = total = 0
    for x, y in zip(a, b, strict=False):
        total += max(len(x), len(y))
        if len(x) == len(y):
            same += int(np.isclose(x, y, rtol=1e-4, atol=1e-5).sum())
    return same / max(total, 1)


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def tables(same: dict[str, list[Measure]], large: list[Measure]) -> str:
    """The markdown tables: every engine on the shared points, then the core at size."""
    others = [key for key in same if key != "local"]
    head = ["query", f"{same['local'][0].engine} q/s", "p50 ms"]
    for key in others:
        head += [f"{same[key][0].engine} q/s", "p50 ms", "ratio"]
    head += [f"agreement {same[key][0].engine.split(' @')[0]}" for key in others]
    out = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for row, local in enumerate(same["local"]):
        cells = [local.kind, f"{local.qps:,.1f}", f"{local.p50_ms:.2f}"]
        for key in others:
            m = same[key][row]
            cells += [f"{m.qps:,.1f}", f"{m.p50_ms:.2f}", _cell(m.ratio, ".2f")]
        for key in others:
            m = same[key][row]
            cells.append(f"{_cell(m.overlap, '.2f')} / {_cell(m.scores_equal, '.2f')}")
        out.append("| " + " | ".join(cells) + " |")
    if large:
        out += ["", f"| query | {large[0].engine} q/s | p50 ms | dense recall@10 |",
                "|---|---|---|---|"]  # fmt: skip
        out += [
            f"| {m.kind} | {m.qps:,.1f} | {m.p50_ms:.2f} | {_cell(m.recall, '.3f')} |"
            for m in large
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--server", choices=("grpc", "rest", "none"), default="grpc")
    parser.add_argument("--rounds", type=int, default=4, help="passes over the queries per kind")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads in this process and the server (0: the library's default)",
    )
    parser.add_argument("--json", type=Path, help="write the rows (and the setup) as JSON here")
    args = parser.parse_args()
    env: dict[str, str] = {}
    if args.blas_threads:
        threadpool_limits(args.blas_threads)
        env = {v: str(args.blas_threads) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    size = SIZES[args.size]
    started = time.perf_counter()
    data = load(size)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vectorizer-query-api-") as tmp:
        root = Path(tmp)
        sides: dict[str, Side] = {}
        local_client = QdrantClient(":memory:")
        local_load = fill(local_client, data, size.same_points, index=False)  # none there
        sides["local"] = Client(f"local mode @{size.same_points:,}", local_client, data)
        notes.append(f"local mode: {size.same_points:,} points loaded in {local_load:.1f} s")
        core = Core(root / "same", data, size.same_points)
        sides["core"] = core
        notes.append(
            f"{core.label}: loaded in {core.load_s:.1f} s, green in {core.green_s:.1f} s, "
            f"dense {'HNSW' if core.hnsw else 'exact (below the indexing threshold)'}"
        )
        if args.server != "none":
            server = Server(root / "server", data, size.same_points, args.server, env)
            sides["server"] = server
            notes.append(f"{server.label}: loaded over gRPC in {server.load_s:.1f} s")
        big: Core | None = None
        if size.points != size.same_points:
            big = Core(root / "big", data, size.points)
            notes.append(
                f"{big.label}: loaded in {big.load_s:.1f} s, green in {big.green_s:.1f} s, "
                f"dense {'HNSW' if big.hnsw else 'exact'}"
            )
        print(f"loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        same: dict[str, list[Measure]] = {key: [] for key in sides}
        large: list[Measure] = []
        runs = [(sides["local"], size.local_queries, size.same_points)]
        runs += [
            (sides[key], size.same_queries, size.same_points) for key in sides if key != "local"
        ]
        if big is not None:
            runs.append((big, size.queries, size.points))
        try:
            for kind in range(len(KINDS)):
                measures = dict(zip([*sides, "big"], measure_kind(kind, runs, args.rounds),
                                    strict=False))  # fmt: skip
                local = measures["local"]
                for key in sides:
                    m = measures[key]
                    if key != "local":
                        m.ratio = m.qps / local.qps
                        m.overlap = overlap(m.ids, local.ids)
                        m.scores_equal = scores_equal(m.scores, local.scores)
                    same[key].append(m)
                if big is not None:
                    m = measures["big"]
                    if KINDS[kind][0] == "dense":
                        m.recall = overlap(m.ids, data.truth[: size.queries].tolist())
                    large.append(m)
        finally:
            for side in (*sides.values(), *([big] if big else [])):
                side.close()
    if not large:  # one size: the core's dense recall goes in the notes
        dense = same["core"][0]
        recall = overlap(dense.ids, data.truth[: dense.queries].tolist())
        notes.append(f"{dense.engine}: dense recall@10 against the exact top 10: {recall:.3f}")
    print(
        f"\nQuery API on words-e5 ({args.size}): dense 384 + sparse trigrams (IDF) + "
        "multi 2-3x384 (max_sim); limit 10, one query at a time"
    )
    print(
        f"same points: {size.same_points:,}; local mode {size.local_queries} queries, the others "
        f"{size.same_queries}, in {args.rounds} interleaved passes; ratio = queries/s / local "
        f"mode's; agreement = top-10 id overlap / share of ranks with equal scores, against "
        f"local mode over its {size.local_queries} queries"
    )
    if large:
        print(f"core alone: {size.points:,} points, {size.queries} queries")
    print(
        f"qdrant-client {importlib.metadata.version('qdrant-client')}, {os.cpu_count()} cores "
        f"(shared with other jobs: numbers are noisy); BLAS threads per process: "
        f"{args.blas_threads or 'the library default'}\n"
    )
    print(tables(same, large))
    print()
    for note in notes:
        print(note)
    print(f"(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        meta = {"size": args.size, **asdict(size), "server": args.server, "rounds": args.rounds,
                "blas_threads": args.blas_threads,
                "notes": notes}  # fmt: skip
        rows = [
            {k: v for k, v in asdict(m).items() if k not in ("ids", "scores")}
            for m in (*(m for ms in same.values() for m in ms), *large)
        ]
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
