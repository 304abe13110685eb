"""The Qdrant REST wire protocol: envelopes, status codes, error bodies, wait semantics."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

import vectorizer
from vectorizer import Engine
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.host.settings import Settings
from vectorizer_qdrant_rest.app import HANDLERS, build_router
from vectorizer_qdrant_rest.endpoints import unimplemented

REPO = Path(__file__).resolve().parents[3]
SPEC = Path(
    os.environ.get(
        "VECTORIZER_QDRANT_SPEC", REPO.parent / "shared" / "qdrant" / "openapi-v1.14.x.json"
    )
)


# ----------------------------------------------------------------------------- service


def test_root_has_exactly_qdrants_version_info(client: TestClient) -> None:
    """Qdrant's `VersionInfo` keys only (its suite checks the key set): the title and
    version Qdrant reports, the build's commit; our version in a header."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {
        "title": "qdrant - vector search engine",
        "version": vectorizer.QDRANT_VERSION,
        "commit": vectorizer.build_commit(),
    }
    assert response.headers["x-vectorizer-version"] == vectorizer.__version__


def test_root_reports_the_configured_qdrant_version(engine: Engine) -> None:
    """The `qdrant_version` setting: what `GET /` and `app_info` report."""
    router = build_router(engine, "1.17.2")
    with TestClient(Litestar(route_handlers=[router])) as client:
        assert client.get("/").json()["version"] == "1.17.2"
        assert 'app_info{name="qdrant",version="1.17.2"} 1.0' in client.get("/metrics").text


def test_build_commit_is_this_checkouts_head() -> None:
    """Run from the git checkout: the commit is its HEAD, as git reports it (asked
    before and after, uncached: others may commit to the checkout meanwhile)."""

    def head() -> str:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(vectorizer.__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    before = head()
    commit = vectorizer.build_commit.__wrapped__()
    assert commit in {before, head()}
    assert len(commit) == 40


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/healthz", "healthz check passed"),
        ("/livez", "healthz check passed"),
        ("/readyz", "all shards are ready"),
    ],
)
def test_health_endpoints_answer_text(client: TestClient, path: str, text: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == text
    assert response.headers["content-type"].startswith("text/plain")


def test_plugin_is_found_through_the_entry_point_group(engine: vectorizer.Engine) -> None:
    pm = make_plugin_manager(disabled=["qdrant_grpc", "vectorizer_api"])
    apis = [
        a for r in pm.hook.register_http_apis(engine=engine, settings=Settings()) for a in r or []
    ]
    (api,) = [a for a in apis if a.name == "qdrant_rest"]
    assert api.default_port == 6333
    assert api.route_handlers


# ----------------------------------------------------------------------------- envelope


def test_success_envelope(client: TestClient) -> None:
    create(client)
    result = ok(client.get("/collections"))
    assert result == {"collections": [{"name": "c"}]}
    body = client.get("/collections/c/exists").json()
    assert body["result"] == {"exists": True}
    assert body["time"] >= 0


def test_unknown_collection_is_404_on_every_collection_endpoint(client: TestClient) -> None:
    calls = [
        ("GET", "/collections/nope", None),
        ("PATCH", "/collections/nope", {"optimizers_config": {"indexing_threshold": 1}}),
        ("PUT", "/collections/nope/points?wait=true", {"points": [{"id": 1, "vector": [1]}]}),
        ("GET", "/collections/nope/points/1", None),
        ("POST", "/collections/nope/points", {"ids": [1]}),
        ("POST", "/collections/nope/points/scroll", {}),
        ("POST", "/collections/nope/points/count", {}),
        ("POST", "/collections/nope/points/search", {"vector": [1.0], "limit": 1}),
        ("POST", "/collections/nope/points/query", {"query": [1.0]}),
        ("POST", "/collections/nope/points/delete", {"points": [1]}),
        ("GET", "/collections/nope/aliases", None),
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body)
        message = error(response, 404)
        assert message == "Not found: Collection `nope` doesn't exist!", (method, path)


def test_delete_missing_collection_answers_false(client: TestClient) -> None:
    assert ok(client.delete("/collections/nope")) is False
    create(client)
    assert ok(client.delete("/collections/c")) is True
    assert ok(client.get("/collections/c/exists")) == {"exists": False}


def test_create_existing_collection_is_409(client: TestClient) -> None:
    create(client)
    message = error(
        client.put("/collections/c", json={"vectors": {"size": 4, "distance": "Dot"}}), 409
    )
    assert "already exists" in message


def test_missing_point_is_404(client: TestClient) -> None:
    create(client)
    assert "No point with id 7" in error(client.get("/collections/c/points/7"), 404)
    uuid = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"
    assert uuid in error(client.get(f"/collections/c/points/{uuid}"), 404)


def test_bad_point_id_in_path_is_400(client: TestClient) -> None:
    create(client)
    assert "UUID" in error(client.get("/collections/c/points/not-an-id"), 400)


def test_wrong_vector_size_is_400_naming_dims_and_keeps_data(client: TestClient) -> None:
    create(client, size=4)
    upsert(client, [{"id": 1, "vector": [1, 2, 3, 4], "payload": {"a": 1}}])
    bad = {"points": [{"id": 1, "vector": [9, 9, 9, 9]}, {"id": 2, "vector": [1, 2, 3]}]}
    message = error(client.put("/collections/c/points?wait=true", json=bad), 400)
    assert "expected dim: 4, got 3" in message
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 1}
    point = ok(client.get("/collections/c/points/1"))
    assert point == {"id": 1, "payload": {"a": 1}, "vector": [1.0, 2.0, 3.0, 4.0]}
    # the same through search and query
    for path, body in [
        ("/collections/c/points/search", {"vector": [1, 2], "limit": 1}),
        ("/collections/c/points/query", {"query": [1, 2]}),
    ]:
        assert "expected dim: 4, got 2" in error(client.post(path, json=body), 400)


