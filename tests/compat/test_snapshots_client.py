"""Snapshots through the official qdrant-client over REST: create, list, download, delete,
recover (file://, http://, upload) into a fresh server, full snapshots, wait=false."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from compat_helpers import ThreadedServer, connect
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

from vectorizer import Engine

RNG = np.random.default_rng(3)


def fill(client: QdrantClient, name: str, n: int = 30) -> None:
    """A collection with every vector kind the server stores, payloads, payload indexes
    and an alias."""
    client.create_collection(
        name,
        vectors_config={
            "dense": models.VectorParams(size=8, distance=models.Distance.COSINE),
            "half": models.VectorParams(
                size=3, distance=models.Distance.EUCLID, datatype=models.Datatype.FLOAT16
            ),
            "bytes": models.VectorParams(
                size=4, distance=models.Distance.DOT, datatype=models.Datatype.UINT8
            ),
        },
    )
    points = []
    for i in range(n):
        vector: dict[str, Any] = {"dense": RNG.normal(size=8).tolist()}
        if i % 2:
            vector["half"] = RNG.normal(size=3).tolist()
        if i % 3:
            vector["bytes"] = RNG.integers(0, 256, size=4).tolist()
        points.append(
            models.PointStruct(
                id=i if i % 4 else str(uuid.UUID(int=i + 7)),
                vector=vector,
                payload={"city": ["Berlin", "Paris", "Rome"][i % 3], "n": i, "deep": {"i": [i]}},
            )
        )
    client.upsert(name, points, wait=True)
    client.create_payload_index(name, "city", models.PayloadSchemaType.KEYWORD, wait=True)
    client.create_payload_index(name, "n", models.PayloadSchemaType.INTEGER, wait=True)
    client.update_collection_aliases(
        change_aliases_operations=[
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=name, alias_name=f"{name}_alias")
            )
        ]
    )


def state(client: QdrantClient, name: str) -> dict[str, Any]:
    """Points (ids, payloads, every vector), payload indexes and aliases of a collection."""
    records, _ = client.scroll(name, limit=1000, with_payload=True, with_vectors=True)
    info = client.get_collection(name)
    return {
        "points": [r.model_dump() for r in records],
        "payload_schema": {k: v.model_dump() for k, v in info.payload_schema.items()},
        "points_count": info.points_count,
        "vectors": info.config.params.model_dump()["vectors"],
        "aliases": sorted(a.alias_name for a in client.get_collection_aliases(name).aliases),
    }


def download(server: ThreadedServer, path: str, target: Path) -> Path:
    """GET a snapshot file off the server into `target`."""
    with httpx.stream("GET", f"{server.url}{path}") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        with target.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
    return target


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[QdrantClient]:
    """The official client on a second server over a brand-new engine."""
    engine = Engine.open(tmp_path / "fresh")
    server = ThreadedServer(engine).start()
    client, _ = connect(server.url)
    try:
        yield client
    finally:
        client.close()
        server.stop()
        engine.close()


def test_create_list_delete(remote: QdrantClient) -> None:
    fill(remote, "snap_a")
    created = remote.create_snapshot("snap_a")
    assert created is not None
    assert created.name.startswith("snap_a-") and created.name.endswith(".snapshot")
    assert created.size > 0 and created.checksum is not None and len(created.checksum) == 64
    assert created.name in [s.name for s in remote.list_snapshots("snap_a")]
    assert remote.delete_snapshot("snap_a", created.name) is True
    assert created.name not in [s.name for s in remote.list_snapshots("snap_a")]
    with pytest.raises(UnexpectedResponse) as caught:
        remote.delete_snapshot("snap_a", created.name)
    assert caught.value.status_code == 404


def test_recover_from_file_on_a_fresh_server(
    remote: QdrantClient, fresh: QdrantClient, server: ThreadedServer, tmp_path: Path
) -> None:
    fill(remote, "snap_b")
    created = remote.create_snapshot("snap_b")
    assert created is not None
    file = download(server, f"/collections/snap_b/snapshots/{created.name}", tmp_path / "b.snap")
    assert fresh.recover_snapshot(
        "snap_b",
        location=file.as_uri(),
        checksum=created.checksum,
        priority=models.SnapshotPriority.SNAPSHOT,
    )
    assert state(fresh, "snap_b") == state(remote, "snap_b")
    assert fresh.get_aliases().aliases[0].alias_name == "snap_b_alias"
    # the same request again replaces the collection with the same content
    fresh.upsert("snap_b", [models.PointStruct(id=999, vector={"dense": [1.0] * 8})], wait=True)
    assert fresh.recover_snapshot("snap_b", location=file.as_uri())
    assert state(fresh, "snap_b") == state(remote, "snap_b")


def test_recover_from_an_http_url(
    remote: QdrantClient, fresh: QdrantClient, server: ThreadedServer
) -> None:
    """The fresh server downloads the snapshot straight off the first one."""
    fill(remote, "snap_c")
    created = remote.create_snapshot("snap_c")
    assert created is not None
    location = f"{server.url}/collections/snap_c/snapshots/{created.name}"
    assert fresh.recover_snapshot("snap_c", location=location, checksum=created.checksum)
    assert state(fresh, "snap_c") == state(remote, "snap_c")


def test_upload(
    remote: QdrantClient, fresh: QdrantClient, server: ThreadedServer, tmp_path: Path
) -> None:
    fill(remote, "snap_d")
    created = remote.create_snapshot("snap_d")
    assert created is not None
    file = download(server, f"/collections/snap_d/snapshots/{created.name}", tmp_path / "d.snap")
    with file.open("rb") as f:
        answer = fresh.http.snapshots_api.recover_from_uploaded_snapshot(
            "snap_d",
            wait=True,
            priority=models.SnapshotPriority.REPLICA,
            checksum=created.checksum,
            snapshot=f,
        )
    assert answer.result is True
    assert state(fresh, "snap_d") == state(remote, "snap_d")


def test_checksum_mismatch_changes_nothing(
    remote: QdrantClient, server: ThreadedServer, tmp_path: Path
) -> None:
    fill(remote, "snap_e")
    created = remote.create_snapshot("snap_e")
    assert created is not None
    file = download(server, f"/collections/snap_e/snapshots/{created.name}", tmp_path / "e.snap")
    remote.delete("snap_e", models.PointIdsList(points=[1, 2, 3]), wait=True)
    before = state(remote, "snap_e")
    with pytest.raises(UnexpectedResponse) as caught:
        remote.recover_snapshot("snap_e", location=file.as_uri(), checksum="0" * 64)
    assert caught.value.status_code == 400
    assert "Snapshot checksum mismatch" in str(caught.value)
    assert state(remote, "snap_e") == before


def test_full_snapshots(
    remote: QdrantClient, fresh: QdrantClient, server: ThreadedServer, tmp_path: Path
) -> None:
    fill(remote, "snap_f")
    fill(remote, "snap_g", n=5)
    created = remote.create_full_snapshot()
    assert created is not None and created.name.startswith("full-snapshot-")
    assert created.name in [s.name for s in remote.list_full_snapshots()]
    file = download(server, f"/snapshots/{created.name}", tmp_path / "full.snap")
    for name in ("snap_f", "snap_g"):  # each collection is picked out of the full snapshot
        assert fresh.recover_snapshot(name, location=file.as_uri(), checksum=created.checksum)
        assert state(fresh, name) == state(remote, name)
    assert remote.delete_full_snapshot(created.name) is True
    assert created.name not in [s.name for s in remote.list_full_snapshots()]


def test_wait_false(remote: QdrantClient, fresh: QdrantClient, server: ThreadedServer) -> None:
    fill(remote, "snap_h")
    assert remote.create_snapshot("snap_h", wait=False) is None
    deadline = time.monotonic() + 30
    while not remote.list_snapshots("snap_h"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (created,) = remote.list_snapshots("snap_h")
    location = f"{server.url}/collections/snap_h/snapshots/{created.name}"
    assert fresh.recover_snapshot("snap_h", location=location, wait=False) is None
    while not fresh.collection_exists("snap_h") or fresh.count("snap_h").count < 30:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state(fresh, "snap_h") == state(remote, "snap_h")


@pytest.mark.client_method(
    "create_shard_snapshot", "list_shard_snapshots", "recover_shard_snapshot"
)
def test_shard_zero(remote: QdrantClient, server: ThreadedServer, tmp_path: Path) -> None:
    fill(remote, "snap_i")
    created = remote.create_shard_snapshot("snap_i", 0)
    assert created is not None and created.name.startswith("snap_i-shard-0-")
    assert [s.name for s in remote.list_shard_snapshots("snap_i", 0)] == [created.name]
    file = download(
        server, f"/collections/snap_i/shards/0/snapshots/{created.name}", tmp_path / "i.snap"
    )
    before = state(remote, "snap_i")
    remote.delete("snap_i", models.PointIdsList(points=[1, 2]), wait=True)
    assert remote.recover_shard_snapshot("snap_i", 0, location=file.as_uri())
    assert state(remote, "snap_i") == before
    with pytest.raises(UnexpectedResponse) as caught:
        remote.create_shard_snapshot("snap_i", 1)
    assert caught.value.status_code == 404
