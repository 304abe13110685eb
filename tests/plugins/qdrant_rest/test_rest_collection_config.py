"""Collection configuration over the Qdrant REST API, as Qdrant 1.14 answers it: the
form vectors were given in, per-vector configs, Qdrant's field aliases, the dimension
limit, per-vector quantization updates, and path/query parameter validation."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer_qdrant_rest.request_stats import qdrant_template


def vectors_of(client: TestClient, name: str = "c") -> Any:
    return ok(client.get(f"/collections/{name}"))["config"]["params"]["vectors"]


def test_a_vector_named_empty_is_reported_as_the_map_it_was_given_as(
    client: TestClient,
) -> None:
    """LangChain's default vector name is "": Qdrant keeps `{"": params}` a map."""
    body = {"vectors": {"": {"size": 2, "distance": "Dot"}}}
    assert ok(client.put("/collections/c", json=body)) is True
    assert vectors_of(client) == {"": {"size": 2, "distance": "Dot"}}
    # points still carry the default vector bare, as Qdrant answers them
    upsert(client, [{"id": 1, "vector": {"": [1.0, 2.0]}}])
    point = ok(client.get("/collections/c/points/1"))
    assert point["vector"] == [1.0, 2.0]
    # the unnamed form stays unnamed
    create(client, "bare", size=2)
    assert vectors_of(client, "bare") == {"size": 2, "distance": "Dot"}


def test_per_vector_hnsw_and_quantization_configs(client: TestClient) -> None:
    """The body of Qdrant's test_vector_config, `quantization` (its serde alias) included."""
    body = {
        "vectors": {
            "image": {"size": 4, "distance": "Dot", "hnsw_config": {"m": 20}, "on_disk": True},
            "audio": {
                "size": 4,
                "distance": "Dot",
                "hnsw_config": {"ef_construct": 100},
                "quantization_config": {"scalar": {"type": "int8", "quantile": 0.6}},
            },
            "text": {
                "size": 8,
                "distance": "Cosine",
                "quantization": {"scalar": {"type": "int8", "always_ram": True}},
            },
        },
        "hnsw_config": {"m": 10, "ef_construct": 80},
        "quantization": {"scalar": {"type": "int8", "quantile": 0.5}},
        "optimizer_config": {"indexing_threshold": 0},
    }
    assert ok(client.put("/collections/c", json=body)) is True
    config = ok(client.get("/collections/c"))["config"]
    vectors = config["params"]["vectors"]
    assert vectors["image"] == {
        "size": 4,
        "distance": "Dot",
        "hnsw_config": {"m": 20},
        "on_disk": True,
    }
    assert vectors["audio"]["hnsw_config"] == {"ef_construct": 100}
    assert vectors["audio"]["quantization_config"] == {"scalar": {"type": "int8", "quantile": 0.6}}
    assert "hnsw_config" not in vectors["text"]
    assert vectors["text"]["quantization_config"] == {
        "scalar": {"type": "int8", "always_ram": True}
    }
    assert (config["hnsw_config"]["m"], config["hnsw_config"]["ef_construct"]) == (10, 80)
    assert config["quantization_config"] == {"scalar": {"type": "int8", "quantile": 0.5}}
    assert config["optimizer_config"]["indexing_threshold"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "vectors": {"size": 2, "distance": "Dot"},
                "quantization": {"binary": {}},
                "quantization_config": {"binary": {}},
            },
            "quantization_config",
        ),
        (
            {
                "vectors": {
                    "a": {
                        "size": 2,
                        "distance": "Dot",
                        "quantization": {"binary": {}},
                        "quantization_config": {"binary": {}},
                    }
                }
            },
            "vectors.a.quantization_config",
        ),
    ],
)
def test_a_field_and_its_alias_together_are_refused(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    message = error(client.put("/collections/c", json=body), 422)
    assert (
        message
        == f"Validation error in JSON body: [{field}: duplicate field `quantization_config`]"
    )


@pytest.mark.parametrize(
    ("vectors", "field"),
    [
        ({"size": 65_537, "distance": "Dot"}, "vectors.size"),
        ({"a": {"size": 65_537, "distance": "Dot"}}, "vectors.a.size"),
    ],
)
def test_vector_dimension_limit(client: TestClient, vectors: Any, field: str) -> None:
    create(client, "max", size=65_536)
    message = error(client.put("/collections/c", json={"vectors": vectors}), 422)
    assert message == (
        f"Validation error in JSON body: [{field}: value 65537 invalid, must be from 1 to 65536]"
    )
    assert not ok(client.get("/collections/c/exists"))["exists"]


def test_one_vectors_quantization_can_be_updated_and_disabled(client: TestClient) -> None:
    body = {
        "vectors": {"text": {"size": 2, "distance": "Dot"}, "img": {"size": 2, "distance": "Dot"}}
    }
    assert ok(client.put("/collections/c", json=body)) is True
    scalar = {"scalar": {"type": "int8", "quantile": 0.8}}
    patch = {"vectors": {"text": {"quantization_config": scalar, "hnsw_config": {"m": 32}}}}
    assert ok(client.patch("/collections/c", json=patch)) is True
    assert vectors_of(client)["text"]["quantization_config"] == scalar
    product = {"product": {"compression": "x32", "always_ram": True}}
    assert ok(
        client.patch("/collections/c", json={"vectors": {"text": {"quantization_config": product}}})
    )
    assert vectors_of(client)["text"]["quantization_config"] == product  # replaced whole
    disable = {"vectors": {"text": {"quantization_config": "Disabled"}}}
    assert ok(client.patch("/collections/c", json=disable)) is True
    text = vectors_of(client)["text"]
    assert "quantization_config" not in text
    assert text["hnsw_config"] == {"m": 32}  # the rest of its config stays
    bad = {"vectors": {"text": {"quantization_config": "Off"}}}
    message = error(client.patch("/collections/c", json=bad), 422)
    assert message.startswith("Validation error in JSON body: [vectors.text.quantization_config:")


def test_creating_a_collection_named_as_an_alias_is_a_bad_request(client: TestClient) -> None:
    create(client, "c")
    actions = {"actions": [{"create_alias": {"alias_name": "c_3", "collection_name": "c"}}]}
    assert ok(client.post("/collections/aliases", json=actions)) is True
    # Qdrant's suite sends a stray `on_disk_vectors`: VectorParams ignores it, as Qdrant's
    vectors = {"size": 4, "distance": "Dot", "on_disk_vectors": False}
    message = error(client.put("/collections/c_3", json={"vectors": vectors}), 400)
    assert message == (
        "Wrong input: Can't create collection with name c_3. "
        "Alias with the same name already exists"
    )


def test_a_collection_name_over_255_characters_fails_path_validation(client: TestClient) -> None:
    name = "x" * 256
    message = error(client.get(f"/collections/{name}/points/1"), 422)
    assert message == (
        f'Validation error in path parameters: [name: value "{name}" invalid, '
        "must be from 1 to 255 characters]"
    )
    assert error(client.get(f"/collections/{'x' * 255}"), 404)  # 255 is a valid name


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/collections/c"),
        ("PATCH", "/collections/c"),
        ("DELETE", "/collections/c"),
        ("POST", "/collections/aliases"),
    ],
)
def test_meta_operation_timeout_must_be_at_least_one_second(
    client: TestClient, method: str, path: str
) -> None:
    body = {"vectors": {"size": 4, "distance": "Dot"}} if method == "PUT" else {}
    if path.endswith("aliases"):
        body = {"actions": []}
    response = client.request(method, path, params={"timeout": 0}, json=body)
    assert error(response, 422) == (
        "Validation error in query parameters: [timeout: value 0 invalid, must be 1 or larger]"
    )
    assert "Query deserialize error" in error(
        client.request(method, path, params={"timeout": "soon"}, json=body), 400
    )


