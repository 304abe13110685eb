"""Payload key paths (``a.b``, ``a[]``, ``a[].b``, ``a[0]``) and the payload operations on them."""

from __future__ import annotations

import copy
import re
from typing import Any

from vectorizer.errors import BadRequest
from vectorizer.models import Payload, WithPayload

_TOKEN = re.compile(r'"([^"]*)"|([^.\[\]"]+)|\[(\d*)\]|(\.)')

Step = str | int | None
"""A path step: an object key, an array index, or None for every array element (``[]``)."""


def parse_path(path: str) -> list[Step]:
    """Split a key path into steps; raise BadRequest naming the path when malformed."""
    steps: list[Step] = []
    pos = 0
    expect_key = True
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            raise BadRequest(f"Bad payload key path {path!r} at position {pos}")
        quoted, key, index, dot = match.groups()
        if dot is not None:
            if expect_key:
                raise BadRequest(f"Bad payload key path {path!r}: empty key at position {pos}")
            expect_key = True
        elif index is not None:
            if not steps:
                raise BadRequest(f"Bad payload key path {path!r}: starts with an index")
            steps.append(int(index) if index else None)
        else:
            if not expect_key:
                raise BadRequest(f"Bad payload key path {path!r}: missing '.' at position {pos}")
            steps.append(quoted if quoted is not None else key)
            expect_key = False
        pos = match.end()
    if not steps or expect_key:
        raise BadRequest(f"Bad payload key path {path!r}")
    return steps


def _targets(value: Any, steps: list[Step], create: bool) -> list[Any]:
    """Every container reached by following `steps`; objects are created when `create`."""
    current = [value]
    for step in steps:
        nxt: list[Any] = []
        for node in current:
            if isinstance(step, str):
                if not isinstance(node, dict):
                    continue
                if step not in node or (create and not isinstance(node[step], dict | list)):
                    if not create:
                        continue
                    node[step] = {}
                nxt.append(node[step])
            elif not isinstance(node, list):
                continue
            elif step is None:
                nxt.extend(node)
            elif step < len(node):
                nxt.append(node[step])
        current = nxt
    return current


def set_at(payload: Payload, key: str | None, values: Payload) -> None:
    """Merge `values` into the payload, or into the object at `key`, as Qdrant's
    `set_value_to_json_map` does: a missing or non-object value on the path becomes an
    object at a key step; an index step makes an array (padded with nulls up to the
    index); `[]` goes into every element of an array, and makes an empty array of
    anything else; the value reached, if not an object, becomes one."""
    if key is None:
        payload.update(copy.deepcopy(values))
        return
    steps = parse_path(key)
    first = steps[0]
    assert isinstance(first, str)  # a path starts with a key
    payload[first] = _set(payload.get(first), steps[1:], values)


def _set(value: Any, steps: list[Step], values: Payload) -> Any:
    """`value` with `values` merged in at `steps` (Qdrant's `json_value_set`)."""
    if not steps:
        target = value if isinstance(value, dict) else {}
        target.update(copy.deepcopy(values))
        return target
    step, rest = steps[0], steps[1:]
    if isinstance(step, str):
        target = value if isinstance(value, dict) else {}
        target[step] = _set(target.get(step), rest, values)
        return target
    if step is None:
        if not isinstance(value, list):
            return []
        value[:] = [_set(item, rest, values) for item in value]
        return value
    items: list[Any] = value if isinstance(value, list) else []
    if step >= len(items):
        items.extend([None] * (step + 1 - len(items)))
    items[step] = _set(items[step], rest, values)
    return items


def delete_keys(payload: Payload, keys: list[str]) -> None:
    """Remove each key path from the payload (array steps delete from every element)."""
    for key in keys:
        steps = parse_path(key)
        parents = _targets(payload, steps[:-1], create=False)
        last = steps[-1]
        for parent in parents:
            if isinstance(last, str) and isinstance(parent, dict):
                parent.pop(last, None)
            elif isinstance(last, int) and isinstance(parent, list) and last < len(parent):
                del parent[last]
            elif last is None and isinstance(parent, list):
                parent.clear()


def _project(value: Any, steps: list[Step]) -> Any:
    """The part of `value` on the path `steps`, keeping its shape (for `include`)."""
    if not steps:
        return copy.deepcopy(value)
    step, rest = steps[0], steps[1:]
    if isinstance(step, str):
        if isinstance(value, dict) and step in value:
            return {step: _project(value[step], rest)}
        return None
    if not isinstance(value, list):
        return None
    items = value if step is None else value[step : step + 1]
    return [_project(item, rest) for item in items]


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for k, v in part.items():
        if k in into and isinstance(into[k], dict) and isinstance(v, dict):
            _merge(into[k], v)
        else:
            into[k] = v


def select(payload: Payload | None, spec: WithPayload) -> Payload | None:
    """The payload as a response shows it under `with_payload`."""
    if not spec.enabled:
        return None
    if payload is None:
        return {}
    if spec.include is not None:
        out: dict[str, Any] = {}
        for key in spec.include:
            part = _project(payload, parse_path(key))
            if isinstance(part, dict):
                _merge(out, part)
        return out
    if spec.exclude is not None:
        trimmed = copy.deepcopy(payload)
        delete_keys(trimmed, spec.exclude)
        return trimmed
    return payload


_IMMUTABLE = (str, int, float, bool, type(None))


def copy_value(value: Any) -> Any:
    """A deep copy of a JSON value (a payload), several times faster than `copy.deepcopy`
    on the dicts, lists and scalars a payload is made of; anything else is deep-copied."""
    kind = type(value)
    if kind is dict:
        return {key: copy_value(item) for key, item in value.items()}
    if kind is list:
        return [copy_value(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)
