"""A third-party Vectorizer plugin: a `starts_with` payload filter condition.

`{"key": "title", "starts_with": "vec"}` matches points whose `title` (or any string of
it, for an array) starts with ``vec``. Installed with
`pip install --no-deps -e tests/plugins/condition_plugin`, it is found through the
`vectorizer` entry-point group like any other plugin; tests also register the module
directly on a plugin manager.
"""

from __future__ import annotations

from typing import Any

from vectorizer import BadRequest, hookimpl
from vectorizer.filters.ast import ConditionKind

NAME = "starts_with"


def parse(value: Any, where: str) -> str:
    """The prefix: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f"Wrong input: {where}: expected a non-empty string prefix")
    return value


def match(prefix: str, values: list[Any]) -> bool:
    return any(isinstance(v, str) and v.startswith(prefix) for v in values)


def index_answer(prefix: str, index: Any) -> None:
    """No payload index answers a prefix here: the core checks point by point."""
    return None


KIND = ConditionKind(name=NAME, parse=parse, match=match, index_answer=index_answer)


@hookimpl
def register_filter_conditions(register: Any) -> None:
    register(KIND)
