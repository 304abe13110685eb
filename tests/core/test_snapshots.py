"""Snapshots in the core: the archive round trip, checksums, names, full snapshots."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import shutil
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config, search

from vectorizer import BadRequest, Engine, Locked, NotFound
from vectorizer.config_json import (
    config_to_dict,
)
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.host.settings import load_settings
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    CreateAlias,
    Datatype,
    Distance,
    PointStruct,
    VectorParams,
    WithPayload,
    WithVectors,
)
from vectorizer.snapshots import FORMAT, MANIFEST, Snapshots, sha256_file
from vectorizer.storage.memory import MemoryStore

UID = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"

# every vector kind the core stores today: dense vectors of each datatype and distance,
# unnamed or named, and points holding only some of the named vectors
NAMED = {
    "f32": VectorParams(size=4, distance=Distance.COSINE),
    "f16": VectorParams(size=3, distance=Distance.EUCLID, datatype=Datatype.FLOAT16),
    "u8": VectorParams(size=5, distance=Distance.DOT, datatype=Datatype.UINT8),
    "man": VectorParams(size=2, distance=Distance.MANHATTAN, on_disk=True),
}


def _named_config() -> CollectionConfig:
    return CollectionConfig(params=CollectionParams(vectors=dict(NAMED)))


def _fill(engine: Engine) -> None:
    """Two collections with every vector kind, payloads, payload indexes and aliases."""
    rng = np.random.default_rng(7)
    engine.create_collection("named", _named_config())
    named = engine.get_collection("named")
    points = []
    for i in range(40):
        vectors: dict[str, Any] = {
            "f32": rng.normal(size=4),
            "f16": rng.normal(size=3),
            "u8": rng.integers(0, 256, size=5),
        }
        if i % 3:
            vectors["man"] = rng.normal(size=2)
        payload = {"n": i, "tag": f"t{i % 4}", "nested": {"xs": [i, i + 1], "ok": i % 2 == 0}}
        points.append(
            PointStruct(
                id=i if i % 5 else str(uuid.UUID(int=i + 1)), vectors=vectors, payload=payload
            )
        )
    points.append(PointStruct(id=UID, vectors={"f32": [1, 2, 3, 4]}, payload=None))
    points.append(PointStruct(id=2**64 - 1, vectors={"u8": [0, 1, 2, 3, 255]}, payload={}))
    named.upsert(points)
    named.set_payload({"late": True}, ids=[1, 2])  # a later version for some points
    named.delete([3])
    named.create_field_index("tag", "keyword")
    named.create_field_index("n", {"type": "integer", "lookup": False, "range": True})
    engine.create_collection("plain", make_config(size=3, distance=Distance.DOT))
    engine.get_collection("plain").upsert(
        [PointStruct(id=i, vectors={"": [i, -i, 0.5]}, payload={"i": i}) for i in range(5)]
    )
    engine.update_aliases(
        [CreateAlias("named", "main"), CreateAlias("named", "other"), CreateAlias("plain", "p")]
    )


def _state(engine: Engine, name: str) -> dict[str, Any]:
    """Everything a snapshot must bring back, in comparable form."""
    collection = engine.get_collection(name)
    page = collection.scroll(None, 10_000, WithPayload(enabled=True), WithVectors(enabled=True))
    points = [
        (
            r.id,
            type(r.id).__name__,
            r.payload,
            {k: v.tolist() for k, v in sorted((r.vectors or {}).items())},
        )
        for r in page.points
    ]
    info = collection.info()
    return {
        "points": points,
        "config": config_to_dict(collection.config),
        "payload_schema": info.payload_schema,
        "vectors_count": info.vectors_count,
        "aliases": engine.list_aliases(name),
    }


def _search(engine: Engine, name: str, using: str, vector: list[float]) -> list[Any]:
    found = search(engine.get_collection(name), np.asarray(vector), using=using, limit=5)
    return [(p.id, round(p.score, 5)) for p in found]


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Engine]:
    with Engine.open(tmp_path / "source") as engine:
        _fill(engine)
        yield engine


# ----------------------------------------------------------------------------- round trip


def test_collection_round_trip_on_a_fresh_engine(source: Engine, tmp_path: Path) -> None:
    snapshots = source.snapshots
    assert isinstance(snapshots, Snapshots) and snapshots.engine is source
    described = snapshots.create("main")  # an alias names the collection it points at
    assert described.name.startswith("named-") and described.name.endswith(".snapshot")
    path = snapshots.path("named", described.name)
    assert path.parent == tmp_path / "source" / "snapshots" / "named"
    assert described.size == path.stat().st_size
    assert described.checksum == sha256_file(path)
    assert (path.parent / f"{described.name}.checksum").read_text() == described.checksum
    assert snapshots.list_snapshots("named") == [described]

    with Engine.open(tmp_path / "fresh") as fresh:
        fresh.snapshots.recover("named", path, described.checksum)
        assert _state(fresh, "named") == _state(source, "named")
        assert fresh.list_aliases() == [("main", "named"), ("other", "named")]
        for using, vector in [("f32", [1, 0, 0, 1]), ("f16", [0.1, 0.2, 0.3]), ("u8", [1] * 5)]:
            assert _search(fresh, "named", using, vector) == _search(source, "named", using, vector)
        # payload indexes answer filters
        flt = Filter(must=(MatchValue("tag", "t1"),))
        assert fresh.get_collection("named").count(flt) == source.get_collection("named").count(flt)
        # operation ids go on above every recovered version
        result = fresh.get_collection("named").upsert(
            [PointStruct(id=500, vectors={"f32": [1] * 4})]
        )
        assert result.operation_id >= source.get_collection("named").next_operation_id
        expected = _state(fresh, "named")

    with Engine.open(tmp_path / "fresh") as reopened:  # the recovered data is durable
        assert _state(reopened, "named") == expected


def test_snapshot_files_are_a_tar_with_a_manifest(source: Engine) -> None:
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        assert sorted(tar.getnames()) == sorted([MANIFEST, "collections/0/points.bin"])
    assert manifest["format"] == FORMAT and manifest["format_version"] == 1
    assert manifest["kind"] == "collection"
    (entry,) = manifest["collections"]
    assert entry["name"] == "plain" and entry["points"] == 5 and entry["aliases"] == ["p"]
    assert entry["config"] == config_to_dict(source.get_collection("plain").config)


def test_full_snapshot_brings_everything_back(source: Engine, tmp_path: Path) -> None:
    snapshots = source.snapshots
    described = snapshots.create_full()
    assert described.name.startswith("full-snapshot-")
    assert snapshots.list_full() == [described]
    path = snapshots.full_path(described.name)
    assert path.parent == tmp_path / "source" / "snapshots"
    with Engine.open(tmp_path / "fresh") as fresh:
        names = fresh.snapshots.recover_full(path, described.checksum)
        assert sorted(names) == ["named", "plain"]
        assert sorted(fresh.list_collections()) == ["named", "plain"]
        assert fresh.list_aliases() == source.list_aliases()
        for name in names:
            assert _state(fresh, name) == _state(source, name)
    with Engine.open(tmp_path / "third") as third:  # one collection out of a full snapshot
        third.snapshots.recover("plain", path)
        assert third.list_collections() == ["plain"]
        assert _state(third, "plain") == _state(source, "plain")
        with pytest.raises(BadRequest, match="the snapshot holds no collection 'copy'"):
            third.snapshots.recover("copy", path)
    assert snapshots.delete_full(described.name) is True
    assert snapshots.list_full() == []
    assert not path.exists() and not Path(f"{path}.checksum").exists()
    with pytest.raises(NotFound):
        snapshots.delete_full(described.name)


def test_recover_replaces_an_existing_collection_and_keeps_its_aliases(
    source: Engine, tmp_path: Path
) -> None:
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    before = _state(source, "plain")
    plain = source.get_collection("plain")
    plain.upsert([PointStruct(id=99, vectors={"": [1, 1, 1]})])
    plain.delete([0, 1])
    source.update_aliases([CreateAlias("plain", "later")])
    snapshots.recover("plain", path)
    after = _state(source, "plain")
    assert after["points"] == before["points"]
    assert after["aliases"] == [("later", "plain"), ("p", "plain")]
    assert source.get_collection("plain") is not plain and plain.dropped


def test_recover_refuses_different_vectors_and_changes_nothing(source: Engine) -> None:
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    before = _state(source, "named")
    with pytest.raises(BadRequest, match="Snapshot is not compatible with existing collection"):
        snapshots.recover("named", path)
    assert _state(source, "named") == before


def test_snapshot_aliases_never_steal(source: Engine, tmp_path: Path) -> None:
    """A snapshot alias already pointing at another collection stays where it is."""
    snapshots = source.snapshots
    path = snapshots.path("named", snapshots.create("named").name)
    source.update_aliases([CreateAlias("plain", "main")])  # re-point `main`
    snapshots.recover("named_copy", path)
    assert dict(source.list_aliases()) == {"main": "plain", "other": "named", "p": "plain"}


def test_memory_store_snapshots(tmp_path: Path) -> None:
    with Engine.open(tmp_path / "mem", storage="memory") as engine:
        assert engine.snapshots.root == tmp_path / "mem" / "snapshots"
        _fill(engine)
        described = engine.snapshots.create("named")
        path = engine.snapshots.path("named", described.name)
        with Engine.open(tmp_path / "other", storage="memory") as other:
            other.snapshots.recover("named", path)
            assert _state(other, "named") == _state(engine, "named")
    bare = Engine(MemoryStore())  # no data dir: snapshots go to a temporary folder
    try:
        bare.create_collection("c", make_config())
        snapshots = bare.snapshots
        assert snapshots.root.is_dir()
        described = snapshots.create("c")
        assert snapshots.list_snapshots("c") == [described]
    finally:
        bare.close()
        shutil.rmtree(bare.snapshots.root)


def test_the_engine_owns_its_snapshots(tmp_path: Path) -> None:
    """Built in the constructor with its directory; it does not keep the engine alive."""
    import gc
    import weakref

    engine = Engine(MemoryStore(), snapshots_dir=tmp_path / "snaps")
    assert engine.snapshots.engine is engine
    assert engine.snapshots.root == tmp_path / "snaps" and not engine.snapshots.root.exists()
    engine.create_collection("c", make_config())
    assert (tmp_path / "snaps" / "c" / engine.snapshots.create("c").name).is_file()
    engine.close()
    gone = weakref.ref(engine)
    del engine
    gc.collect()
    assert gone() is None


def test_empty_collection_round_trip(engine: Engine, tmp_path: Path) -> None:
    engine.create_collection("empty", make_config())
    snapshots = engine.snapshots
    path = snapshots.path("empty", snapshots.create("empty").name)
    snapshots.recover("again", path)
    assert engine.get_collection("again").count() == 0
    assert (
        engine.get_collection("again").config.params == engine.get_collection("empty").config.params
    )


# ----------------------------------------------------------------------------- checksums, files


def test_checksum_mismatch_changes_nothing(source: Engine) -> None:
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    source.get_collection("plain").upsert([PointStruct(id=42, vectors={"": [4, 2, 0]})])
    before = _state(source, "plain")
    with pytest.raises(BadRequest, match=r"Snapshot checksum mismatch: expected 0{64}, got"):
        snapshots.recover("plain", path, "0" * 64)
    with pytest.raises(BadRequest, match="SHA-256"):
        snapshots.recover("plain", path, "not-a-sha")
    assert _state(source, "plain") == before
    snapshots.recover("plain", path, sha256_file(path).upper())  # any case
    assert 42 not in [p[0] for p in _state(source, "plain")["points"]]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"not a tar archive at all" * 100,
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(b'"format_version": 1', b'"format_version": 9'),
    ],
    ids=["garbage", "truncated", "future-version"],
)
def test_damaged_files_are_refused_before_anything_changes(
    source: Engine, tmp_path: Path, damage: Any
) -> None:
    snapshots = source.snapshots
    path = snapshots.path("named", snapshots.create("named").name)
    broken = tmp_path / "broken.snapshot"
    broken.write_bytes(damage(path.read_bytes()))
    before = _state(source, "named")
    with pytest.raises(BadRequest, match="Not a valid Vectorizer snapshot"):
        snapshots.recover("named", broken)
    assert _state(source, "named") == before
    assert "named" in source.list_collections()


def test_a_point_that_does_not_fit_the_config_is_refused(source: Engine, tmp_path: Path) -> None:
    """Vectors are checked against the manifest's config before anything is written."""
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        points = tar.extractfile("collections/0/points.bin").read()  # type: ignore[union-attr]
    manifest["collections"][0]["config"]["params"]["vectors"][""]["size"] = 4
    forged = tmp_path / "forged.snapshot"
    with tarfile.open(forged, "w") as tar:
        for name, data in [
            (MANIFEST, json.dumps(manifest).encode()),
            ("collections/0/points.bin", points),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BadRequest, match="vector '' has 12 bytes"):
        snapshots.recover("forged", forged)
    assert "forged" not in source.list_collections()