@pytest.mark.parametrize(
    "body", [b"{", b"not json", b'{"limit": 1,}', b"", b'{"limit": 1} trailing']
)
def test_malformed_json_is_400(client: TestClient, body: bytes) -> None:
    create(client)
    response = client.post(
        "/collections/c/points/scroll", content=body, headers={"content-type": "application/json"}
    )
    assert error(response, 400).startswith("Json deserialize error: ")


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "/collections/c/points/scroll",
            {"limit": 0},
            "Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]",
        ),
        (
            "/collections/c/points/search",
            {"vector": [1, 2, 3, 4], "limit": 0},
            "Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]",
        ),
        (
            "/collections/c/points/scroll",
            {"limit": "ten"},
            "Validation error in JSON body: [limit: Expected `int | null`, got `str`]",
        ),
        (
            "/collections/c/points/search",
            {"vector": [1, 2, 3, 4]},
            "Validation error in JSON body: [limit: missing field]",
        ),
        (
            "/collections/c/points/count",
            {"exact": True, "frobnicate": 1},
            "Validation error in JSON body: [frobnicate: unknown field]",
        ),
        (
            "/collections/c/points/search/batch",
            {"searches": [{"vector": [1, 2, 3, 4], "limit": 1}, {"vector": [1], "limit": -3}]},
            "Validation error in JSON body: [searches[1].limit: value -3 invalid, "
            "must be 1 or larger]",
        ),
        (
            "/collections/c/points/search",
            {"vector": ["a", "b", "c", "d"], "limit": 1},
            "Validation error in JSON body: [vector: expected a vector (an array of numbers)]",
        ),
        (
            "/collections/c/points/scroll",
            {"with_payload": 3},
            "Validation error in JSON body: [with_payload: expected true/false, a list of keys, "
            '{"include": [...]} or {"exclude": [...]}]',
        ),
        (
            "/collections/c/points",
            {"ids": [1, 1.5]},
            "Validation error in JSON body: [ids[1]: point id must be an unsigned integer or a "
            "UUID string]",
        ),
        (
            "/collections/c/points/scroll",
            [1, 2],
            "Validation error in JSON body: [Expected `object`, got `array`]",
        ),
    ],
)
def test_invalid_body_is_422_naming_the_field(
    client: TestClient, path: str, body: object, expected: str
) -> None:
    create(client)
    assert error(client.post(path, json=body), 422) == expected