def test_a_meta_operation_with_a_valid_timeout_is_done(client: TestClient) -> None:
    body = {"vectors": {"size": 4, "distance": "Dot"}}
    assert ok(client.put("/collections/c", params={"timeout": 5}, json=body)) is True
    assert ok(client.delete("/collections/c", params={"timeout": 5})) is True


def test_telemetry_names_endpoints_by_qdrants_route_patterns(client: TestClient) -> None:
    create(client)
    upsert(client, [{"id": 1, "vector": [1, 2, 3, 4]}])
    rest = ok(client.get("/telemetry"))["requests"]["rest"]["responses"]
    assert rest["PUT /collections/{name}/points"]["200"]["count"] == 1
    assert rest["PUT /collections/{name}"]["200"]["count"] == 1
    assert qdrant_template("/collections/{collection_name:str}/points/{id:str}") == (
        "/collections/{name}/points/{id}"
    )
    assert qdrant_template("/collections/{collection_name}/index/{field_name}") == (
        "/collections/{name}/index/{field_name}"
    )
    shard = "/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}"
    assert qdrant_template(shard) == "/collections/{collection}/shards/{shard}/snapshots/{snapshot}"


@pytest.mark.parametrize(
    ("quantization", "field"),
    [
        ({"turbo": {}}, "quantization_config"),
        ({"scalar": {"type": "int4"}}, "quantization_config.scalar"),
        ({"product": {"compression": "x16", "colour": 1}}, "quantization_config.product"),
    ],
)
def test_a_quantization_config_of_no_known_shape_is_refused(
    client: TestClient, quantization: dict[str, Any], field: str
) -> None:
    body = {"vectors": {"size": 2, "distance": "Dot"}, "quantization_config": quantization}
    message = error(client.put("/collections/c", json=body), 422)
    assert message.startswith(f"Validation error in JSON body: [{field}: ")
    assert ok(client.get("/collections")) == {"collections": []}
