"""Payload index specs: the index types, their params with Qdrant's defaults, and the
validation of a `field_schema` wire value into an `IndexSpec`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vectorizer.errors import BadRequest, InvalidInput, Unsupported
from vectorizer.filters.tokenizers import TOKENIZERS

INDEX_TYPES = ("keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid")

# Every field Qdrant 1.14 knows for each index type, with its default.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "keyword": {"is_tenant": False, "on_disk": False},
    "integer": {"lookup": True, "range": True, "is_principal": False, "on_disk": False},
    "float": {"is_principal": False, "on_disk": False},
    "geo": {"on_disk": False},
    "text": {
        "tokenizer": "word",
        "min_token_len": None,
        "max_token_len": None,
        "lowercase": True,
        "on_disk": False,
    },
    "bool": {"on_disk": False},
    "datetime": {"is_principal": False, "on_disk": False},
    "uuid": {"is_tenant": False, "on_disk": False},
}
# Text index options added after Qdrant 1.14.
_LATER_TEXT_OPTIONS = ("phrase_matching", "stopwords", "stemmer", "ascii_folding")


@dataclass(frozen=True)
class IndexSpec:
    """A payload index on `field`: its type and full params (every default filled in).

    `given` is the params object as the request gave it (its non-null fields), or None
    when the request named the bare type; Qdrant reports `params` only in the latter case.
    """

    field: str
    type: str
    params: dict[str, Any]
    given: dict[str, Any] | None = None

    @property
    def wire(self) -> str | dict[str, Any]:
        """The `field_schema` as the request gave it: what is stored, to report it back."""
        return self.type if self.given is None else self.given


def _bad(where: str, problem: str) -> BadRequest:
    return BadRequest(f"Wrong input: {where}: {problem}")


def parse_index_spec(field: str, schema: str | dict[str, Any] | None) -> IndexSpec:
    """Validate a `field_schema` wire value (a type name or a params object)."""
    if not isinstance(field, str) or not field:
        raise _bad("field_name", "must be a non-empty string")
    if schema is None:
        raise _bad("field_schema", f"required to create an index (one of {', '.join(INDEX_TYPES)})")
    if isinstance(schema, str):
        if schema not in INDEX_TYPES:
            raise _bad("field_schema", f"unknown payload index type {schema!r}")
        return IndexSpec(field, schema, {"type": schema, **_DEFAULTS[schema]})
    if not isinstance(schema, dict):
        raise _bad("field_schema", "expected a payload index type name or a params object")
    kind = schema.get("type")
    if kind is None:
        raise _bad("field_schema.type", "missing")
    if not isinstance(kind, str) or kind not in INDEX_TYPES:
        raise _bad("field_schema.type", f"unknown payload index type {kind!r}")
    defaults = _DEFAULTS[kind]
    given: dict[str, Any] = {"type": kind}
    for key, value in schema.items():
        if key == "type" or value is None:
            continue
        where = f"field_schema.{key}"
        if key not in defaults:
            if kind == "text" and key in _LATER_TEXT_OPTIONS:
                raise Unsupported(f"text index option {key!r} (added after Qdrant 1.14)")
            raise _bad(where, f"unknown field for a {kind} index")
        if key == "tokenizer":
            if value not in TOKENIZERS:
                raise _bad(where, f"unknown tokenizer {value!r} (one of {', '.join(TOKENIZERS)})")
        elif key in ("min_token_len", "max_token_len"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _bad(where, f"expected a non-negative integer, got {value!r}")
        elif not isinstance(value, bool):
            raise _bad(where, f"expected a boolean, got {value!r}")
        given[key] = value
    if kind == "integer" and given.get("lookup") is False and given.get("range") is False:
        raise InvalidInput(  # Qdrant's validation of the params, not a format error
            "field_schema",
            "Validation error: the 'lookup' and 'range' capabilities can't be both disabled [{}]",
        )
    return IndexSpec(field, kind, {"type": kind, **defaults, **given}, given)
