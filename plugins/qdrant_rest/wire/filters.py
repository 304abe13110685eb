"""Qdrant's JSON `Filter` in request bodies -> the core's filter AST.

Parsing one filter is the core's (`vectorizer.filters.parse`: conditions told apart by
their keys, nothing ignored, an `InvalidFilter` (HTTP 400) naming the path to the bad
part). `convert_filters` applies it to every `filter` field of a decoded request body
(`searches[2].filter` in a batch too), so every endpoint gets the AST from one place.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import msgspec

from vectorizer.filters.ast import ConditionKind, Filter
from vectorizer.filters.parse import NEVER, InvalidFilter, condition_in, filter_in

__all__ = ["NEVER", "InvalidFilter", "condition_in", "convert_filters", "filter_in"]


# ----------------------------------------------------------------------------- request bodies

FILTER_FIELDS = frozenset({"filter", "update_filter"})
"""The body fields that hold a Qdrant `Filter`."""


def convert_filters(body: Any, kinds: Mapping[str, ConditionKind]) -> Any:
    """Replace every `filter` (and `update_filter`) field of a decoded request Struct by
    its AST, in place.

    Walks nested Structs and lists of Structs (batch requests); a `filter` that is
    null stays None. Returns `body`.
    """
    if isinstance(body, msgspec.Struct):
        _convert_struct(body, "", kinds)
    return body


def _convert_struct(struct: msgspec.Struct, where: str, kinds: Mapping[str, ConditionKind]) -> None:
    for name, holds_structs in _filter_fields(type(struct)):
        value = getattr(struct, name)
        here = f"{where}.{name}" if where else name
        if not holds_structs:
            if value is not None and not isinstance(value, Filter):
                setattr(struct, name, filter_in(value, here, kinds))
        elif isinstance(value, msgspec.Struct):
            _convert_struct(value, here, kinds)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, msgspec.Struct):
                    _convert_struct(item, f"{here}[{i}]", kinds)


@functools.cache
def _filter_fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, bool], ...]:
    """Fields of `cls` to visit: (`filter`, False), or (name, True) for Struct fields
    (or lists of Structs) that hold a `filter` somewhere below."""
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    out: list[tuple[str, bool]] = []
    for field in info.fields:
        if field.name in FILTER_FIELDS:
            out.append((field.name, False))
        elif any(_filter_fields(inner) for inner in _struct_types(field.type)):
            out.append((field.name, True))
    return tuple(out)


def _struct_types(info: msgspec.inspect.Type) -> list[type[msgspec.Struct]]:
    if isinstance(info, msgspec.inspect.StructType):
        return [info.cls]
    if isinstance(info, msgspec.inspect.UnionType):
        return [cls for t in info.types for cls in _struct_types(t)]
    if isinstance(info, msgspec.inspect.ListType | msgspec.inspect.TupleType):
        item = getattr(info, "item_type", None)
        return _struct_types(item) if item is not None else []
    return []
