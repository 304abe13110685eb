"""Qdrant REST service endpoints: locks, metrics, telemetry, issues, cluster status."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from rest_helpers import build_app, create, error, ok, upsert

import vectorizer
from vectorizer import Engine

POINTS = [
    {"id": 1, "vector": [1, 0, 0, 0], "payload": {"a": 1}},
    {"id": 2, "vector": [0, 1, 0, 0]},
]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


# ----------------------------------------------------------------------------- locks


def test_locks_start_unlocked(client: TestClient) -> None:
    assert ok(client.get("/locks")) == {"write": False, "error_message": None}


def test_post_locks_returns_previous_state_and_sets_new(client: TestClient, engine: Engine) -> None:
    body = {"write": True, "error_message": "maintenance"}
    assert ok(client.post("/locks", json=body)) == {"write": False, "error_message": None}
    assert ok(client.get("/locks")) == body
    assert engine.write_lock == (True, "maintenance")
    assert ok(client.post("/locks", json={"write": False})) == body
    assert ok(client.get("/locks")) == {"write": False, "error_message": None}


def test_write_while_locked_is_403_and_data_is_intact(client: TestClient) -> None:
    create(client)
    upsert(client, POINTS)
    ok(client.post("/locks", json={"write": True, "error_message": "read only for now"}))

    body = {"points": [{"id": 3, "vector": [0, 0, 1, 0]}]}
    message = error(client.put("/collections/c/points?wait=true", json=body), 403)
    assert message == "Storage locked: read only for now"
    assert "read only for now" in error(client.delete("/collections/c"), 403)
    assert error(
        client.put("/collections/d", json={"vectors": {"size": 2, "distance": "Dot"}}), 403
    )

    # reads still work and nothing changed
    assert ok(client.get("/collections/c"))["points_count"] == 2
    assert error(client.get("/collections/c/points/3"), 404)
    assert ok(client.get("/collections/c/points/1"))["payload"] == {"a": 1}

    ok(client.post("/locks", json={"write": False, "error_message": None}))
    upsert(client, [{"id": 3, "vector": [0, 0, 1, 0]}])
    assert ok(client.get("/collections/c"))["points_count"] == 3


def test_locked_without_message_still_names_the_lock(client: TestClient) -> None:
    create(client)
    ok(client.post("/locks", json={"write": True}))
    message = error(client.put("/collections/c/points", json={"points": POINTS}), 403)
    assert message.startswith("Storage locked: ")


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"", 400), (b'{"error_message": "x"}', 422), (b'{"write": "yes"}', 422)],
)
def test_post_locks_bad_body(client: TestClient, body: bytes, status: int) -> None:
    error(client.post("/locks", content=body, headers={"content-type": "application/json"}), status)
    assert ok(client.get("/locks")) == {"write": False, "error_message": None}


# ----------------------------------------------------------------------------- metrics


def test_metrics_prometheus_text_with_real_counts(client: TestClient) -> None:
    create(client, "c")
    create(client, "empty", size=2)
    upsert(client, POINTS, "c")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    got = samples(response.text)
    app_labels = (("name", "qdrant"), ("version", vectorizer.QDRANT_VERSION))
    assert got[("app_info", app_labels)] == 1
    assert got[("vectorizer_info", (("version", vectorizer.__version__),))] == 1
    assert "# HELP app_info information about qdrant server" in response.text
    assert 'app_info{name="qdrant",version="' in response.text
    assert got[("cluster_enabled", ())] == 0
    assert got[("collections_total", ())] == 2
    assert got[("collections_vector_total", ())] == 2
    assert got[("collections_points_total", ())] == 2
    assert got[("collections_full_total", ())] == 0
    assert got[("collections_aggregated_total", ())] == 2
    assert got[("collection_points", (("collection", "c"),))] == 2
    assert got[("collection_points", (("collection", "empty"),))] == 0
    assert got[("collection_vectors", (("collection", "c"),))] == 2


def test_metrics_follow_changes(client: TestClient) -> None:
    assert samples(client.get("/metrics").text)[("collections_total", ())] == 0
    create(client)
    upsert(client, POINTS)
    got = samples(client.get("/metrics").text)
    assert got[("collections_total", ())] == 1
    assert got[("collection_points", (("collection", "c"),))] == 2
    ok(client.delete("/collections/c"))
    got = samples(client.get("/metrics").text)
    assert got[("collections_total", ())] == 0
    assert not any(name == "collection_points" for name, _ in got)


def test_metrics_anonymize_hides_collection_names(client: TestClient) -> None:
    create(client, "secret_name")
    text = client.get("/metrics?anonymize=true").text
    assert "secret_name" not in text
    got = samples(text)
    (labels,) = [labels for name, labels in got if name == "collection_points"]
    assert labels[0][0] == "collection" and labels[0][1] != "secret_name"
    assert "secret_name" in client.get("/metrics?anonymize=false").text


def test_metrics_bad_anonymize_is_400(client: TestClient) -> None:
    assert "anonymize" in error(client.get("/metrics?anonymize=maybe"), 400)


def test_metrics_use_a_registry_per_app(tmp_path: Path) -> None:
    """Two apps over two engines report their own collections; nothing global."""
    before = {m.name for m in REGISTRY.collect()}
    one, two = Engine.open(tmp_path / "one"), Engine.open(tmp_path / "two")
    try:
        with TestClient(build_app(one)) as c1, TestClient(build_app(two)) as c2:
            create(c1, "only_in_one")
            assert samples(c1.get("/metrics").text)[("collections_total", ())] == 1
            assert samples(c2.get("/metrics").text)[("collections_total", ())] == 0
            assert "only_in_one" not in c2.get("/metrics").text
    finally:
        one.close()
        two.close()
    assert {m.name for m in REGISTRY.collect()} == before


# ----------------------------------------------------------------------------- telemetry


def test_telemetry_default_level(client: TestClient) -> None:
    create(client)
    result = ok(client.get("/telemetry"))
    assert set(result) >= {"id", "app", "collections"}
    uuid.UUID(result["id"])
    assert result["app"]["name"] == "vectorizer"
    assert result["app"]["version"] == vectorizer.__version__
    assert result["app"]["startup"].endswith("Z")
    assert result["collections"] == {"number_of_collections": 1}
    assert result["cluster"] == {"enabled": False}
    # level 0 has Qdrant's sections only: no memory, no hardware
    assert set(result) == {"id", "app", "collections", "cluster", "requests"}
    # from level 1: no memory or hardware statistics are kept, null, not invented zeros
    detailed = ok(client.get("/telemetry", params={"details_level": 1}))
    assert detailed["memory"] is None
    assert detailed["hardware"] is None


def test_telemetry_counts_the_requests_answered(client: TestClient) -> None:
    create(client)
    for _ in range(3):
        client.get("/collections/c")
    client.get("/collections/missing")
    client.get("/no/such/path")
    rest = ok(client.get("/telemetry"))["requests"]["rest"]["responses"]
    found = rest["GET /collections/{name}"]  # Qdrant's route pattern
    assert found["200"]["count"] == 3 and found["200"]["fail_count"] == 0
    assert found["404"]["count"] == 1 and found["404"]["fail_count"] == 1
    stats = found["200"]
    assert 0 < stats["min_duration_micros"] <= stats["avg_duration_micros"]
    assert stats["avg_duration_micros"] <= stats["max_duration_micros"]
    assert stats["last_responded"].endswith("Z")
    assert rest["PUT /collections/{name}"]["200"]["count"] == 1
    assert not any("/no/such" in endpoint for endpoint in rest)  # not a route: not counted
    assert ok(client.get("/telemetry"))["requests"]["grpc"] == {"responses": {}}


def test_telemetry_id_is_stable_for_the_app(client: TestClient) -> None:
    assert ok(client.get("/telemetry"))["id"] == ok(client.get("/telemetry"))["id"]


def test_telemetry_details_list_collections_with_real_values(client: TestClient) -> None:
    create(client, "c", size=4, distance="Cosine")
    upsert(client, POINTS)
    result = ok(client.get("/telemetry?details_level=1&anonymize=true"))
    collections = result["collections"]
    assert collections["number_of_collections"] == 1
    (entry,) = collections["collections"]
    assert entry["vectors"] == 2
    assert entry["optimizers_status"] == "ok"
    assert entry["params"]["vectors"]["size"] == 4
    assert entry["params"]["vectors"]["distance"] == "Cosine"
    assert entry["params"] == ok(client.get("/collections/c"))["config"]["params"]


def test_telemetry_full_collection_form_from_level_2(client: TestClient, engine: Engine) -> None:
    """Qdrant's `CollectionTelemetry`: level 2 id, init time and config; level 3 adds the
    one local shard with the real counts (sizes it does not estimate are null)."""
    create(client, "c", size=4, distance="Cosine")
    upsert(client, POINTS)
    config = ok(client.get("/collections/c"))["config"]
    (full,) = ok(client.get("/telemetry?details_level=2"))["collections"]["collections"]
    assert set(full) == {"id", "init_time_ms", "config"}
    assert full["id"] == "c"
    assert full["init_time_ms"] == engine.get_collection("c").init_time_ms >= 0
    assert full["config"] == config
    anonymous = ok(client.get("/telemetry?details_level=2&anonymize=true"))
    assert anonymous["collections"]["collections"][0]["id"] != "c"
    (sharded,) = ok(client.get("/telemetry?details_level=3"))["collections"]["collections"]
    assert set(sharded) == {"id", "init_time_ms", "config", "shards", "transfers", "resharding"}
    (shard,) = sharded["shards"]
    assert (
        shard["id"] == 0
        and shard["remote"] == []
        and list(shard["replicate_states"].values()) == ["Active"]
    )
    local = shard["local"]
    assert (local["num_points"], local["num_vectors"], local["status"]) == (2, 2, "green")
    assert local["vectors_size_bytes"] is None and local["payloads_size_bytes"] is None
    assert local["optimizations"] == {"status": "ok", "optimizations": {"count": 0}}
    assert "segments" not in local


@pytest.mark.parametrize(
    "query", ["details_level=-1", "details_level=x", "anonymize=2", "anonymize=yes"]
)
def test_telemetry_bad_query_is_400(client: TestClient, query: str) -> None:
    assert "Query deserialize error" in error(client.get(f"/telemetry?{query}"), 400)


# ----------------------------------------------------------------------------- issues


def test_issues_are_empty_and_clearing_succeeds(client: TestClient) -> None:
    assert ok(client.get("/issues")) == {"issues": []}
    assert ok(client.delete("/issues")) is True
    assert ok(client.get("/issues")) == {"issues": []}


# ----------------------------------------------------------------------------- cluster


def test_cluster_is_disabled(client: TestClient) -> None:
    assert ok(client.get("/cluster")) == {"status": "disabled"}


def test_collection_cluster_info_is_one_local_shard(client: TestClient) -> None:
    create(client)
    upsert(client, POINTS)
    result = ok(client.get("/collections/c/cluster"))
    assert set(result) == {
        "peer_id",
        "shard_count",
        "local_shards",
        "remote_shards",
        "shard_transfers",
    }
    assert isinstance(result["peer_id"], int) and 0 <= result["peer_id"] < 2**64
    assert result["shard_count"] == 1
    assert result["local_shards"] == [{"shard_id": 0, "points_count": 2, "state": "Active"}]
    assert result["remote_shards"] == []
    assert result["shard_transfers"] == []
    create(client, "other")
    assert ok(client.get("/collections/other/cluster"))["peer_id"] == result["peer_id"]


def test_collection_cluster_info_unknown_collection_is_404(client: TestClient) -> None:
    assert "doesn't exist" in error(client.get("/collections/nope/cluster"), 404)


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("POST", "/cluster/recover", "recover_current_peer"),
        ("DELETE", "/cluster/peer/1", "remove_peer"),
        ("POST", "/collections/c/cluster", "update_collection_cluster"),
        ("PUT", "/collections/c/shards", "create_shard_key"),
        ("POST", "/collections/c/shards/delete", "delete_shard_key"),
    ],
)
def test_cluster_changes_stay_501(
    client: TestClient, method: str, url: str, operation: str
) -> None:
    create(client)
    assert operation in error(client.request(method, url, json={}), 501)
