"""The native API's JSON bodies (msgspec Structs)."""

from __future__ import annotations

from typing import Any

import msgspec


class Health(msgspec.Struct):
    status: str
    version: str


class CollectionSummary(msgspec.Struct):
    name: str
    points_count: int


class CollectionList(msgspec.Struct):
    collections: list[CollectionSummary]


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    code: str
    """A stable slug derived from the HTTP status: `not_found`, `not_implemented`, ..."""
    message: str
    details: Any = None
    """Extra context when there is some (e.g. which request fields failed validation)."""


class ErrorBody(msgspec.Struct):
    """Every error the native API answers with: `{"error": {"code": ..., "message": ...}}`."""

    error: ErrorDetail