@pytest.mark.parametrize("bad", ["../x.snapshot", "..", ".", "a/b.snapshot", "x\x00.snapshot", ""])
def test_bad_snapshot_names_are_400(source: Engine, bad: str) -> None:
    snapshots = source.snapshots
    snapshots.create("plain")
    for attempt in (
        lambda: snapshots.path("plain", bad),
        lambda: snapshots.delete("plain", bad),
        lambda: snapshots.full_path(bad),
        lambda: snapshots.delete_full(bad),
    ):
        with pytest.raises(BadRequest, match="must be a plain file name"):
            attempt()


def test_names_never_leave_the_folder(source: Engine, tmp_path: Path) -> None:
    snapshots = source.snapshots
    described = snapshots.create("plain")
    folder = snapshots.folder("plain")
    outside = tmp_path / "outside.snapshot"
    outside.write_bytes(b"secret")
    (folder / "link.snapshot").symlink_to(outside)
    for name in ("link.snapshot", f"{described.name}.checksum", "missing.snapshot"):
        with pytest.raises(NotFound, match=f"Snapshot {name} does not exist"):
            snapshots.path("plain", name)
        with pytest.raises(NotFound):
            snapshots.delete("plain", name)
    assert outside.read_bytes() == b"secret"
    with pytest.raises(NotFound):  # a collection snapshot is not a full snapshot
        snapshots.full_path(described.name)
    # a collection called `..` exists, but has no snapshot folder outside the root
    source.create_collection("..", make_config())
    with pytest.raises(BadRequest, match=r"collection name '\.\.' must be a plain file name"):
        snapshots.create("..")


