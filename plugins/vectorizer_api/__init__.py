"""Vectorizer's native, text-first HTTP API (default port 15002).

Text collections with embedders, documents (chunked), search by text or vector (hybrid
fused by RRF or a weighted sum), embed, health and stats; the core does the work
(`vectorizer.text`), this plugin owns the wire (`schemas`, `convert`, `routes`,
`errors`). The OpenAPI schema is served at `/openapi.json`. See docs/native_api.md.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from vectorizer import Engine, HttpApi, __version__, hookimpl
from vectorizer_api.errors import EXCEPTION_HANDLERS
from vectorizer_api.routes import router

DEFAULT_PORT = 15002


def openapi_config() -> OpenAPIConfig:
    """Litestar's generated schema, served as JSON at `/openapi.json`."""
    return OpenAPIConfig(
        title="Vectorizer native API",
        version=__version__,
        # the JSON plugin at the root of the schema path, so nothing else is claimed
        path="/openapi.json",
        render_plugins=[JsonRenderPlugin(path="/")],
    )


@hookimpl(trylast=True)
def register_http_apis(engine: Engine, settings: Any) -> list[HttpApi]:
    """Serve the native API on port 15002 (by default)."""
    return [
        HttpApi(
            name="vectorizer_api",
            route_handlers=[router(engine)],
            default_port=DEFAULT_PORT,
            app_options={
                "exception_handlers": dict(EXCEPTION_HANDLERS),
                "openapi_config": openapi_config(),
            },
        )
    ]
