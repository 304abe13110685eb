"""Qdrant REST snapshot endpoints: status codes, bodies, wait=false, uploads, traversal."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer import Engine
from vectorizer.models import PointStruct

POINTS = [
    {"id": 1, "vector": [1, 0, 0, 0], "payload": {"city": "Berlin", "n": 1}},
    {"id": 2, "vector": [0, 1, 0, 0], "payload": {"city": "London", "n": 2}},
    {"id": "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60", "vector": [0, 0, 1, 0]},
]


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def accepted(response: Any) -> None:
    """Qdrant's 202 answer to wait=false: status `accepted`, no result."""
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"status", "time"} and body["status"] == "accepted"
    assert isinstance(body["time"], float)


def scroll(client: TestClient, name: str) -> list[dict[str, Any]]:
    body = {"limit": 100, "with_payload": True, "with_vector": True}
    return ok(client.post(f"/collections/{name}/points/scroll", json=body))["points"]


@pytest.fixture
def filled(client: TestClient) -> TestClient:
    create(client)
    upsert(client, POINTS)
    ok(
        client.put(
            "/collections/c/index?wait=true", json={"field_name": "city", "field_schema": "keyword"}
        )
    )
    ok(
        client.post(
            "/collections/aliases",
            json={"actions": [{"create_alias": {"collection_name": "c", "alias_name": "a"}}]},
        )
    )
    return client


def snapshot_of(client: TestClient, name: str = "c") -> dict[str, Any]:
    return ok(client.post(f"/collections/{name}/snapshots"))


# ----------------------------------------------------------------------------- collection


