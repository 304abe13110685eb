"""The native API's frame: the hook, health, the collection list, errors, the schema."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

import vectorizer
import vectorizer_api
from vectorizer import (
    BadRequest,
    CollectionNotFound,
    Engine,
    HttpApi,
    Locked,
    RateLimited,
    StorageError,
)
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    PointStruct,
    VectorParams,
)
from vectorizer.text import TextCollections


class FakeEngine:
    """Just what the native API uses: list_collections, get_collection(name) (its info()
    and config), the condition kinds and the text collections."""

    pm = None  # only the built-in embedders
    condition_kinds: dict[str, Any] = {}

    def __init__(self, counts: dict[str, int], error: Exception | None = None) -> None:
        self.counts = counts
        self.error = error
        self.texts = TextCollections(self)

    def list_collections(self) -> list[str]:
        if self.error is not None:
            raise self.error
        return list(self.counts)

    def get_collection(self, name: str) -> Any:
        if name not in self.counts:
            raise CollectionNotFound(name)
        info = SimpleNamespace(points_count=self.counts[name])
        return SimpleNamespace(info=lambda: info, config=SimpleNamespace(metadata=None))


def build_api(engine: Any) -> HttpApi:
    (api,) = vectorizer_api.register_http_apis(engine=engine, settings=None)
    return api


def client_for(engine: Any) -> TestClient[Litestar]:
    """The app as the host builds it for this listener."""
    api = build_api(engine)
    return TestClient(Litestar(route_handlers=api.route_handlers, **api.app_options))


@pytest.fixture
def client() -> Iterator[TestClient[Litestar]]:
    with client_for(FakeEngine({"docs": 3, "empty": 0})) as test_client:
        yield test_client


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]["message"]


def test_hook_registers_the_api() -> None:
    api = build_api(FakeEngine({}))
    assert (api.name, api.default_port, api.prefix) == ("vectorizer_api", 15002, "/")


def test_found_through_the_entry_point_group() -> None:
    (entry,) = [
        ep
        for ep in importlib.metadata.entry_points(group="vectorizer")
        if ep.name == "vectorizer_api"
    ]
    assert entry.load() is vectorizer_api


def test_health(client: TestClient[Litestar]) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": vectorizer.__version__}


def test_list_collections_from_the_engine(client: TestClient[Litestar]) -> None:
    response = client.get("/collections")
    assert response.status_code == 200
    assert response.json() == {
        "collections": [
            {"name": "docs", "points_count": 3},
            {"name": "empty", "points_count": 0},
        ]
    }


def test_list_collections_skips_one_deleted_meanwhile() -> None:
    engine = FakeEngine({"kept": 1})
    engine.list_collections = lambda: ["gone", "kept"]  # type: ignore[method-assign]
    with client_for(engine) as client:
        assert client.get("/collections").json() == {
            "collections": [{"name": "kept", "points_count": 1}]
        }


def test_list_collections_with_the_real_engine(tmp_path: Path) -> None:
    engine = Engine.open(tmp_path)
    try:
        vectors = {"": VectorParams(size=2, distance=Distance.DOT)}
        for name in ("a", "b"):
            engine.create_collection(name, CollectionConfig(CollectionParams(vectors=vectors)))
        engine.get_collection("b").upsert(
            [PointStruct(id=i, vectors={"": [1.0, float(i)]}) for i in range(5)]
        )
        with client_for(engine) as client:
            body = client.get("/collections").json()
        assert sorted(body["collections"], key=lambda c: c["name"]) == [
            {"name": "a", "points_count": 0},
            {"name": "b", "points_count": 5},
        ]
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (CollectionNotFound("nope"), 404, "not_found"),
        (BadRequest("Bad input: something"), 400, "bad_request"),
        (StorageError("disk full"), 500, "internal_server_error"),
        (Locked("Write operations are forbidden"), 403, "forbidden"),
        (RateLimited("Rate limiting exceeded: Read rate limit exceeded"), 429, "too_many_requests"),
    ],
)
def test_domain_errors_map_to_the_error_shape(error: Exception, status: int, code: str) -> None:
    with client_for(FakeEngine({}, error=error)) as client:
        response = client.get("/collections")
    assert_error(response, status, code, str(error))


def test_rate_limited_says_when_to_retry() -> None:
    error = RateLimited("Rate limiting exceeded: Write rate limit exceeded", retry_after=7)
    with client_for(FakeEngine({}, error=error)) as client:
        response = client.get("/collections")
    assert_error(response, 429, "too_many_requests", error.message)
    assert response.headers["retry-after"] == "7"
    never = RateLimited("Rate limiting exceeded: request larger than the limit")
    with client_for(FakeEngine({}, error=never)) as client:
        response = client.get("/collections")
    assert_error(response, 429, "too_many_requests")
    assert "retry-after" not in response.headers


def test_a_write_lock_answers_forbidden(tmp_path: Path) -> None:
    """The server's write lock (Qdrant's `/locks`) is 403 here too, not a server error."""
    with Engine.open(tmp_path) as engine, client_for(engine) as client:
        engine.set_write_lock(True, "maintenance")
        body = {"name": "docs", "embedder": {"kind": "hashing"}}
        assert_error(client.post("/collections", json=body), 403, "forbidden", "maintenance")
        engine.set_write_lock(False)
        assert client.post("/collections", json=body).status_code == 201


def test_unexpected_errors_do_not_leak_details() -> None:
    with client_for(FakeEngine({}, error=RuntimeError("secret internals"))) as client:
        response = client.get("/collections")
    message = assert_error(response, 500, "internal_server_error")
    assert "secret" not in response.text
    assert message == "Internal server error"


def test_unknown_route_and_wrong_method_use_the_error_shape(
    client: TestClient[Litestar],
) -> None:
    assert_error(client.get("/no/such/route"), 404, "not_found")
    assert_error(client.get("/"), 404, "not_found")
    assert_error(client.put("/health"), 405, "method_not_allowed")


def test_openapi_schema(client: TestClient[Litestar]) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == vectorizer.__version__
    paths = schema["paths"]
    assert set(paths["/collections"]) == {"get", "post"}
    assert set(paths["/collections/{name}"]) == {"get", "delete"}
    assert "/health" in paths and "/embed" in paths
    listed = paths["/collections"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"] == {"$ref": "#/components/schemas/CollectionList"}
    search = paths["/collections/{name}/search"]["post"]
    assert {"200", "400", "404"} <= set(search["responses"])
    error_schema = search["responses"]["400"]["content"]["application/json"]["schema"]
    assert error_schema == {"$ref": "#/components/schemas/ErrorBody"}
    body = search["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SearchIn"}
    search_in = schema["components"]["schemas"]["SearchIn"]["properties"]
    assert "weighted" in search_in["alpha"]["description"]
    for path in (
        "/collections/{name}/documents",
        "/collections/{name}/documents/{doc_id}",
        "/collections/{name}/vectors",
        "/collections/{name}/reindex",
        "/collections/{name}/search/batch",
        "/stats",
    ):
        assert path in paths
    attach = paths["/collections/{name}/embedder"]["put"]
    assert {"200", "400", "404"} <= set(attach["responses"])
    assert "engine" not in str(schema["paths"])  # the dependency is not a parameter
