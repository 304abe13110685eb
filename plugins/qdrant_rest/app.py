"""The Qdrant REST API (v1.14 paths and shapes) as a Litestar router over the engine.

The endpoints are in `endpoints/`, one module per resource (`collections`, `points`,
`search`, `snapshots`, `service`; `unimplemented` answers 501 for the rest of the spec);
how an endpoint is written (`Call`, `@answer`) is in `endpoints/base.py`, the wire
conversion in `wire/`.
"""

from __future__ import annotations

from litestar import Router

from vectorizer import Engine
from vectorizer_qdrant_rest.endpoints import (
    collections,
    points,
    search,
    service,
    snapshots,
    unimplemented,
)
from vectorizer_qdrant_rest.endpoints.base import ENGINE_OPT, EngineRef, validate_request

HANDLERS = [
    *service.HANDLERS,
    *collections.HANDLERS,
    *points.HANDLERS,
    *snapshots.HANDLERS,
    *search.HANDLERS,
]


def build_router(engine: Engine, qdrant_version: str | None = None) -> Router:
    """The whole Qdrant REST surface, implemented or answering 501, over `engine`;
    `GET /` reports `qdrant_version` (by default `vectorizer.QDRANT_VERSION`)."""
    return Router(
        path="/",
        route_handlers=[*HANDLERS, *unimplemented.handlers()],
        before_request=validate_request,
        opt={
            ENGINE_OPT: EngineRef(engine),
            service.STATE_OPT: service.ServiceState(engine, qdrant_version),
        },
    )
