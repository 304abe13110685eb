"""Helpers for the Qdrant REST protocol tests."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from vectorizer import Engine
from vectorizer.host.settings import Settings
from vectorizer_qdrant_rest import register_http_apis


def build_app(engine: Engine) -> Litestar:
    """The app exactly as the host builds it from the plugin's HttpApi."""
    (api,) = register_http_apis(engine=engine, settings=Settings())
    return Litestar(route_handlers=api.route_handlers, **api.app_options)


def ok(response: Any, status: int = 200) -> Any:
    """Assert Qdrant's success envelope and return its `result`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert isinstance(body["time"], float)
    assert set(body) == {"result", "status", "time"}
    return body["result"]


def error(response: Any, status: int) -> str:
    """Assert Qdrant's error body with `status` and return the error message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "time"}, body
    assert isinstance(body["time"], float)
    message = body["status"]["error"]
    assert isinstance(message, str) and message
    return message


def create(client: TestClient, name: str = "c", size: int = 4, distance: str = "Dot", **kw: Any):
    """Create a collection with one unnamed vector."""
    body = {"vectors": {"size": size, "distance": distance}, **kw}
    assert ok(client.put(f"/collections/{name}", json=body)) is True


def upsert(client: TestClient, points: list[dict[str, Any]], name: str = "c") -> Any:
    return ok(client.put(f"/collections/{name}/points?wait=true", json={"points": points}))