def test_snapshots_of_a_missing_collection_are_404(source: Engine) -> None:
    snapshots = source.snapshots
    for attempt in (
        lambda: snapshots.create("nope"),
        lambda: snapshots.list_snapshots("nope"),
        lambda: snapshots.path("nope", "x.snapshot"),
    ):
        with pytest.raises(NotFound, match="Collection `nope` doesn't exist"):
            attempt()


def test_names_within_one_second_do_not_collide(source: Engine) -> None:
    snapshots = source.snapshots
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(snapshots.create("plain").name))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 4
    assert sorted(d.name for d in snapshots.list_snapshots("plain")) == sorted(results)


def test_snapshot_view_holds_off_writes(source: Engine) -> None:
    """What a snapshot reads is one state: a write waits until the snapshot is taken."""
    plain = source.get_collection("plain")
    done = threading.Event()

    def write() -> None:
        plain.upsert([PointStruct(id=77, vectors={"": [7, 7, 7]})])
        done.set()

    with plain.snapshot_view() as (_config, _next_op, points):
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.2)
        assert not done.is_set()
        assert [p.id for p in points] == [0, 1, 2, 3, 4]
    writer.join(5)
    assert done.is_set() and plain.count() == 6


def test_recover_is_a_write(source: Engine) -> None:
    snapshots = source.snapshots
    path = snapshots.path("plain", snapshots.create("plain").name)
    source.set_write_lock(True, "maintenance")
    with pytest.raises(Locked, match="maintenance"):
        snapshots.recover("plain", path)


