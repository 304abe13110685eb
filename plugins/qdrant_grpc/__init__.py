"""Qdrant's gRPC API (`qdrant.Qdrant`, `qdrant.Collections`, `qdrant.Points`, `qdrant.Snapshots`).

Modules: `server.py` (the grpc.aio lifecycle, 64 MiB messages), `services.py` (HealthCheck
and the registration of every service), `collections.py`, `points.py`, `search.py` (the
search family over the core's query engine, facets, distance matrix) and `snapshots.py`
(the servicers), `base.py` (UNIMPLEMENTED scheme, engine work in worker threads),
`values.py`, `convert.py` (vectors of every kind, points, selectors), `query.py` (query
requests), `config.py` and `filters.py` (protobuf <-> core types, each direction once),
`errors.py` (domain errors -> status codes; anything unexpected is INTERNAL),
`request_stats.py` (every call recorded for `/telemetry`), `unknown.py` (fields of a
newer client's request these messages do not know: UNIMPLEMENTED, never dropped). An
RPC or a request part whose feature is not built (shard keys, cluster setup, MMR
re-ranking, server-side inference) answers UNIMPLEMENTED naming the feature.
"""

from __future__ import annotations

import functools
from typing import Any

from vectorizer import Engine, ServerSpec, hookimpl
from vectorizer_qdrant_grpc.server import DEFAULT_PORT, grpc_server

__all__ = ["DEFAULT_PORT", "grpc_server", "register_servers"]


@hookimpl(trylast=True)
def register_servers(engine: Engine, settings: Any) -> list[ServerSpec]:
    """Serve Qdrant's gRPC API on port 6334 (by default)."""
    return [
        ServerSpec(
            name="qdrant_grpc",
            default_port=DEFAULT_PORT,
            factory=functools.partial(grpc_server, engine),
        )
    ]