def test_invalid_upsert_bodies_are_422(client: TestClient) -> None:
    create(client)
    cases = [
        ({"points": [{"id": 1}]}, "points[0].vector: missing field"),
        ({"points": [{"id": True, "vector": [1, 2, 3, 4]}]}, "points[0].id: point id must be"),
        ({"points": [{"id": 1, "vector": "x"}]}, "points[0].vector: expected a vector"),
        ({"points": [{"id": 1, "vector": [1, 2, 3, 4], "payload": 3}]}, "points[0].payload"),
        ({"batch": {"ids": [1, 2], "vectors": [[1, 2, 3, 4]]}}, "batch.vectors: expected 2"),
        ({}, "expected exactly one of `points` or `batch`"),
    ]
    for body, fragment in cases:
        message = error(client.put("/collections/c/points?wait=true", json=body), 422)
        assert fragment in message, message
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 0}


def test_invalid_collection_config_is_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"vectors": {"size": 0, "distance": "Dot"}}, "vectors.size: value 0 invalid"),
        ({"vectors": {"size": 4, "distance": "Hamming"}}, "vectors.distance: Invalid enum"),
        ({"vectors": {"img": {"size": 4}}}, "vectors.img.distance: missing field"),
        (
            {"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"ef_construct": 2}},
            "hnsw_config.ef_construct: value 2 invalid, must be 4 or larger",
        ),
        ({"vectors": {"size": 4, "distance": "Dot"}, "shards": 2}, "shards: unknown field"),
    ]
    for body, fragment in cases:
        message = error(client.put("/collections/x", json=body), 422)
        assert fragment in message, message
    assert ok(client.get("/collections")) == {"collections": []}


@pytest.mark.parametrize(
    ("wait", "status", "state"),
    [("true", 200, "completed"), ("false", 200, "acknowledged"), (None, 200, "acknowledged")],
)
def test_write_wait_parameter(
    client: TestClient, wait: str | None, status: int, state: str
) -> None:
    create(client)
    query = f"?wait={wait}" if wait is not None else ""
    writes = [
        ("PUT", "/points", {"points": [{"id": 1, "vector": [1, 2, 3, 4]}]}),
        ("POST", "/points/payload", {"payload": {"a": 1}, "points": [1]}),
        ("PUT", "/points/payload", {"payload": {"b": 2}, "points": [1]}),
        ("POST", "/points/payload/delete", {"keys": ["b"], "points": [1]}),
        ("POST", "/points/payload/clear", {"points": [1]}),
        ("PUT", "/points/vectors", {"points": [{"id": 1, "vector": [4, 3, 2, 1]}]}),
        ("POST", "/points/delete", {"points": [1]}),
    ]
    ids = []
    for method, path, body in writes:
        url = f"/collections/c{path}{query}&ordering=weak" if query else f"/collections/c{path}"
        result = ok(client.request(method, url, json=body), status)
        assert result["status"] == state
        ids.append(result["operation_id"])
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # the writes were applied either way
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 0}


def test_bad_query_parameter_is_400_in_qdrant_format(client: TestClient) -> None:
    create(client)
    body = {"points": [{"id": 1, "vector": [1, 2, 3, 4]}]}
    message = error(client.put("/collections/c/points?wait=perhaps", json=body), 400)
    assert "wait" in message


def test_timeout_and_consistency_params_are_accepted(client: TestClient) -> None:
    create(client)
    upsert(client, [{"id": 1, "vector": [1, 2, 3, 4]}])
    result = ok(
        client.post(
            "/collections/c/points/search?consistency=majority&timeout=5",
            json={"vector": [1, 2, 3, 4], "limit": 1},
        )
    )
    assert [p["id"] for p in result] == [1]
    assert ok(client.get("/collections/c?timeout=3"))["points_count"] == 1


