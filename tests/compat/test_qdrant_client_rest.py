"""The official qdrant-client over REST, compared call by call with its local mode."""

from __future__ import annotations

import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
from compat_helpers import (
    CLIENT_VERSION,
    ThreadedServer,
    client_is_compatible,
    connect,
    has_version_check,
    http_operation,
    version_tuple,
)
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

import vectorizer

DISTANCES = [
    models.Distance.COSINE,
    models.Distance.DOT,
    models.Distance.EUCLID,
    models.Distance.MANHATTAN,
]
DIM = 16
RNG = np.random.default_rng(42)
DATA = RNG.normal(size=(60, DIM)).astype(np.float32)
QUERIES = RNG.normal(size=(5, DIM)).astype(np.float32)
UUIDS = [str(uuid.UUID(int=int(RNG.integers(1, 2**62)) * 7919)) for _ in range(20)]


def point_id(i: int) -> int | str:
    """Even rows get int ids, odd rows UUIDs (mixing both kinds in one collection)."""
    return i * 3 if i % 2 == 0 else UUIDS[i // 2 % len(UUIDS)] if i < 40 else i * 3 + 1


def make_points(n: int = 40) -> list[models.PointStruct]:
    return [
        models.PointStruct(
            id=point_id(i),
            vector=DATA[i].tolist(),
            payload={"i": i, "tag": ["a", "b", "c"][i % 3], "nested": {"x": i * 0.5}},
        )
        for i in range(n)
    ]


def both(
    remote: QdrantClient, local: QdrantClient, call: Callable[..., Any], *args: Any
) -> tuple[Any, Any]:
    """`call(client, *args)` against our server and against local mode."""
    return call(remote, *args), call(local, *args)


def setup(
    remote: QdrantClient,
    local: QdrantClient,
    distance: models.Distance = models.Distance.COSINE,
    name: str = "c",
    n: int = 40,
) -> None:
    for client in (remote, local):
        assert client.create_collection(
            name, vectors_config=models.VectorParams(size=DIM, distance=distance)
        )
        result = client.upsert(name, points=make_points(n), wait=True)
        assert result.status == models.UpdateStatus.COMPLETED


def assert_records_equal(ours: list[Any], theirs: list[Any]) -> None:
    assert [r.id for r in ours] == [r.id for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert type(a.id) is type(b.id)
        assert a.payload == b.payload
        if b.vector is None:
            assert a.vector is None
        elif isinstance(b.vector, dict):
            assert set(a.vector) == set(b.vector)
            for name in b.vector:
                np.testing.assert_allclose(a.vector[name], b.vector[name], atol=1e-5)
        else:
            np.testing.assert_allclose(a.vector, b.vector, atol=1e-5)


def assert_scored_equal(ours: list[Any], theirs: list[Any]) -> None:
    assert [p.id for p in ours] == [p.id for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-4)
        assert a.payload == b.payload


# ----------------------------------------------------------------------------- service


def test_client_version_check_passes(remote: QdrantClient) -> None:
    info = remote.info()
    assert info.version == vectorizer.QDRANT_VERSION
    assert info.title == "qdrant - vector search engine"  # Qdrant's VersionInfo, as given


def test_version_check_warns_exactly_outside_one_minor(server: ThreadedServer) -> None:
    """Our server reports Qdrant 1.19.x: like a real Qdrant 1.19, clients 1.18-1.20 accept
    it silently and others warn (qdrant-client before 1.13 has no version check at all)."""
    assert vectorizer.QDRANT_VERSION.startswith("1.19.")
    versions = ("1.15.1", "1.17.0", "1.18.0", "1.19.2", "1.20.0", "1.21.0")
    assert [client_is_compatible(v) for v in versions] == [False, False, True, True, True, False]
    client, caught = connect(server.url, check=True)
    client.close()
    incompatible = [m for m in caught if "is incompatible with server version" in m]
    assert not [m for m in caught if "Failed to obtain server version" in m]
    if not has_version_check():
        assert version_tuple(CLIENT_VERSION) < (1, 13)
        assert caught == []
    elif client_is_compatible():
        assert caught == []
    else:
        assert len(incompatible) == 1, caught
        assert f"Qdrant client version {CLIENT_VERSION} " in incompatible[0]
        assert f"server version {vectorizer.QDRANT_VERSION}" in incompatible[0]
    if has_version_check():
        client, caught = connect(server.url, check=False)
        client.close()
        assert caught == []


@pytest.mark.parametrize(
    "plugin", ["vectorizer_qdrant_rest", "vectorizer_qdrant_grpc", "vectorizer_api"]
)
def test_server_plugins_import_with_this_client(plugin: str) -> None:
    """The server runs in the same environment as the client under test, and the gRPC
    plugin takes its messages from `qdrant_client.grpc`: it must import with every version."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {plugin}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{plugin} with qdrant-client {CLIENT_VERSION}:\n{done.stderr}"


# ----------------------------------------------------------------------------- collections


@pytest.mark.parametrize("distance", DISTANCES)
def test_create_collection_and_get_collection(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote, local, distance)
    ours, theirs = both(remote, local, lambda c: c.get_collection("c"))
    assert ours.status == models.CollectionStatus.GREEN
    assert ours.points_count == theirs.points_count == 40
    assert ours.config.params.vectors == theirs.config.params.vectors
    assert ours.config.params.vectors == models.VectorParams(size=DIM, distance=distance)
    assert ours.config.params.shard_number == 1
    assert ours.config.hnsw_config.m == 16
    assert ours.config.hnsw_config.ef_construct == 100
    assert ours.config.optimizer_config.indexing_threshold == 20000
    assert ours.config.wal_config is not None
    assert ours.payload_schema == {}
    assert ours.optimizer_status == models.OptimizersStatusOneOf.OK


def test_collection_listing_exists_and_delete(remote: QdrantClient, local: QdrantClient) -> None:
    for client in (remote, local):
        for name in ("one", "two"):
            client.create_collection(
                name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
            )
    ours, theirs = both(
        remote, local, lambda c: sorted(x.name for x in c.get_collections().collections)
    )
    assert ours == theirs == ["one", "two"]
    assert both(remote, local, lambda c: c.collection_exists("one")) == (True, True)
    assert both(remote, local, lambda c: c.collection_exists("nope")) == (False, False)
    assert both(remote, local, lambda c: c.delete_collection("one")) == (True, True)
    assert both(remote, local, lambda c: c.collection_exists("one")) == (False, False)


def test_named_vectors_collection(remote: QdrantClient, local: QdrantClient) -> None:
    config = {
        "img": models.VectorParams(size=DIM, distance=models.Distance.DOT),
        "txt": models.VectorParams(size=4, distance=models.Distance.EUCLID),
    }
    points = [
        models.PointStruct(
            id=i, vector={"img": DATA[i].tolist(), "txt": DATA[i, :4].tolist()}, payload={"i": i}
        )
        for i in range(30)
    ]
    for client in (remote, local):
        client.create_collection("n", vectors_config=config)
        client.upsert("n", points=points)
    ours, theirs = both(remote, local, lambda c: c.get_collection("n"))
    assert ours.config.params.vectors == theirs.config.params.vectors
    ours, theirs = both(
        remote, local, lambda c: c.retrieve("n", [0, 5], with_vectors=True, with_payload=True)
    )
    assert_records_equal(ours, theirs)
    ours, theirs = both(
        remote, local, lambda c: c.retrieve("n", [3], with_vectors=["txt"], with_payload=False)
    )
    assert_records_equal(ours, theirs)
    for using, query in (("img", QUERIES[0].tolist()), ("txt", QUERIES[0, :4].tolist())):
        ours, theirs = both(
            remote,
            local,
            lambda c, u, q: c.query_points("n", query=q, using=u, limit=7).points,
            using,
            query,
        )
        assert_scored_equal(ours, theirs)


def test_update_collection(remote: QdrantClient) -> None:
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
    )
    assert remote.update_collection(
        "c",
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1234),
        hnsw_config=models.HnswConfigDiff(ef_construct=64),
    )
    config = remote.get_collection("c").config
    assert config.optimizer_config.indexing_threshold == 1234
    assert config.hnsw_config.ef_construct == 64


def test_aliases(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    actions = [
        models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name="c", alias_name="al")
        )
    ]
    assert both(remote, local, lambda c: c.update_collection_aliases(actions)) == (True, True)
    ours, theirs = both(remote, local, lambda c: c.get_aliases().aliases)
    assert ours == theirs
    ours, theirs = both(remote, local, lambda c: c.get_collection_aliases("c").aliases)
    assert ours == theirs
    ours, theirs = both(remote, local, lambda c: c.count("al").count)
    assert ours == theirs == 40
    rename = [
        models.RenameAliasOperation(
            rename_alias=models.RenameAlias(old_alias_name="al", new_alias_name="be")
        )
    ]
    both(remote, local, lambda c: c.update_collection_aliases(rename))
    ours, theirs = both(remote, local, lambda c: c.get_aliases().aliases)
    assert ours == theirs
    assert [a.alias_name for a in ours] == ["be"]


# ----------------------------------------------------------------------------- points


def test_upsert_and_retrieve_int_and_uuid_ids(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    ids = [point_id(i) for i in (0, 1, 2, 3, 17)] + [999_999]
    ours, theirs = both(
        remote, local, lambda c: c.retrieve("c", ids, with_payload=True, with_vectors=True)
    )
    assert_records_equal(
        sorted(ours, key=lambda r: str(r.id)), sorted(theirs, key=lambda r: str(r.id))
    )
    assert {type(r.id) for r in ours} == {int, str}
    ours, theirs = both(
        remote, local, lambda c: c.retrieve("c", ids[:3], with_payload=["tag"], with_vectors=False)
    )
    assert_records_equal(
        sorted(ours, key=lambda r: str(r.id)), sorted(theirs, key=lambda r: str(r.id))
    )


def test_upsert_batch_and_upload(remote: QdrantClient, local: QdrantClient) -> None:
    for client in (remote, local):
        client.create_collection(
            "c", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT)
        )
        client.upsert(
            "c",
            points=models.Batch(
                ids=[1, 2, 3],
                vectors=DATA[:3].tolist(),
                payloads=[{"k": 1}, {"k": 2}, {"k": 3}],
            ),
        )
        client.upload_collection(
            "c", vectors=DATA[3:50], ids=list(range(100, 147)), payload=None, batch_size=10
        )
    ours, theirs = both(remote, local, lambda c: c.scroll("c", limit=100, with_vectors=True)[0])
    assert len(ours) == 50
    assert_records_equal(ours, theirs)


def test_scroll_pagination(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    pages_ours: list[Any] = []
    pages_theirs: list[Any] = []
    for client, pages in ((remote, pages_ours), (local, pages_theirs)):
        offset = None
        while True:
            records, offset = client.scroll("c", limit=7, offset=offset, with_payload=True)
            pages.append((records, offset))
            if offset is None:
                break
    assert len(pages_ours) == len(pages_theirs) == 6
    for (ours, off_ours), (theirs, off_theirs) in zip(pages_ours, pages_theirs, strict=True):
        assert_records_equal(ours, theirs)
        assert off_ours == off_theirs


def test_count_and_delete(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    assert both(remote, local, lambda c: c.count("c").count) == (40, 40)
    selector = models.PointIdsList(points=[point_id(0), point_id(1), point_id(2)])
    ours, theirs = both(remote, local, lambda c: c.delete("c", points_selector=selector))
    assert ours.status == theirs.status == models.UpdateStatus.COMPLETED
    # Qdrant ignores unknown ids (local mode before qdrant-client 1.13 raises KeyError)
    unknown = models.PointIdsList(points=[point_id(0), 123456])
    assert remote.delete("c", points_selector=unknown).status == models.UpdateStatus.COMPLETED
    assert both(remote, local, lambda c: c.count("c", exact=True).count) == (37, 37)
    ours, theirs = both(remote, local, lambda c: c.scroll("c", limit=100)[0])
    assert_records_equal(ours, theirs)


def test_payload_operations(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    ids = [point_id(i) for i in range(4)]

    def state(c: QdrantClient) -> list[Any]:
        return sorted(c.retrieve("c", ids, with_payload=True), key=lambda r: str(r.id))

    steps: list[Callable[[QdrantClient], Any]] = [
        lambda c: c.set_payload("c", payload={"new": 1, "tag": "z"}, points=ids[:2]),
        lambda c: c.set_payload("c", payload={"deep": True}, points=ids[1:3], key="nested"),
        lambda c: c.overwrite_payload("c", payload={"only": "this"}, points=[ids[3]]),
        lambda c: c.delete_payload("c", keys=["tag", "new"], points=ids),
        lambda c: c.clear_payload("c", points_selector=models.PointIdsList(points=[ids[0]])),
    ]
    for step in steps:
        ours, theirs = both(remote, local, step)
        assert ours.status == theirs.status == models.UpdateStatus.COMPLETED
        assert_records_equal(state(remote), state(local))


def test_update_and_delete_vectors(remote: QdrantClient, local: QdrantClient) -> None:
    config = {
        "a": models.VectorParams(size=4, distance=models.Distance.DOT),
        "b": models.VectorParams(size=4, distance=models.Distance.EUCLID),
    }
    for client in (remote, local):
        client.create_collection("n", vectors_config=config)
        client.upsert(
            "n",
            points=[
                models.PointStruct(
                    id=i, vector={"a": DATA[i, :4].tolist(), "b": DATA[i, 4:8].tolist()}
                )
                for i in range(5)
            ],
        )
        client.update_vectors(
            "n", points=[models.PointVectors(id=1, vector={"b": [1.0, 2.0, 3.0, 4.0]})]
        )
        client.delete_vectors("n", vectors=["a"], points=[2, 3])
    ours, theirs = both(remote, local, lambda c: c.retrieve("n", list(range(5)), with_vectors=True))
    assert_records_equal(ours, theirs)


# ----------------------------------------------------------------------------- search


@pytest.mark.parametrize("distance", DISTANCES)
def test_query_points_matches_local_mode(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote, local, distance)
    for query in (q.tolist() for q in QUERIES):
        ours, theirs = both(
            remote,
            local,
            lambda c, q: c.query_points("c", query=q, limit=10, with_payload=True).points,
            query,
        )
        assert_scored_equal(ours, theirs)
        ours, theirs = both(
            remote,
            local,
            lambda c, q: (
                c.query_points(
                    "c", query=q, limit=5, offset=3, with_payload=False, with_vectors=True
                ).points
            ),
            query,
        )
        assert_scored_equal(ours, theirs)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a.vector, b.vector, atol=1e-5)


@pytest.mark.client_method("search", "search_batch")  # removed in qdrant-client 1.16
@pytest.mark.parametrize("distance", DISTANCES)
def test_deprecated_search_matches_local_mode(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote, local, distance)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for query in (q.tolist() for q in QUERIES):
            ours, theirs = both(
                remote,
                local,
                lambda c, q: c.search("c", query_vector=q, limit=8, with_payload=True),
                query,
            )
            assert_scored_equal(ours, theirs)
        requests = [models.SearchRequest(vector=q.tolist(), limit=4) for q in QUERIES]
        ours, theirs = both(remote, local, lambda c: c.search_batch("c", requests=requests))
        for a, b in zip(ours, theirs, strict=True):
            assert_scored_equal(a, b)


@pytest.mark.parametrize("distance", [models.Distance.COSINE, models.Distance.EUCLID])
def test_score_threshold_matches_local_mode(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote, local, distance)
    probe = local.query_points("c", query=QUERIES[0].tolist(), limit=40).points
    threshold = (probe[12].score + probe[13].score) / 2  # on no point's score: see below
    ours, theirs = both(
        remote,
        local,
        lambda c: (
            c.query_points(
                "c", query=QUERIES[0].tolist(), limit=40, score_threshold=threshold
            ).points
        ),
    )
    assert len(theirs) >= 12
    assert_scored_equal(ours, theirs)


def test_query_by_point_id_and_batch(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local, models.Distance.DOT)
    for pid in (point_id(0), point_id(1)):
        ours, theirs = both(
            remote, local, lambda c, p: c.query_points("c", query=p, limit=6).points, pid
        )
        assert pid not in [p.id for p in ours]
        assert_scored_equal(ours, theirs)
    requests = [
        models.QueryRequest(query=QUERIES[0].tolist(), limit=3, with_payload=True),
        models.QueryRequest(query=models.NearestQuery(nearest=QUERIES[1].tolist()), limit=5),
    ]
    ours, theirs = both(remote, local, lambda c: c.query_batch_points("c", requests=requests))
    for a, b in zip(ours, theirs, strict=True):
        assert_scored_equal(a.points, b.points)


@pytest.mark.parametrize(
    ("distance", "kept"),
    [(models.Distance.DOT, [2]), (models.Distance.EUCLID, [1]), (models.Distance.MANHATTAN, [1])],
)
def test_score_threshold_excludes_a_score_equal_to_it(
    remote: QdrantClient, distance: models.Distance, kept: list[int]
) -> None:
    """Qdrant keeps only scores strictly better than `score_threshold` (local mode agrees
    from qdrant-client 1.19, qdrant/qdrant-client#1386; before, it kept equal scores)."""
    remote.create_collection("c", vectors_config=models.VectorParams(size=2, distance=distance))
    vectors = {1: [0.0, 0.0], 2: [2.0, 0.0], 3: [1.0, 0.0]}  # exact scores: no rounding
    remote.upsert("c", points=[models.PointStruct(id=i, vector=v) for i, v in vectors.items()])
    query = [1.0, 0.0] if distance == models.Distance.DOT else [0.0, 0.0]
    hits = remote.query_points("c", query=query, score_threshold=1.0, limit=10).points
    assert [p.id for p in hits] == kept


# ----------------------------------------------------------------------------- the rest of the API


@pytest.mark.client_method("http.get_point")
def test_get_point_by_id(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    get_point = http_operation(remote, "get_point")
    for pid in (point_id(0), point_id(1), point_id(38)):
        ours = get_point("c", pid).result
        theirs = local.retrieve("c", [pid], with_payload=True, with_vectors=True)
        assert_records_equal([ours], theirs)
    with pytest.raises(UnexpectedResponse) as missing:
        get_point("c", 123456)
    assert missing.value.status_code == 404


def test_delete_payload_index(remote: QdrantClient) -> None:
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
    )
    for field, schema in (("tag", models.PayloadSchemaType.KEYWORD), ("n", "integer")):
        result = remote.create_payload_index("c", field, schema, wait=True)
        assert result.status == models.UpdateStatus.COMPLETED
    assert set(remote.get_collection("c").payload_schema) == {"tag", "n"}
    result = remote.delete_payload_index("c", "tag", wait=True)
    assert result.status == models.UpdateStatus.COMPLETED
    schema = remote.get_collection("c").payload_schema
    assert set(schema) == {"n"}
    assert schema["n"].data_type == models.PayloadSchemaType.INTEGER


@pytest.mark.client_method("lock_storage", "unlock_storage", "get_locks")  # gone in 1.16
def test_locks(remote: QdrantClient) -> None:
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    point = models.PointStruct(id=1, vector=[1.0, 2.0])
    try:
        before = remote.lock_storage("maintenance")
        assert before.write is False
        locks = remote.get_locks()
        assert locks.write is True
        assert locks.error_message == "maintenance"
        with pytest.raises(UnexpectedResponse) as locked:
            remote.upsert("c", points=[point])
        assert locked.value.status_code == 403
        assert b"maintenance" in locked.value.content
        assert remote.count("c").count == 0  # reads go on
    finally:
        after = remote.unlock_storage()
    assert after.write is True
    assert remote.get_locks().write is False
    assert remote.upsert("c", points=[point]).status == models.UpdateStatus.COMPLETED


@pytest.mark.client_method("http.telemetry")
def test_telemetry(remote: QdrantClient) -> None:
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    telemetry = http_operation(remote, "telemetry")()
    assert telemetry.status == "ok"
    assert telemetry.result.id
    assert telemetry.result.app.version


@pytest.mark.client_method("http.get_issues", "http.cluster_status", "http.collection_cluster_info")
def test_service_and_cluster_info(remote: QdrantClient, server: ThreadedServer) -> None:
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    remote.upsert("c", points=[models.PointStruct(id=1, vector=[1.0, 2.0], payload={"a": 1})])
    issues = http_operation(remote, "get_issues")()  # typed `object`: the raw envelope
    assert issues["result"] == {"issues": []}
    assert http_operation(remote, "cluster_status")().result.status == "disabled"
    cluster = http_operation(remote, "collection_cluster_info")("c").result
    assert cluster.shard_count == 1
    assert [(s.shard_id, s.points_count) for s in cluster.local_shards] == [(0, 1)]
    assert cluster.remote_shards == []
    # qdrant-client's generated methods for these JSON-decode the answer, which real Qdrant
    # (and Vectorizer) send as text, or, for DELETE /issues, type it as a bare boolean
    # where Qdrant sends its usual envelope: plain HTTP here, still checked by the spec
    with httpx.Client(base_url=server.url) as http:
        for path, text in (
            ("/healthz", "healthz check passed"),
            ("/livez", "healthz check passed"),
            ("/readyz", "all shards are ready"),
        ):
            answer = http.get(path)
            assert (answer.status_code, answer.text) == (200, text)
        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert 'app_info{name="qdrant"' in metrics.text
        assert "collections_total 1" in metrics.text
        cleared = http.delete("/issues")
        assert cleared.status_code == 200
        assert cleared.json()["result"] is True


# ----------------------------------------------------------------------------- errors


def test_errors_reach_the_client(remote: QdrantClient) -> None:
    with pytest.raises(UnexpectedResponse) as missing:
        remote.get_collection("nope")
    assert missing.value.status_code == 404
    remote.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
    )
    with pytest.raises(UnexpectedResponse) as dims:
        remote.upsert("c", points=[models.PointStruct(id=1, vector=[1.0, 2.0])])
    assert dims.value.status_code == 400
    assert b"expected dim: 4, got 2" in dims.value.content
    with pytest.raises(UnexpectedResponse) as exists:
        remote.create_collection(
            "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
        )
    assert exists.value.status_code == 409
    remote.create_payload_index("c", "tag", models.PayloadSchemaType.KEYWORD, wait=True)
    with pytest.raises(UnexpectedResponse) as bad_filter:
        remote.count(
            "c",
            count_filter=models.Filter(
                must=[
                    models.FieldCondition(
                        key="place",
                        geo_radius=models.GeoRadius(
                            center=models.GeoPoint(lon=0.0, lat=91.0), radius=10.0
                        ),
                    )
                ]
            ),
        )
    assert bad_filter.value.status_code == 400
    assert b"filter.must[0].geo_radius.center.lat" in bad_filter.value.content
