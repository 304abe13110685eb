"""Every hook a Vectorizer plugin can implement (pluggy project name ``vectorizer``).

Each hook is documented in ``docs/plugin_hooks.md``; a test fails when one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from vectorizer.engine import Collection, Engine
    from vectorizer.host.apis import HttpApi, ServerSpec
    from vectorizer.models import PointId
    from vectorizer.operations import PointsOperation
    from vectorizer.query.model import QueryRequest

hookspec = pluggy.HookspecMarker("vectorizer")
hookimpl = pluggy.HookimplMarker("vectorizer")


# ----------------------------------------------------------------------------- API surface


@hookspec
def register_http_apis(engine: Engine, settings: Any) -> list[HttpApi] | None:
    """Return HTTP APIs (Litestar route handlers, default port, prefix) to serve."""


@hookspec
def register_servers(engine: Engine, settings: Any) -> list[ServerSpec] | None:
    """Return non-HTTP servers (async context managers) to run in the server's event loop."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``vectorizer`` command-line interface."""


# ----------------------------------------------------------------------------- storage


@hookspec
def register_storage_backends(register: Any) -> None:
    """Call ``register(backend)`` for each storage backend (``StorageBackend``) offered."""


# ----------------------------------------------------------------------------- collections


@hookspec
def collection_created(engine: Engine, name: str) -> None:
    """A collection was created (after it is durable)."""


@hookspec
def collection_deleted(engine: Engine, name: str) -> None:
    """A collection was deleted (after it is durable)."""


@hookspec
def points_changed(collection: Collection, operation: PointsOperation, ids: list[PointId]) -> None:
    """Points were written by ``operation`` (``vectorizer.operations``) and are durable."""


# ----------------------------------------------------------------------------- payload filtering


@hookspec
def register_filter_conditions(register: Any) -> None:
    """Call ``register(kind)`` for each filter condition kind (``ConditionKind``) offered."""


# ----------------------------------------------------------------------------- embedding


@hookspec
def register_embedders(register: Any) -> None:
    """Call ``register(cls)`` for each embedder kind (an ``Embedder`` subclass) offered."""


# ----------------------------------------------------------------------------- search


@hookspec
def prepare_query(collection: Collection, request: QueryRequest) -> None:
    """Change a query request in place before it runs."""
