"""What API plugins contribute: HTTP APIs (Litestar routers) and other servers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpApi:
    """An HTTP API served on its own listener.

    `name` is the plugin's entry-point name (the NAME of `--port NAME=PORT`);
    `route_handlers` are Litestar routers/handlers mounted at `prefix`;
    `app_options` are extra keyword arguments for the `Litestar(...)` app the host
    builds for this listener (exception handlers, OpenAPI config, ...).
    """

    name: str
    route_handlers: list[Any]
    default_port: int
    prefix: str = "/"
    app_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ServerSpec:
    """A non-HTTP server (gRPC, ...) run inside the host's event loop.

    `factory(host, port)` returns an async context manager: entering it starts the
    server listening, leaving it stops the server gracefully.
    """

    name: str
    default_port: int
    factory: Callable[[str, int], AbstractAsyncContextManager[Any]]
