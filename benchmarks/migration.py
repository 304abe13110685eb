"""`vectorizer migrate` at size: a collection of named dense, sparse and multi vectors
with indexed payloads moves from one server to another over REST and over gRPC, and from
a qdrant-client local-mode folder; each arrives identical, and an interrupted run resumes.

    python benchmarks/migration.py [--size small|full] [--transports rest,grpc] [--json FILE]
                                   [--local-points N]

Data: the words-e5 embeddings (``../shared/datasets/words-e5``, or
``VECTORIZER_DATASET_DIR``): the 384-d e5 vector of each word (`dense`), its character
trigrams as a sparse vector (`trigrams`, IDF), and a 2-row multivector of the word's
vector and a shifted copy (`multi`); payloads with the word, its length and frequency rank,
with keyword and integer indexes. Prints one table; never fails on a number.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from qdrant_client import QdrantClient, models

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from servers import ServerProcess  # noqa: E402

from vectorizer.host.cli import cli  # noqa: E402

DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
SIZES = {"small": 5_000, "full": 100_000}
LOCAL_SIZES = {"small": 2_000, "full": 20_000}  # local mode keeps everything in Python
NAME = "words"


@dataclass
class Row:
    source: str
    target: str
    points: int
    seconds: float
    points_per_s: float
    identical: bool


def trigrams(word: str) -> models.SparseVector:
    padded = f"#{word}#"
    grams: dict[int, float] = {}
    for i in range(len(padded) - 2):
        key = zlib.crc32(padded[i : i + 3].encode()) & 0x7FFFFFFF
        grams[key] = grams.get(key, 0.0) + 1.0
    keys = sorted(grams)
    return models.SparseVector(indices=keys, values=[grams[k] for k in keys])


def points(n: int) -> list[models.PointStruct]:
    base = np.load(DATASET / "base.npy")[:n].astype(np.float32)
    words = (DATASET / "base_words.txt").read_text().split("\n")[:n]
    shifted = np.roll(base, 1, axis=1)
    return [
        models.PointStruct(
            id=i,
            vector={
                "dense": base[i].tolist(),
                "trigrams": trigrams(words[i]),
                "multi": [base[i].tolist(), shifted[i].tolist()],
            },
            payload={"word": words[i], "length": len(words[i]), "rank": i},
        )
        for i in range(n)
    ]


def create(client: QdrantClient) -> None:
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
    client.create_payload_index(NAME, "word", models.PayloadSchemaType.KEYWORD, wait=True)
    client.create_payload_index(NAME, "length", models.PayloadSchemaType.INTEGER, wait=True)


def fill(client: QdrantClient, data: list[models.PointStruct]) -> None:
    create(client)
    for start in range(0, len(data), 512):
        client.upsert(NAME, data[start : start + 512], wait=True)


def identical(a: QdrantClient, b: QdrantClient) -> bool:
    """Every point equal (ids, payloads; vectors within float32 rounding), and the indexes."""
    offset_a = offset_b = None
    while True:
        page_a, offset_a = a.scroll(NAME, limit=2000, offset=offset_a, with_vectors=True)
        page_b, offset_b = b.scroll(NAME, limit=2000, offset=offset_b, with_vectors=True)
        if len(page_a) != len(page_b):
            return False
        for x, y in zip(page_a, page_b, strict=True):
            if x.id != y.id or x.payload != y.payload or x.vector.keys() != y.vector.keys():
                return False
            if x.vector["trigrams"] != y.vector["trigrams"]:
                return False
            for key in ("dense", "multi"):
                if not np.allclose(x.vector[key], y.vector[key], atol=1e-5):
                    return False
        if offset_a is None or offset_b is None:
            break
    schema = {k: v.data_type for k, v in a.get_collection(NAME).payload_schema.items()}
    return schema == {k: v.data_type for k, v in b.get_collection(NAME).payload_schema.items()}


def migrate(source: str, target: str, state: Path) -> float:
    started = time.perf_counter()
    result = CliRunner().invoke(
        cli,
        [
            "migrate",
            "--from",
            source,
            "--to",
            target,
            "--batch-size",
            "512",
            "--state-file",
            str(state),
        ],
    )
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--transports", default="rest,grpc")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--local-points", type=int, help="points in the local-mode folder (default by --size)"
    )
    args = parser.parse_args()
    n = SIZES[args.size]
    data = points(n)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        a = ServerProcess(root / "a", grpc=True).start()
        b = ServerProcess(root / "b", grpc=True).start()
        try:
            source = QdrantClient(url=a.rest_url, timeout=300)
            target = QdrantClient(url=b.rest_url, timeout=300)
            fill(source, data)
            for transport in filter(None, args.transports.split(",")):
                if target.collection_exists(NAME):
                    target.delete_collection(NAME)
                urls = {
                    "rest": (a.rest_url, b.rest_url),
                    "grpc": (
                        f"qdrant://127.0.0.1:{a.ports['qdrant_grpc']}",
                        f"qdrant://127.0.0.1:{b.ports['qdrant_grpc']}",
                    ),
                }[transport]
                seconds = migrate(*urls, root / "state.json")
                same = identical(source, target)
                rows.append(Row(urls[0], urls[1], n, seconds, n / seconds, same))
            local_n = args.local_points or LOCAL_SIZES[args.size]
            folder = root / "local"
            local = QdrantClient(path=str(folder))
            fill(local, data[:local_n])
            local.close()
            target.delete_collection(NAME)
            seconds = migrate(f"local://{folder}", b.rest_url, root / "state.json")
            local = QdrantClient(path=str(folder))
            same = identical(local, target)
            local.close()
            rows.append(Row("local://", b.rest_url, local_n, seconds, local_n / seconds, same))
        finally:
            a.stop()
            b.stop()
    base = rows[0].points_per_s
    print(f"\nvectorizer migrate, {args.size}: dense 384 + sparse trigrams (IDF) + 2x384 multi")
    print(
        f"{'from':<28} {'to':<28} {'points':>8} {'seconds':>8} {'points/s':>9} "
        f"{'ratio':>6} identical"
    )
    for r in rows:
        print(
            f"{r.source:<28} {r.target:<28} {r.points:>8} {r.seconds:>8.1f} "
            f"{r.points_per_s:>9.0f} {r.points_per_s / base:>6.2f} {r.identical}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))


if __name__ == "__main__":
    main()
