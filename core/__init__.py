"""Vectorizer: a Qdrant-compatible vector database core and plugin host.

The core's public API is what this module exports (`__all__`) and the modules listed in
`PUBLIC_MODULES`; plugins import nothing else from the core, and no name starting with
`_` (tests/host/test_public_api.py). What a plugin needs from another core module is
re-exported here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from vectorizer.build import build_commit
from vectorizer.collection.vectors.sparse import MAX_INDEX as MAX_SPARSE_INDEX
from vectorizer.collection.vectors.sparse import sparse_problem
from vectorizer.engine import Collection, Engine
from vectorizer.errors import (
    AlreadyExists,
    BadRequest,
    CollectionNotFound,
    Conflict,
    Locked,
    NotFound,
    PointNotFound,
    RateLimited,
    StorageError,
    StrictModeViolation,
    Unsupported,
    VectorizerError,
)
from vectorizer.filters.evaluate import parse_datetime
from vectorizer.host.apis import HttpApi, ServerSpec
from vectorizer.host.hookspecs import hookimpl
from vectorizer.host.plugins import known_entry_points, make_plugin_manager
from vectorizer.host.settings import Settings
from vectorizer.names import validate_collection_name
from vectorizer.payload import parse_path
from vectorizer.segment import SegmentInfo

if TYPE_CHECKING:
    from vectorizer.host.server import Host

try:
    __version__ = version("vectorizer")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

QDRANT_VERSION = "1.19.0"
"""The newest Qdrant API version Vectorizer serves, reported by `GET /` and gRPC
HealthCheck unless the `qdrant_version` setting says otherwise: qdrant-client 1.18 to 1.20
connect to it without a warning. Everything of Qdrant 1.14 is served too (its REST suite
runs in CI); what 1.15-1.19 added and is not built answers 501 / UNIMPLEMENTED."""

QDRANT_TITLE = "qdrant - vector search engine"
"""The server title Qdrant's APIs report (`GET /`, gRPC `HealthCheck`): clients and the
Qdrant test suite check it, so Vectorizer answers it too; its own name and version are
in `/telemetry` (`app`), `/metrics` (`app_info`) and the `x-vectorizer-version` header."""

PUBLIC_MODULES = (
    "vectorizer",
    "vectorizer.config_json",
    "vectorizer.errors",
    "vectorizer.facet",
    "vectorizer.filters.ast",
    "vectorizer.filters.parse",
    "vectorizer.matrix",
    "vectorizer.models",
    "vectorizer.operations",
    "vectorizer.query",
    "vectorizer.query.formula",
    "vectorizer.snapshots",
    "vectorizer.text",
)
"""The core modules a plugin may import: domain types and errors, the collection config's
JSON shape, writes as operations,
the query model, facets and the distance matrix, the filter language (AST and parser),
snapshots and text collections. From `vectorizer` itself only the names in `__all__`;
from the others any name not starting with `_`."""


def __getattr__(name: str) -> Any:
    """`Host`, the one-process server, is imported when first asked for: the serving
    machinery (uvicorn) is not loaded by `import vectorizer`."""
    if name == "Host":
        from vectorizer.host.server import Host

        return Host
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_SPARSE_INDEX",
    "PUBLIC_MODULES",
    "QDRANT_TITLE",
    "QDRANT_VERSION",
    "AlreadyExists",
    "BadRequest",
    "Collection",
    "CollectionNotFound",
    "Conflict",
    "Engine",
    "Host",
    "HttpApi",
    "Locked",
    "NotFound",
    "PointNotFound",
    "RateLimited",
    "SegmentInfo",
    "ServerSpec",
    "Settings",
    "StorageError",
    "StrictModeViolation",
    "Unsupported",
    "VectorizerError",
    "__version__",
    "build_commit",
    "hookimpl",
    "known_entry_points",
    "make_plugin_manager",
    "parse_datetime",
    "parse_path",
    "sparse_problem",
    "validate_collection_name",
]
