"""Collections and aliases over the Qdrant REST API."""

from __future__ import annotations

from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert


def test_create_unnamed_collection_reports_qdrant_shaped_info(client: TestClient) -> None:
    create(client, "c", size=4, distance="Cosine")
    info = ok(client.get("/collections/c"))
    assert info["status"] == "green"
    assert info["optimizer_status"] == "ok"
    assert info["points_count"] == 0
    assert info["segments_count"] >= 1
    assert info["payload_schema"] == {}
    config = info["config"]
    assert config["params"]["vectors"] == {"size": 4, "distance": "Cosine"}
    assert config["params"]["shard_number"] == 1
    assert config["params"]["replication_factor"] == 1
    assert config["params"]["write_consistency_factor"] == 1
    assert config["params"]["on_disk_payload"] is True
    assert config["hnsw_config"] == {
        "m": 16,
        "ef_construct": 100,
        "full_scan_threshold": 10000,
        "max_indexing_threads": 0,
        "on_disk": False,
    }
    assert config["optimizer_config"]["indexing_threshold"] == 20000
    assert config["optimizer_config"]["deleted_threshold"] == 0.2
    assert config["wal_config"] == {"wal_capacity_mb": 32, "wal_segments_ahead": 0}
    assert config["quantization_config"] is None
    assert set(config) == {
        "params",
        "hnsw_config",
        "optimizer_config",
        "wal_config",
        "quantization_config",
        "strict_mode_config",
    }
    # settings stored without effect are named, never silently ignored
    assert isinstance(info["warnings"], list)
    messages = [w["message"] for w in info["warnings"]]
    assert any("on_disk_payload" in m for m in messages)


def test_create_named_collection_with_options(client: TestClient) -> None:
    body = {
        "vectors": {
            "image": {"size": 3, "distance": "Euclid", "hnsw_config": {"m": 8}},
            "text": {"size": 2, "distance": "Manhattan", "on_disk": True, "datatype": "float16"},
        },
        "hnsw_config": {"ef_construct": 64},
        "optimizers_config": {"indexing_threshold": 100, "max_optimization_threads": "auto"},
        "wal_config": {"wal_capacity_mb": 64},
        "on_disk_payload": False,
        "quantization_config": {"scalar": {"type": "int8"}},
    }
    assert ok(client.put("/collections/n", json=body)) is True
    info = ok(client.get("/collections/n"))
    config = info["config"]
    assert config["params"]["vectors"] == {
        "image": {"size": 3, "distance": "Euclid", "hnsw_config": {"m": 8}},
        "text": {"size": 2, "distance": "Manhattan", "on_disk": True, "datatype": "float16"},
    }
    assert config["params"]["on_disk_payload"] is False
    assert config["hnsw_config"]["ef_construct"] == 64
    assert config["hnsw_config"]["m"] == 16
    assert config["optimizer_config"]["indexing_threshold"] == 100
    assert config["optimizer_config"]["max_optimization_threads"] is None
    assert config["wal_config"]["wal_capacity_mb"] == 64
    assert config["quantization_config"] == {"scalar": {"type": "int8"}}
    messages = " | ".join(w["message"] for w in info["warnings"])
    assert "quantization" in messages
    assert "wal_config" in messages
    assert "Manhattan" in messages


def test_list_exists_delete(client: TestClient) -> None:
    create(client, "a")
    create(client, "b")
    names = {c["name"] for c in ok(client.get("/collections"))["collections"]}
    assert names == {"a", "b"}
    assert ok(client.get("/collections/a/exists")) == {"exists": True}
    assert ok(client.get("/collections/zzz/exists")) == {"exists": False}
    assert ok(client.delete("/collections/a")) is True
    assert ok(client.get("/collections")) == {"collections": [{"name": "b"}]}


def test_bad_collection_name_is_400(client: TestClient) -> None:
    body = {"vectors": {"size": 2, "distance": "Dot"}}
    assert "collection name" in error(client.put("/collections/a:b", json=body), 400)


def test_collection_without_vectors(client: TestClient) -> None:
    assert ok(client.put("/collections/empty", json={})) is True
    assert ok(client.get("/collections/empty"))["config"]["params"]["vectors"] == {}


