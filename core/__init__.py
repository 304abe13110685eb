"""Vectorizer: a Qdrant-compatible vector database core and plugin host."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from vectorizer.build import build_commit
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
from vectorizer.host.apis import HttpApi, ServerSpec
from vectorizer.host.hookspecs import hookimpl

try:
    __version__ = version("vectorizer")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

QDRANT_VERSION = "1.14.1"
"""The Qdrant version whose APIs Vectorizer speaks (reported by `GET /`)."""

QDRANT_TITLE = "qdrant - vector search engine"
"""The server title Qdrant's APIs report (`GET /`, gRPC `HealthCheck`): clients and the
Qdrant test suite check it, so Vectorizer answers it too; its own name and version are
in `/telemetry` (`app`), `/metrics` (`app_info`) and the `x-vectorizer-version` header."""

__all__ = [
    "QDRANT_TITLE",
    "QDRANT_VERSION",
    "AlreadyExists",
    "BadRequest",
    "Collection",
    "CollectionNotFound",
    "Conflict",
    "Engine",
    "HttpApi",
    "Locked",
    "NotFound",
    "PointNotFound",
    "RateLimited",
    "ServerSpec",
    "StorageError",
    "StrictModeViolation",
    "Unsupported",
    "VectorizerError",
    "__version__",
    "build_commit",
    "hookimpl",
]
