"""Qdrant REST API v1.14 for Vectorizer: the paths and JSON shapes of Qdrant's HTTP API.

Built in, and found like any third-party plugin: through the `vectorizer` entry-point
group. It contributes one HTTP API (`qdrant_rest`, default port 6333).
"""

from __future__ import annotations

from typing import Any

from litestar.config.cors import CORSConfig

import vectorizer
from vectorizer import Engine, HttpApi
from vectorizer_qdrant_rest.app import build_router
from vectorizer_qdrant_rest.request_stats import recording
from vectorizer_qdrant_rest.wire.errors import EXCEPTION_HANDLERS

NAME = "qdrant_rest"
DEFAULT_PORT = 6333
MAX_BODY_BYTES = 32 * 1024 * 1024
"""Qdrant's default `service.max_request_size_mb` (32 MB)."""


def app_options(engine: Engine) -> dict[str, Any]:
    """Keyword arguments for the `Litestar(...)` app the host builds for this API."""
    return {
        "middleware": [recording(engine)],
        "exception_handlers": dict(EXCEPTION_HANDLERS),
        # Litestar's generated schema would describe raw-body handlers, not Qdrant's API;
        # Qdrant's own OpenAPI spec is the reference for this listener.
        "openapi_config": None,
        "request_max_body_size": MAX_BODY_BYTES,
        # Qdrant enables CORS for any origin by default (service.enable_cors = true)
        "cors_config": CORSConfig(allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]),
    }


@vectorizer.hookimpl(trylast=True)
def register_http_apis(engine: Engine, settings: Any) -> list[HttpApi]:
    """The Qdrant REST API over `engine`."""
    return [
        HttpApi(
            name=NAME,
            route_handlers=[build_router(engine, getattr(settings, "qdrant_version", None))],
            default_port=DEFAULT_PORT,
            app_options=app_options(engine),
        )
    ]