def test_create_list_download_delete(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    assert set(described) == {"name", "creation_time", "size", "checksum"}
    assert described["name"].startswith("c-") and described["name"].endswith(".snapshot")
    assert len(described["creation_time"]) == len("2024-01-01T00:00:00")
    assert ok(filled.get("/collections/c/snapshots")) == [described]
    assert ok(filled.get("/collections/a/snapshots")) == [described]  # by alias too

    response = filled.get(f"/collections/c/snapshots/{described['name']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert described["name"] in response.headers["content-disposition"]
    assert len(response.content) == described["size"]
    assert hashlib.sha256(response.content).hexdigest() == described["checksum"]
    on_disk = engine.snapshots.root / "c" / described["name"]
    assert on_disk.read_bytes() == response.content

    assert ok(filled.delete(f"/collections/c/snapshots/{described['name']}")) is True
    assert ok(filled.get("/collections/c/snapshots")) == []
    assert not on_disk.exists()
    message = error(filled.delete(f"/collections/c/snapshots/{described['name']}"), 404)
    assert message == f"Not found: Snapshot {described['name']} does not exist!"
    error(filled.get(f"/collections/c/snapshots/{described['name']}"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/collections/nope/snapshots"),
        ("GET", "/collections/nope/snapshots"),
        ("GET", "/collections/nope/snapshots/x.snapshot"),
        ("DELETE", "/collections/nope/snapshots/x.snapshot"),
        ("POST", "/collections/nope/shards/0/snapshots"),
    ],
)
def test_missing_collection_is_404(client: TestClient, method: str, path: str) -> None:
    message = error(client.request(method, path), 404)
    assert message == "Not found: Collection `nope` doesn't exist!"


def test_recover_from_file_url_on_a_new_collection(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    path = engine.snapshots.root / "c" / described["name"]
    body = {"location": path.as_uri(), "priority": "snapshot", "checksum": described["checksum"]}
    assert ok(filled.put("/collections/copy/snapshots/recover", json=body)) is True
    assert scroll(filled, "copy") == scroll(filled, "c")
    info = ok(filled.get("/collections/copy"))
    assert info["payload_schema"]["city"]["data_type"] == "keyword"
    assert ok(filled.get("/collections/copy/aliases")) == {"aliases": []}  # `a` is taken


def test_recover_replaces_the_collection(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    before = scroll(filled, "c")
    upsert(filled, [{"id": 9, "vector": [1, 1, 1, 1]}])
    ok(filled.post("/collections/c/points/delete?wait=true", json={"points": [1]}))
    location = (engine.snapshots.root / "c" / described["name"]).as_uri()
    assert ok(filled.put("/collections/c/snapshots/recover", json={"location": location}))
    assert scroll(filled, "c") == before
    assert ok(filled.get("/collections/c/aliases"))["aliases"] == [
        {"alias_name": "a", "collection_name": "c"}
    ]


def test_checksum_mismatch_is_400_and_changes_nothing(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    upsert(filled, [{"id": 9, "vector": [1, 1, 1, 1]}])
    before = scroll(filled, "c")
    location = (engine.snapshots.root / "c" / described["name"]).as_uri()
    body = {"location": location, "checksum": "ab" * 32}
    message = error(filled.put("/collections/c/snapshots/recover", json=body), 400)
    assert message == (
        f"Wrong input: Snapshot checksum mismatch: expected {'ab' * 32}, "
        f"got {described['checksum']}"
    )
    assert scroll(filled, "c") == before


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"location": "file:///no/such.snapshot"},
            400,
            'Snapshot file "/no/such.snapshot" does not exist',
        ),
        (
            {"location": "ftp://x/y.snapshot"},
            400,
            "URL ftp://x/y.snapshot with scheme ftp is not supported",
        ),
        ({"location": "http://127.0.0.1:1/y.snapshot"}, 400, "Failed to download snapshot"),
        ({"location": "file:///x", "checksum": "nope"}, 400, "SHA-256"),
        ({"location": "file:///x", "priority": "bogus"}, 422, "priority"),
        ({}, 422, "location"),
    ],
)
def test_bad_recover_requests(
    client: TestClient, body: dict[str, Any], status: int, expected: str
) -> None:
    assert expected in error(client.put("/collections/c/snapshots/recover", json=body), status)


def test_recover_body_must_be_json(client: TestClient) -> None:
    assert error(client.put("/collections/c/snapshots/recover", content=b"{"), 400).startswith(
        "Json deserialize error"
    )


def test_recover_is_forbidden_while_writes_are_locked(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    location = (engine.snapshots.root / "c" / described["name"]).as_uri()
    ok(filled.post("/locks", json={"write": True, "error_message": "backup running"}))
    assert snapshot_of(filled)["name"] != described["name"]  # reading is still allowed
    message = error(
        filled.put("/collections/c/snapshots/recover", json={"location": location}), 403
    )
    assert message == "Storage locked: backup running"


# ----------------------------------------------------------------------------- wait=false


def test_wait_false_answers_202_and_does_the_work(filled: TestClient, engine: Engine) -> None:
    accepted(filled.post("/collections/c/snapshots?wait=false"))
    eventually(lambda: len(ok(filled.get("/collections/c/snapshots"))) == 1)
    (described,) = ok(filled.get("/collections/c/snapshots"))
    location = (engine.snapshots.root / "c" / described["name"]).as_uri()
    accepted(
        filled.put("/collections/later/snapshots/recover?wait=false", json={"location": location})
    )
    eventually(lambda: ok(filled.get("/collections/later/exists"))["exists"])
    eventually(lambda: len(scroll(filled, "later")) == len(POINTS))
    accepted(filled.delete(f"/collections/c/snapshots/{described['name']}?wait=false"))
    eventually(lambda: ok(filled.get("/collections/c/snapshots")) == [])
    accepted(filled.post("/snapshots?wait=false"))
    eventually(lambda: len(ok(filled.get("/snapshots"))) == 1)
    assert ok(filled.post("/collections/c/snapshots?wait=true"))["name"]


def test_a_background_failure_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="vectorizer_qdrant_rest"):
        body = {"location": "file:///no/such.snapshot"}
        accepted(client.put("/collections/c/snapshots/recover?wait=false", json=body))
        eventually(lambda: "recover-snapshot failed" in caplog.text)
    assert "does not exist" in caplog.text


def test_bad_wait_is_400(filled: TestClient) -> None:
    message = error(filled.post("/collections/c/snapshots?wait=maybe"), 400)
    assert "wait" in message
    assert ok(filled.get("/collections/c/snapshots")) == []


# ----------------------------------------------------------------------------- uploads


def test_upload_recovers_and_keeps_no_file(filled: TestClient, engine: Engine) -> None:
    described = snapshot_of(filled)
    data = filled.get(f"/collections/c/snapshots/{described['name']}").content
    response = filled.post(
        f"/collections/up/snapshots/upload?priority=replica&checksum={described['checksum']}",
        files={"snapshot": ("../../evil.snapshot", data, "application/octet-stream")},
    )
    assert ok(response) is True
    assert scroll(filled, "up") == scroll(filled, "c")
    root = engine.snapshots.root
    assert root is not None
    assert sorted(p.name for p in root.iterdir()) == ["c"]  # the upload is gone
    assert not list(root.parent.rglob("evil.snapshot"))
    accepted(
        filled.post("/collections/up2/snapshots/upload?wait=false", files={"snapshot": ("s", data)})
    )
    eventually(lambda: ok(filled.get("/collections/up2/exists"))["exists"])
    eventually(lambda: len(scroll(filled, "up2")) == len(POINTS))  # loaded


@pytest.mark.parametrize(
    ("query", "kwargs", "expected"),
    [
        ("?checksum=" + "0" * 64, {"files": {"snapshot": ("s", b"x")}}, "checksum mismatch"),
        ("?priority=bogus", {"files": {"snapshot": ("s", b"x")}}, "priority"),
        ("", {"files": {"other": ("s", b"x")}}, "the multipart field `snapshot` is missing"),
        (
            "",
            {"content": b"raw", "headers": {"content-type": "application/octet-stream"}},
            "multipart/form-data",
        ),
        ("", {"files": {"snapshot": ("s", b"not a snapshot")}}, "Not a valid Vectorizer snapshot"),
    ],
)
def test_bad_uploads_are_400(
    client: TestClient, engine: Engine, query: str, kwargs: dict[str, Any], expected: str
) -> None:
    message = error(client.post(f"/collections/c/snapshots/upload{query}", **kwargs), 400)
    assert expected in message
    assert "c" not in engine.list_collections()
    root = engine.snapshots.root
    assert not root.exists() or not list(root.iterdir())


def test_upload_is_not_bound_by_the_32_mib_body_limit(client: TestClient, engine: Engine) -> None:
    create(client, "big", size=1024)
    rows = np.random.default_rng(1).normal(size=(9000, 1024)).astype(np.float32)
    engine.get_collection("big").upsert([PointStruct(i, {"": row}) for i, row in enumerate(rows)])
    snapshots = engine.snapshots
    path = snapshots.path("big", snapshots.create("big").name)
    data = path.read_bytes()
    assert len(data) > 32 * 1024 * 1024
    response = client.post("/collections/big2/snapshots/upload", files={"snapshot": ("s", data)})
    assert ok(response) is True
    assert ok(client.post("/collections/big2/points/count", json={}))["count"] == 9000
    # other endpoints keep Qdrant's 32 MiB limit
    too_big = client.put(
        "/collections/big/points", content=data, headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413


# ----------------------------------------------------------------------------- full storage


def test_full_snapshots(filled: TestClient, engine: Engine) -> None:
    create(filled, "d")
    described = ok(filled.post("/snapshots"))
    assert described["name"].startswith("full-snapshot-")
    assert ok(filled.get("/snapshots")) == [described]
    content = filled.get(f"/snapshots/{described['name']}").content
    assert hashlib.sha256(content).hexdigest() == described["checksum"]
    assert ok(filled.get("/collections/c/snapshots")) == []  # apart from collection ones
    # a full snapshot brings back each collection, picked by name
    path = engine.snapshots.root / described["name"]
    ok(filled.delete("/collections/c"))
    assert ok(filled.put("/collections/c/snapshots/recover", json={"location": path.as_uri()}))
    assert len(scroll(filled, "c")) == len(POINTS)
    assert ok(filled.get("/aliases"))["aliases"] == [{"alias_name": "a", "collection_name": "c"}]
    assert ok(filled.delete(f"/snapshots/{described['name']}")) is True
    assert ok(filled.get("/snapshots")) == []
    error(filled.get(f"/snapshots/{described['name']}"), 404)
    error(filled.delete(f"/snapshots/{described['name']}"), 404)


# ----------------------------------------------------------------------------- names


TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd",
    "..%2F..%2F..%2Fvictim.snapshot",
    "..%2Fvictim.snapshot",
    "%2Fetc%2Fpasswd",
    "..%5C..%5Cvictim.snapshot",
    "%2E%2E",
    "victim.snapshot%00",
]


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize(
    "prefix", ["/collections/c/snapshots/", "/snapshots/", "/collections/c/shards/0/snapshots/"]
)
def test_names_never_escape_the_snapshots_dir(
    filled: TestClient, engine: Engine, tmp_path: Path, prefix: str, name: str
) -> None:
    snapshot_of(filled)
    victims = [tmp_path / "victim.snapshot", tmp_path / "data" / "victim.snapshot"]
    for victim in victims:
        victim.write_bytes(b"root:x:0:0")
    for method in ("GET", "DELETE"):
        response = filled.request(method, prefix + name)
        assert response.status_code in (400, 404), response.text
        assert "root:x" not in response.text
        assert set(response.json()) == {"status", "time"}
    assert all(v.read_bytes() == b"root:x:0:0" for v in victims)
    assert len(ok(filled.get("/collections/c/snapshots"))) == 1


def test_a_dot_dot_name_is_400(filled: TestClient) -> None:
    message = error(filled.get("/collections/c/snapshots/%2E%2E"), 400)
    assert message == "Wrong input: snapshot name '..' must be a plain file name"


# ----------------------------------------------------------------------------- shards


def test_shard_zero_snapshots(filled: TestClient, engine: Engine) -> None:
    described = ok(filled.post("/collections/c/shards/0/snapshots"))
    assert described["name"].startswith("c-shard-0-")
    assert ok(filled.get("/collections/c/shards/0/snapshots")) == [described]
    assert ok(filled.get("/collections/c/snapshots")) == []
    content = filled.get(f"/collections/c/shards/0/snapshots/{described['name']}").content
    assert hashlib.sha256(content).hexdigest() == described["checksum"]
    before = scroll(filled, "c")
    ok(filled.post("/collections/c/points/delete?wait=true", json={"points": [1, 2]}))
    body = {"location": described["name"], "checksum": described["checksum"]}
    assert ok(filled.put("/collections/c/shards/0/snapshots/recover", json=body)) is True
    assert scroll(filled, "c") == before
    ok(filled.post("/collections/c/points/delete?wait=true", json={"points": [1]}))
    upload = filled.post(
        "/collections/c/shards/0/snapshots/upload", files={"snapshot": ("s", content)}
    )
    assert ok(upload) is True
    assert scroll(filled, "c") == before
    # shard recovery needs the collection
    message = error(
        filled.post(
            "/collections/new/shards/0/snapshots/upload", files={"snapshot": ("s", content)}
        ),
        404,
    )
    assert message == "Not found: Collection `new` doesn't exist!"
    assert ok(filled.delete(f"/collections/c/shards/0/snapshots/{described['name']}")) is True
    assert ok(filled.get("/collections/c/shards/0/snapshots")) == []


@pytest.mark.parametrize(
    ("method", "suffix", "kwargs"),
    [
        ("POST", "", {}),
        ("GET", "", {}),
        ("GET", "/x.snapshot", {}),
        ("DELETE", "/x.snapshot", {}),
        ("PUT", "/recover", {"json": {"location": "x.snapshot"}}),
        ("POST", "/upload", {"files": {"snapshot": ("s", b"x")}}),
    ],
)
def test_other_shards_do_not_exist(
    filled: TestClient, method: str, suffix: str, kwargs: dict[str, Any]
) -> None:
    message = error(
        filled.request(method, f"/collections/c/shards/1/snapshots{suffix}", **kwargs), 404
    )
    assert message.startswith("Not found: Shard 1 of collection c does not exist")
    assert "unsigned integer" in error(
        filled.request(method, f"/collections/c/shards/x/snapshots{suffix}", **kwargs), 400
    )