def test_update_collection(client: TestClient) -> None:
    create(client, "c", size=2)
    body = {
        "optimizers_config": {"indexing_threshold": 50},
        "hnsw_config": {"m": 32},
        "params": {"on_disk_payload": False},
        "vectors": {"": {"hnsw_config": {"ef_construct": 200}}},
    }
    assert ok(client.patch("/collections/c", json=body)) is True
    config = ok(client.get("/collections/c"))["config"]
    assert config["optimizer_config"]["indexing_threshold"] == 50
    assert config["hnsw_config"]["m"] == 32
    assert config["params"]["on_disk_payload"] is False
    assert config["params"]["vectors"]["hnsw_config"] == {"ef_construct": 200}


def test_update_collection_quantization_and_disable(client: TestClient) -> None:
    create(client, "c", size=2)
    body = {"quantization_config": {"scalar": {"type": "int8"}}}
    ok(client.patch("/collections/c", json=body))
    assert (
        ok(client.get("/collections/c"))["config"]["quantization_config"]
        == body["quantization_config"]
    )
    ok(client.patch("/collections/c", json={"quantization_config": "Disabled"}))
    assert ok(client.get("/collections/c"))["config"]["quantization_config"] is None


def test_update_collection_validation(client: TestClient) -> None:
    create(client, "c", size=2)
    message = error(client.patch("/collections/c", json={"hnsw_config": {"m": -1}}), 422)
    assert "hnsw_config.m" in message
    message = error(client.patch("/collections/c", json={"sparse_vectors": {"s": {}}}), 400)
    assert "Not existing vector name error: s" in message
    message = error(
        client.patch("/collections/c", json={"vectors": {"other": {"on_disk": True}}}), 400
    )
    assert "other" in message


def test_aliases(client: TestClient) -> None:
    create(client, "c", size=2)
    create(client, "d", size=2)
    upsert(client, [{"id": 1, "vector": [1, 0]}], name="c")
    actions = {
        "actions": [
            {"create_alias": {"collection_name": "c", "alias_name": "alpha"}},
            {"create_alias": {"collection_name": "d", "alias_name": "delta"}},
        ]
    }
    assert ok(client.post("/collections/aliases", json=actions)) is True
    assert ok(client.get("/aliases")) == {
        "aliases": [
            {"alias_name": "alpha", "collection_name": "c"},
            {"alias_name": "delta", "collection_name": "d"},
        ]
    }
    assert ok(client.get("/collections/c/aliases")) == {
        "aliases": [{"alias_name": "alpha", "collection_name": "c"}]
    }
    # an alias reaches the collection
    assert ok(client.get("/collections/alpha"))["points_count"] == 1
    assert ok(client.get("/collections/alpha/points/1"))["id"] == 1
    assert ok(client.get("/collections/alpha/exists")) == {"exists": True}
    rename = {"actions": [{"rename_alias": {"old_alias_name": "alpha", "new_alias_name": "beta"}}]}
    assert ok(client.post("/collections/aliases", json=rename)) is True
    delete = {"actions": [{"delete_alias": {"alias_name": "delta"}}]}
    assert ok(client.post("/collections/aliases", json=delete)) is True
    assert ok(client.get("/aliases")) == {
        "aliases": [{"alias_name": "beta", "collection_name": "c"}]
    }


def test_alias_actions_are_atomic(client: TestClient) -> None:
    create(client, "c", size=2)
    actions = {
        "actions": [
            {"create_alias": {"collection_name": "c", "alias_name": "ok"}},
            {"delete_alias": {"alias_name": "missing"}},
        ]
    }
    error(client.post("/collections/aliases", json=actions), 404)
    assert ok(client.get("/aliases")) == {"aliases": []}


def test_alias_action_needs_exactly_one_kind(client: TestClient) -> None:
    body = {
        "actions": [
            {
                "create_alias": {"collection_name": "c", "alias_name": "a"},
                "delete_alias": {"alias_name": "a"},
            }
        ]
    }
    message = error(client.post("/collections/aliases", json=body), 422)
    assert "actions[0]" in message
    message = error(client.post("/collections/aliases", json={"actions": [{}]}), 422)
    assert "actions[0]" in message
