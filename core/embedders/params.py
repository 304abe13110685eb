"""Embedder parameters: a declared list of `Param` per kind, validated into JSON-able values.

Each `Param` has a default and a `check` that returns the normalised value or raises
`ValueError` saying what was expected; `validate_params` turns that into a `BadRequest`
naming the embedder and the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vectorizer.errors import BadRequest

Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Param:
    """One parameter of an embedder kind: its name, default (JSON-able) and meaning."""

    name: str
    default: Any
    doc: str
    check: Check

    @property
    def default_json(self) -> str:
        """The default as it is written in JSON (and in the docs' tables)."""
        return json.dumps(self.default)


def param_error(kind: str, name: str, reason: str) -> BadRequest:
    return BadRequest(f"Wrong input: embedder `{kind}`: parameter `{name}`: {reason}")


def validate_params(
    kind: str, spec: Sequence[Param], raw: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Fill defaults and check every value; unknown names and bad values are `BadRequest`."""
    raw = dict(raw or {})
    known = {p.name for p in spec}
    for name in raw:
        if name not in known:
            listing = ", ".join(f"`{n}`" for n in sorted(known)) or "none"
            raise param_error(kind, str(name), f"unknown parameter (known: {listing})")
    params: dict[str, Any] = {}
    for p in spec:
        if p.name not in raw:
            params[p.name] = p.default
            continue
        try:
            params[p.name] = p.check(raw[p.name])
        except ValueError as exc:
            raise param_error(kind, p.name, f"{exc}, got {json.dumps(raw[p.name])}") from None
    return params


# ----------------------------------------------------------------------------- checks


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def nullable(check: Check) -> Check:
    """Also accept `null`."""
    return lambda value: None if value is None else check(value)


def integer(lo: int, hi: int | None = None) -> Check:
    def check(value: Any) -> int:
        if not _is_int(value) or value < lo or (hi is not None and value > hi):
            upper = f" and at most {hi}" if hi is not None else ""
            raise ValueError(f"expected an integer of at least {lo}{upper}")
        return int(value)

    return check


def number(lo: float, hi: float | None = None, *, lo_open: bool = False) -> Check:
    def check(value: Any) -> float:
        low_ok = _is_number(value) and (value > lo if lo_open else value >= lo)
        if not low_ok or (hi is not None and value > hi):
            bound = f"above {lo}" if lo_open else f"at least {lo}"
            upper = f" and at most {hi}" if hi is not None else ""
            raise ValueError(f"expected a number {bound}{upper}")
        return float(value)

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def choice(*options: Any) -> Check:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or value not in options:
            raise ValueError("expected one of " + ", ".join(json.dumps(o) for o in options))
        return value

    return check


def int_range(value: Any) -> list[int]:
    """`[min, max]`, integers with 1 <= min <= max (an n-gram range)."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(_is_int(v) for v in value)
        or not 1 <= value[0] <= value[1]
    ):
        raise ValueError("expected [min, max] with integers 1 <= min <= max")
    return [int(value[0]), int(value[1])]


def count_or_fraction(value: Any) -> int | float:
    """scikit-learn's document frequency bound: an integer count, or a fraction in (0, 1]."""
    if _is_int(value) and value >= 1:
        return int(value)
    if isinstance(value, float) and 0.0 < value <= 1.0:
        return value
    raise ValueError("expected a document count (integer >= 1) or a fraction in (0.0, 1.0]")
