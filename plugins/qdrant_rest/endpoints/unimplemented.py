"""Qdrant REST operations Vectorizer does not build yet: each answers 501 naming itself.

The list covers every operation of Qdrant's OpenAPI spec (v1.14) that `endpoints/` does not
implement (a test checks the two together cover the whole spec), so a client never gets
a routing 404 or, worse, an empty success for a real Qdrant endpoint.
"""

from __future__ import annotations

from typing import Any

from litestar import HttpMethod, Request, Response, route

from vectorizer.errors import Unsupported
from vectorizer_qdrant_rest.wire.errors import error_response

C = "/collections/{collection_name:str}"

# (HTTP method, path, Qdrant operationId, feature)
OPERATIONS: list[tuple[str, str, str, str]] = [
    # distributed mode: a single node cannot change a cluster
    ("POST", "/cluster/recover", "recover_current_peer", "distributed mode"),
    ("DELETE", "/cluster/peer/{peer_id:str}", "remove_peer", "distributed mode"),
    ("POST", C + "/cluster", "update_collection_cluster", "distributed mode"),
    ("PUT", C + "/shards", "create_shard_key", "shard keys"),
    ("POST", C + "/shards/delete", "delete_shard_key", "shard keys"),
]


def _make_handler(method: str, path: str, operation_id: str, feature: str) -> Any:
    message = f"{feature} ({operation_id})"

    async def not_implemented(request: Request[Any, Any, Any]) -> Response[bytes]:
        return error_response(Unsupported(message))

    not_implemented.__name__ = operation_id
    return route(
        path,
        http_method=[HttpMethod(method)],
        name=operation_id,
        status_code=501,
        include_in_schema=False,
    )(not_implemented)


def handlers() -> list[Any]:
    """One Litestar route handler per unbuilt operation."""
    return [_make_handler(*op) for op in OPERATIONS]
