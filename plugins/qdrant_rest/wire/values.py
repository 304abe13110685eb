"""Point ids in Qdrant's JSON: an unsigned integer or a UUID string, kept with the kind
they went in with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vectorizer.models import (
    PointId,
    normalize_point_id,
)
from vectorizer_qdrant_rest.wire.errors import ValidationFailed

if TYPE_CHECKING:
    pass


def point_id(value: Any, where: str) -> PointId:
    """An ExtendedPointId: an unsigned integer or a UUID string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(where, "point id must be an unsigned integer or a UUID string")
    return normalize_point_id(value)


def point_ids(values: list[Any], where: str) -> list[PointId]:
    return [point_id(v, f"{where}[{i}]") for i, v in enumerate(values)]
