"""Qdrant's gRPC API (`qdrant.Qdrant`, `qdrant.Collections`, `qdrant.Points`, `qdrant.Snapshots`).

Laid out as the REST plugin is: `server.py` (the grpc.aio lifecycle, 64 MiB messages),
`request_stats.py` (every call recorded for `/telemetry`); `endpoints/` the servicers, one
module per resource (`service` (HealthCheck and the registration of every service),
`collections`, `points`, `search` (the search family over the core's query engine,
facets, distance matrix), `snapshots`; `base`: UNIMPLEMENTED scheme, engine work in
worker threads); `wire/` protobuf <-> core types, each direction once (`values`,
`vectors`, `points`, `search`, `collections`, `filters`), `errors` (domain errors ->
status codes; anything unexpected is INTERNAL) and `unknown` (fields of a newer
client's request these messages do not know: UNIMPLEMENTED, never dropped). An
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
            factory=functools.partial(
                grpc_server, engine, qdrant_version=getattr(settings, "qdrant_version", None)
            ),
        )
    ]