def test_unknown_route_is_404_in_qdrant_format(client: TestClient) -> None:
    assert "GET /no/such/thing" in error(client.get("/no/such/thing"), 404)


def test_wrong_method_is_405_in_qdrant_format(client: TestClient) -> None:
    assert error(client.delete("/collections"), 405)


# ----------------------------------------------------------------------------- 501


@pytest.mark.parametrize(
    ("method", "path", "operation", "feature"),
    unimplemented.OPERATIONS,
    ids=[op[2] for op in unimplemented.OPERATIONS],
)
def test_unbuilt_operations_answer_501_naming_them(
    client: TestClient, method: str, path: str, operation: str, feature: str
) -> None:
    url = (
        path.replace("{collection_name:str}", "c")
        .replace("{shard_id:str}", "0")
        .replace("{peer_id:str}", "1")
        .replace("{field_name:str}", "f")
        .replace("{snapshot_name:str}", "s.snapshot")
    )
    message = error(client.request(method, url, json={}), 501)
    assert message == f"Not implemented in Vectorizer yet: {feature} ({operation})"


def test_every_spec_operation_is_routed() -> None:
    """Implemented handlers plus the 501 list cover Qdrant's whole OpenAPI spec."""
    spec = json.loads(SPEC.read_text())
    wanted = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    routed = set()
    for handler in [*HANDLERS, *unimplemented.handlers()]:
        for path in handler.paths:
            for method in handler.http_methods:
                routed.add((method, path.replace(":str", "")))
    assert wanted - routed == set()
    assert routed - wanted == set()


@pytest.mark.parametrize(
    ("body", "feature"),
    [
        ({"query": {"image": "x.png", "model": "m"}}, "server-side inference"),
        (
            {"query": [1, 2, 3, 4], "params": {"idf": {"corpus": {"must": []}}}},
            "IDF statistics over a corpus filter (params.idf.corpus)",
        ),
        ({"query": [1, 2, 3, 4], "shard_key": "a"}, "shard keys"),
    ],
)
def test_other_query_kinds_are_501(client: TestClient, body: dict, feature: str) -> None:
    create(client)
    message = error(client.post("/collections/c/points/query", json=body), 501)
    assert message.startswith("Not implemented in Vectorizer yet: ")
    assert feature in message


def test_large_body_within_qdrant_limit_is_accepted(client: TestClient) -> None:
    """Bodies up to Qdrant's default 32 MB limit are accepted (Litestar's default is 10 MB)."""
    create(client, size=256)
    points = [{"id": i, "vector": [0.123456789] * 256} for i in range(3200)]
    content = json.dumps({"points": points}).encode()
    assert len(content) > 10 * 1024 * 1024
    response = client.put(
        "/collections/c/points?wait=true",
        content=content,
        headers={"content-type": "application/json"},
    )
    ok(response)
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 3200}


def test_unexpected_errors_are_500_in_qdrant_format(
    client: TestClient, engine: vectorizer.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[str]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine, "list_collections", broken)
    message = error(client.get("/collections"), 500)
    assert "disk on fire" in message

    def storage_failure() -> list[str]:
        raise vectorizer.StorageError("Service internal error: sqlite is locked")

    monkeypatch.setattr(engine, "list_collections", storage_failure)
    assert error(client.get("/collections"), 500) == "Service internal error: sqlite is locked"


def test_cors_is_enabled_like_qdrant(client: TestClient) -> None:
    response = client.options(
        "/collections",
        headers={"origin": "http://example.test", "access-control-request-method": "GET"},
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] in ("*", "http://example.test")
    response = client.get("/collections", headers={"origin": "http://example.test"})
    assert response.headers["access-control-allow-origin"] in ("*", "http://example.test")
