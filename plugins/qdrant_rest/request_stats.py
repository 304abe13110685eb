"""ASGI middleware recording each answered request in the engine's request statistics
(`/telemetry`'s `requests.rest`), keyed like Qdrant: `"METHOD /path/{param}"` (its actix
route pattern, `PUT /collections/{name}/points`) and status."""

from __future__ import annotations

import re
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from vectorizer import Engine

API = "rest"
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

_SHARD_PARAMS = {"collection_name": "collection", "shard_id": "shard", "snapshot_name": "snapshot"}
"""Qdrant's names of the path parameters of its shard snapshot routes."""


def qdrant_template(template: str) -> str:
    """A route as Qdrant's telemetry names it: its actix pattern, e.g. our
    `/collections/{collection_name:str}/points` is `/collections/{name}/points`."""

    def rename(match: re.Match[str]) -> str:
        param = match[1]
        if "/shards/{shard_id" in template:
            return "{" + _SHARD_PARAMS.get(param, param) + "}"
        return "{name}" if param == "collection_name" else "{" + param + "}"

    return _PARAM.sub(rename, template)


def recording(engine: Engine) -> Any:
    """A Litestar middleware factory recording into `engine.request_stats`."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def record(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                template = scope.get("path_template")
                if template:  # routed: unknown paths are not endpoints
                    path = qdrant_template(template)
                    endpoint = f"{scope['method']} {path}"
                    engine.request_stats.record(
                        API,
                        endpoint,
                        time.perf_counter() - started,
                        status=str(status),
                        failed=status >= 400,
                    )

        return record

    return middleware
