"""`GET /telemetry` from details level 4: the collection's one segment, as Qdrant's
`SegmentTelemetry`, checked against Qdrant's OpenAPI schema, with real measurements."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from litestar.testing import TestClient
from rest_helpers import create, ok, upsert

from vectorizer import Engine

REPO = Path(__file__).resolve().parents[3]
SPEC = Path(
    os.environ.get(
        "VECTORIZER_QDRANT_SPEC", REPO.parent / "shared" / "qdrant" / "openapi-v1.14.x.json"
    )
)


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: `nullable: true` beside a `type` admits null."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def validate(value: Any, schema_name: str) -> None:
    if not SPEC.exists():
        pytest.fail(f"Qdrant's OpenAPI spec not found at {SPEC}")
    components = _json_schema(json.loads(SPEC.read_text())["components"])
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    jsonschema.validate(value, schema, cls=jsonschema.Draft7Validator)


def _segment(client: TestClient, name: str = "c") -> dict[str, Any]:
    result = ok(client.get("/telemetry?details_level=4"))
    validate(result, "TelemetryData")
    (collection,) = [c for c in result["collections"]["collections"] if c["id"] == name]
    local = collection["shards"][0]["local"]
    (segment,) = local["segments"]
    assert set(segment) == {"info", "config", "vector_index_searches", "payload_field_indices"}
    assert local["vectors_size_bytes"] == segment["info"]["vectors_size_bytes"]
    return segment


def _counts(segment: dict[str, Any], name: str) -> dict[str, int]:
    (entry,) = [e for e in segment["vector_index_searches"] if e["index_name"] == name]
    return {k: v["count"] for k, v in entry.items() if k != "index_name" and v["count"]}


def test_level_4_reports_the_one_segment(client: TestClient) -> None:
    create(client, "c", size=4, distance="Cosine")
    points = [
        {"id": i, "vector": [1, i, 0, 1], "payload": {"k": f"v{i % 2}", "n": [i, i + 1]}}
        for i in range(6)
    ]
    upsert(client, points)
    ok(client.put("/collections/c/index", json={"field_name": "k", "field_schema": "keyword"}))
    ok(client.put("/collections/c/index", json={"field_name": "n", "field_schema": "integer"}))
    segment = _segment(client)
    info = segment["info"]
    assert info["segment_type"] == "plain" and info["is_appendable"] is True
    assert (info["num_points"], info["num_vectors"], info["num_deleted_vectors"]) == (6, 6, 0)
    assert info["vectors_size_bytes"] == 6 * 4 * 4
    assert info["payloads_size_bytes"] > 0 and info["disk_usage_bytes"] > 0
    assert info["ram_usage_bytes"] >= info["vectors_size_bytes"] + info["payloads_size_bytes"]
    assert info["vector_data"] == {
        "": {"num_vectors": 6, "num_indexed_vectors": 0, "num_deleted_vectors": 0}
    }
    assert info["index_schema"] == ok(client.get("/collections/c"))["payload_schema"]
    config = segment["config"]["vector_data"][""]
    assert (config["size"], config["distance"], config["storage_type"]) == (4, "Cosine", "Memory")
    assert config["index"] == {"type": "plain", "options": {}}
    assert segment["config"]["payload_storage_type"] == {"type": "in_memory"}
    indices = {i["field_name"]: i for i in segment["payload_field_indices"]}
    assert indices["k"] == {
        "field_name": "k",
        "index_type": "mutable_map",
        "points_values_count": 6,
        "points_count": 6,
    }
    assert (indices["n"]["points_count"], indices["n"]["points_values_count"]) == (6, 12)
    anonymous = ok(client.get("/telemetry?details_level=4&anonymize=true"))
    (collection,) = anonymous["collections"]["collections"]
    (seg,) = collection["shards"][0]["local"]["segments"]
    assert all(i["field_name"] is None for i in seg["payload_field_indices"])


def test_search_counters_move_with_each_kind_of_search(client: TestClient) -> None:
    body = {
        "vectors": {"d": {"size": 2, "distance": "Dot"}},
        "sparse_vectors": {"s": {}},
    }
    assert ok(client.put("/collections/c", json=body)) is True
    points = [
        {
            "id": i,
            "vector": {"d": [1, i], "s": {"indices": [1, 7], "values": [1, i]}},
            "payload": {"i": i},
        }
        for i in range(5)
    ]
    upsert(client, points)
    segment = _segment(client)
    assert _counts(segment, "d") == {} and _counts(segment, "s") == {}
    one = {"must": [{"key": "i", "match": {"value": 1}}]}
    sparse = {"indices": [7], "values": [1.0]}
    search = "/collections/c/points/search"
    ok(client.post(search, json={"vector": {"name": "d", "vector": [1, 0]}, "limit": 2}))
    ok(
        client.post(
            search, json={"vector": {"name": "d", "vector": [1, 0]}, "limit": 2, "filter": one}
        )
    )
    ok(client.post(search, json={"vector": {"name": "s", "vector": sparse}, "limit": 2}))
    ok(
        client.post(
            search, json={"vector": {"name": "s", "vector": sparse}, "limit": 2, "filter": one}
        )
    )
    query = "/collections/c/points/query"
    ok(client.post(query, json={"query": [1, 0], "using": "d", "limit": 2}))
    recommend = {"recommend": {"positive": [1]}}
    ok(client.post(query, json={"query": recommend, "using": "d", "limit": 2}))
    segment = _segment(client)
    # the recommendation leaves its example out through a filter: a filtered scan
    assert _counts(segment, "d") == {"unfiltered_plain": 2, "filtered_plain": 2}
    assert _counts(segment, "s") == {"unfiltered_sparse": 1, "filtered_small_cardinality": 1}
    (stats,) = [e for e in segment["vector_index_searches"] if e["index_name"] == "d"]
    plain = stats["unfiltered_plain"]
    assert plain["min_duration_micros"] <= plain["avg_duration_micros"]
    assert plain["avg_duration_micros"] <= plain["max_duration_micros"]
    assert stats["unfiltered_hnsw"] == {"count": 0, "total_duration_micros": 0}


def test_a_built_graph_makes_an_indexed_segment(client: TestClient, engine: Engine) -> None:
    create(client, "c", size=4, distance="Dot", optimizers_config={"indexing_threshold": 1})
    upsert(client, [{"id": i, "vector": [1, i % 7, i % 3, 1]} for i in range(300)])
    assert engine.get_collection("c").wait_indexed(timeout=60)
    ok(client.post("/collections/c/points/search", json={"vector": [1, 0, 0, 0], "limit": 2}))
    segment = _segment(client)
    info = segment["info"]
    assert info["segment_type"] == "indexed"
    assert info["num_indexed_vectors"] == info["vector_data"][""]["num_indexed_vectors"] == 300
    index = segment["config"]["vector_data"][""]["index"]
    assert index["type"] == "hnsw" and index["options"]["m"] == 16
    assert _counts(segment, "") == {"unfiltered_hnsw": 1}
