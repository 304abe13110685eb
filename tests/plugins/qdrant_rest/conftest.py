"""Fixtures for the Qdrant REST plugin's protocol tests: an engine and a TestClient.

The app is built the way the host builds it: `Litestar(route_handlers=..., **app_options)`
from the `HttpApi` the plugin's `register_http_apis` hook returns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from rest_helpers import build_app

from vectorizer import Engine


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(build_app(engine)) as test_client:
        yield test_client
