"""ASGI middleware recording each answered request in the engine's request statistics
(`/telemetry`'s `requests.rest`), keyed like Qdrant: `"METHOD /path/{param}"` and status."""

from __future__ import annotations

import re
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from vectorizer import Engine

API = "rest"
_PARAM_TYPE = re.compile(r"\{(\w+):\w+\}")


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
                    path = _PARAM_TYPE.sub(r"{\1}", template)
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