# ----------------------------------------------------------------------------- locations


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    seen_keys: list[str | None] = []

    def do_GET(self) -> None:
        self.seen_keys.append(self.headers.get("api-key"))
        data = self.files.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_files() -> Iterator[tuple[str, dict[str, bytes], list[str | None]]]:
    files: dict[str, bytes] = {}
    keys: list[str | None] = []
    handler = type("Handler", (_Handler,), {"files": files, "seen_keys": keys})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files, keys
    finally:
        server.shutdown()
        server.server_close()


def test_recover_from_file_and_http_urls(
    source: Engine, tmp_path: Path, http_files: tuple[str, dict[str, bytes], list[str | None]]
) -> None:
    snapshots = source.snapshots
    described = snapshots.create("plain")
    path = snapshots.path("plain", described.name)
    snapshots.recover_from_location("by_file", path.as_uri(), described.checksum)
    assert _state(source, "by_file")["points"] == _state(source, "plain")["points"]
    snapshots.recover_from_location("by_localhost", f"file://localhost{path}")
    assert source.get_collection("by_localhost").count() == 5

    base, files, keys = http_files
    files["/s.snapshot"] = path.read_bytes()
    snapshots.recover_from_location("by_http", f"{base}/s.snapshot", described.checksum, "k3y")
    assert _state(source, "by_http")["points"] == _state(source, "plain")["points"]
    assert keys == ["k3y"]
    assert not [p for p in snapshots.root.iterdir() if p.name.startswith(".download-")]
    with pytest.raises(BadRequest, match="status - 404"):
        snapshots.recover_from_location("nope", f"{base}/missing.snapshot")
    assert "nope" not in source.list_collections()


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("file:///no/such/file.snapshot", 'Snapshot file "/no/such/file.snapshot" does not exist'),
        ("file://elsewhere/x.snapshot", "file path must be absolute or on localhost"),
        ("ftp://host/x.snapshot", "with scheme ftp is not supported"),
        ("just-a-name.snapshot", "is not supported"),
        ("http://127.0.0.1:1/x.snapshot", "Failed to download snapshot"),
    ],
)
def test_bad_locations_are_400(source: Engine, location: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        source.snapshots.recover_from_location("c", location)


def test_shard_snapshots_live_apart_and_recover_in_place(source: Engine) -> None:
    snapshots = source.snapshots
    described = snapshots.create("plain", shard=0)
    assert described.name.startswith("plain-shard-0-")
    assert snapshots.list_snapshots("plain") == []
    assert snapshots.list_snapshots("plain", 0) == [described]
    before = _state(source, "plain")
    source.get_collection("plain").delete([0])
    snapshots.recover_from_location("plain", described.name, shard=0)  # a plain name
    assert _state(source, "plain") == before
    with pytest.raises(NotFound, match="Collection `gone` doesn't exist"):
        snapshots.recover_from_location(
            "gone", snapshots.path("plain", described.name, 0).as_uri(), shard=0
        )


# ----------------------------------------------------------------------------- settings


def test_snapshots_dir_setting(tmp_path: Path) -> None:
    assert load_settings({}, None, {}).snapshots_path == Path("vectorizer_data/snapshots")
    settings = load_settings({"data_dir": tmp_path / "d"}, None, {})
    assert (
        settings.snapshots_dir is None and settings.snapshots_path == tmp_path / "d" / "snapshots"
    )
    env = {"VECTORIZER_SNAPSHOTS_DIR": "/env/snaps"}
    assert load_settings({}, None, env).snapshots_path == Path("/env/snaps")
    config = tmp_path / "v.toml"
    config.write_text('snapshots_dir = "snaps"\n')
    assert load_settings({}, config, {}).snapshots_path == tmp_path / "snaps"
    cli = {"snapshots_dir": Path("/cli")}
    assert load_settings(cli, config, env).snapshots_path == Path("/cli")
    with Engine.open(tmp_path / "d", snapshots_dir=tmp_path / "elsewhere") as engine:
        engine.create_collection("c", make_config())
        described = engine.snapshots.create("c")
        assert (tmp_path / "elsewhere" / "c" / described.name).is_file()


def test_checksum_sidecar_matches(source: Engine) -> None:
    described = source.snapshots.create_full()
    path = source.snapshots.full_path(described.name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == described.checksum
