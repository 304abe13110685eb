"""`vectorizer migrate` end to end: real servers over REST and gRPC, a local-mode folder,
a data directory opened directly, an interrupted run resumed, and the errors people see."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from qdrant_client import QdrantClient, models
from servers import ServerProcess

from vectorizer.host.cli import cli
from vectorizer_migrate import transfer

DIM = 8
NAMES = ["plain", "named", "kinds"]


def payload(i: int) -> dict[str, Any]:
    """Every JSON type, nested, arrays, null, and a datetime string."""
    return {
        "n": i,
        "f": i / 7,
        "s": f"word{i % 5}",
        "b": i % 2 == 0,
        "tags": [f"t{i % 3}", f"t{i % 4}"],
        "obj": {"deep": {"x": i}, "list": [1, "a", None]},
        "none": None,
        "at": f"2024-03-{1 + i % 28:02d}T10:00:00Z",
    }


def point_id(i: int) -> int | str:
    return str(uuid.UUID(int=i + 1)) if i % 3 == 0 else i


def fill(client: QdrantClient, points: int = 300) -> None:
    """Collections: one unnamed vector (some points have none: every vector is optional),
    named vectors with one sometimes missing, every vector kind; payload indexes and an
    alias."""
    rng = np.random.default_rng(7)
    client.create_collection(
        "plain",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        hnsw_config=models.HnswConfigDiff(m=8, ef_construct=50),
    )
    client.create_collection(
        "named",
        vectors_config={
            "a": models.VectorParams(size=DIM, distance=models.Distance.DOT),
            "b": models.VectorParams(size=3, distance=models.Distance.EUCLID),
        },
    )
    vectors = rng.random((points, DIM), dtype=np.float32)
    client.upsert(
        "plain",
        [
            models.PointStruct(
                id=point_id(i), vector=vectors[i].tolist() if i % 10 else {}, payload=payload(i)
            )
            for i in range(points)
        ],
        wait=True,
    )
    named = [
        models.PointStruct(
            id=point_id(i),
            vector={"a": vectors[i].tolist(), **({"b": [1.0, 2.0, float(i)]} if i % 4 else {})},
            payload=payload(i),
        )
        for i in range(points // 3)
    ]
    client.upsert("named", named, wait=True)
    client.create_collection(
        "kinds",
        vectors_config={
            "multi": models.VectorParams(
                size=4,
                distance=models.Distance.COSINE,
                multivector_config=models.MultiVectorConfig(
                    comparator=models.MultiVectorComparator.MAX_SIM
                ),
            ),
            "small": models.VectorParams(
                size=DIM, distance=models.Distance.EUCLID, datatype=models.Datatype.FLOAT16
            ),
        },
        sparse_vectors_config={
            "words": models.SparseVectorParams(modifier=models.Modifier.IDF),
            "plain": models.SparseVectorParams(),
        },
    )
    kinds = [
        models.PointStruct(
            id=point_id(i),
            vector={
                "multi": rng.random((1 + i % 3, 4)).round(3).tolist(),
                "words": models.SparseVector(indices=[i, i + 7, 100 + i % 5], values=[1, 2, 0.5]),
                **({"small": vectors[i].tolist()} if i % 2 else {}),
                **({"plain": models.SparseVector(indices=[3], values=[0.25])} if i % 3 else {}),
            },
            payload=payload(i),
        )
        for i in range(points // 4)
    ]
    client.upsert("kinds", kinds, wait=True)
    client.create_payload_index("plain", "s", models.PayloadSchemaType.KEYWORD, wait=True)
    client.create_payload_index("plain", "n", models.PayloadSchemaType.INTEGER, wait=True)
    client.update_collection_aliases(
        [
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name="plain", alias_name="current")
            )
        ]
    )


def dump(client: QdrantClient, name: str) -> list[tuple[Any, Any, Any]]:
    records, _ = client.scroll(name, limit=10_000, with_vectors=True)
    return sorted(((r.id, r.payload, r.vector) for r in records), key=lambda r: str(r[0]))


def close(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    """Equal vectors up to float32 rounding (float16 rounding for the float16 space)."""
    if isinstance(a, models.SparseVector):
        return (
            isinstance(b, models.SparseVector)
            and a.indices == b.indices
            and np.allclose(a.values, b.values)
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(close(a[k], b[k], 1e-3 if k == "small" else rtol) for k in a)
        )
    return np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol / 10)


def assert_points(ours: list[Any], theirs: list[Any]) -> None:
    """Same ids (of the same kind), payloads, and vectors up to float rounding (a cosine
    vector is normalised again on the way in)."""
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs, strict=True):
        assert a[0] == b[0] and type(a[0]) is type(b[0])
        assert a[1] == b[1]
        assert close(a[2], b[2]), (a, b)


def assert_same(source: QdrantClient, target: QdrantClient, names: list[str]) -> None:
    for name in names:
        assert_points(dump(source, name), dump(target, name))
        src, dst = source.get_collection(name), target.get_collection(name)
        assert src.config.params.vectors == dst.config.params.vectors
        assert src.config.hnsw_config == dst.config.hnsw_config
        assert {k: v.data_type for k, v in src.payload_schema.items()} == {
            k: v.data_type for k, v in dst.payload_schema.items()
        }
    assert [a.alias_name for a in target.get_aliases().aliases] == ["current"]


def run(*args: str, state: Path | None = None) -> Result:
    extra = ["--state-file", str(state)] if state else []
    return CliRunner().invoke(cli, ["migrate", *args, *extra], catch_exceptions=False)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    a = ServerProcess(tmp_path / "a", grpc=True).start()
    b = ServerProcess(tmp_path / "b", grpc=True).start()
    try:
        yield a, b
    finally:
        for server in (a, b):
            if server.running:
                server.stop()


def grpc_url(server: ServerProcess) -> str:
    return f"qdrant://127.0.0.1:{server.ports['qdrant_grpc']}"


@pytest.mark.parametrize("transport", ["rest", "grpc"])
def test_server_to_server(
    servers: tuple[ServerProcess, ServerProcess], transport: str, tmp_path: Path
) -> None:
    a, b = servers
    source, target = QdrantClient(url=a.rest_url), QdrantClient(url=b.rest_url)
    fill(source)
    urls = (a.rest_url, b.rest_url) if transport == "rest" else (grpc_url(a), grpc_url(b))
    result = run(
        "--from", urls[0], "--to", urls[1], "--batch-size", "64", state=tmp_path / "s.json"
    )
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    assert_same(source, target, NAMES)
    assert not (tmp_path / "s.json").exists()  # finished: no state left behind
    # a second run into the compatible existing collections changes nothing
    result = run("--from", urls[0], "--to", urls[1], state=tmp_path / "s.json")
    assert result.exit_code == 0, result.output
    assert_same(source, target, NAMES)


@pytest.mark.filterwarnings("ignore:Payload indexes have no effect")
def test_from_local_mode_folder_and_back_from_a_data_dir(
    servers: tuple[ServerProcess, ServerProcess], tmp_path: Path
) -> None:
    folder = tmp_path / "local"
    local = QdrantClient(path=str(folder))
    fill(local, points=120)
    expected = {name: dump(local, name) for name in NAMES}
    local.close()
    a, _ = servers
    result = run("--from", f"local://{folder}", "--to", a.rest_url, state=tmp_path / "s.json")
    assert result.exit_code == 0, result.output
    server = QdrantClient(url=a.rest_url)
    for name in NAMES:
        assert_points(dump(server, name), expected[name])
    # the same data straight out of a (stopped) server's data directory into a new folder
    a.stop()
    back = tmp_path / "back"
    back.mkdir()
    result = run(
        "--from",
        f"vectorizer://{a.data_dir}",
        "--to",
        f"local://{back}",
        "--collection",
        "named",
        state=tmp_path / "s.json",
    )
    assert result.exit_code == 0, result.output
    again = QdrantClient(path=str(back))
    assert_points(dump(again, "named"), expected["named"])
    again.close()


def test_interrupted_run_resumes_without_gaps_or_duplicates(
    servers: tuple[ServerProcess, ServerProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = servers
    source, target = QdrantClient(url=a.rest_url), QdrantClient(url=b.rest_url)
    fill(source)
    state = tmp_path / "s.json"
    real = transfer._point
    calls = {"n": 0}

    def interrupt_on_the_150th_point(record: models.Record) -> models.PointStruct:
        calls["n"] += 1
        if calls["n"] == 150:
            raise KeyboardInterrupt
        return real(record)

    monkeypatch.setattr(transfer, "_point", interrupt_on_the_150th_point)
    args = ["--from", a.rest_url, "--to", b.rest_url, "--collection", "plain", "--batch-size", "50"]
    result = run(*args, state=state)
    assert result.exit_code == 130
    assert "--resume" in result.output
    saved = json.loads(state.read_text())["collections"]["plain"]
    assert saved["copied"] == 100 and not saved["done"]
    assert target.count("plain").count == 100
    monkeypatch.setattr(transfer, "_point", real)
    result = run(*args, "--resume", state=state)
    assert result.exit_code == 0, result.output
    assert_same(source, target, ["plain"])


def test_dry_run_writes_nothing(
    servers: tuple[ServerProcess, ServerProcess], tmp_path: Path
) -> None:
    a, b = servers
    fill(QdrantClient(url=a.rest_url))
    result = run("--from", a.rest_url, "--to", b.rest_url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "plain" in result.output and "300" in result.output
    assert "s (keyword)" in result.output
    assert QdrantClient(url=b.rest_url).get_collections().collections == []


def test_clear_errors(servers: tuple[ServerProcess, ServerProcess], tmp_path: Path) -> None:
    a, b = servers
    source, target = QdrantClient(url=a.rest_url), QdrantClient(url=b.rest_url)
    fill(source, points=30)
    result = run("--from", "http://127.0.0.1:9", "--to", b.rest_url)
    assert result.exit_code == 2
    assert "Error: cannot reach the source http://127.0.0.1:9" in result.output
    result = run("--from", a.rest_url, "--to", b.rest_url, "--collection", "nope")
    assert result.exit_code == 2
    assert "no collection 'nope' on the source" in result.output
    target.create_collection(
        "plain", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT)
    )
    result = run("--from", a.rest_url, "--to", b.rest_url, "--collection", "plain")
    assert result.exit_code == 2
    assert "exists on the target with other vectors" in result.output
    assert target.count("plain").count == 0
    result = run("--from", "ftp://x", "--to", b.rest_url)
    assert result.exit_code == 2 and "expected qdrant://HOST:PORT" in result.output
