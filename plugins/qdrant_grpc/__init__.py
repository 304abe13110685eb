"""Qdrant's gRPC API (`qdrant.Qdrant`, `qdrant.Collections`, `qdrant.Points`, `qdrant.Snapshots`).

First version: the server starts, `Qdrant/HealthCheck` answers, and every other RPC
answers UNIMPLEMENTED naming itself (see `services.py`).
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
