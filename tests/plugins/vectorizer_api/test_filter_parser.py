"""`vectorizer.filters.parse` (the native API's filter parser) reads filters as the Qdrant
REST plugin does, until that plugin imports it instead of keeping its own copy."""

from __future__ import annotations

from typing import Any

import pytest

from vectorizer.errors import InvalidInput
from vectorizer.filters.parse import InvalidFilter, filter_in
from vectorizer_qdrant_rest.wire import filters as rest_filters

FILTERS: list[dict[str, Any]] = [
    {"must": [{"key": "metadata.lang", "match": {"value": "en"}}]},
    {"should": [{"key": "n", "range": {"gte": 1, "lt": 5}}, {"has_id": [1, 2]}]},
    {"must_not": [{"is_empty": {"key": "tags"}}, {"is_null": {"key": "x"}}]},
    {"must": [{"key": "t", "match": {"any": ["a", "b"]}, "values_count": {"gt": 1}}]},
    {
        "must": [
            {"nested": {"key": "items", "filter": {"must": [{"key": "p", "match": {"value": 1}}]}}}
        ]
    },
    {"min_should": {"conditions": [{"key": "a", "match": {"text": "hello"}}], "min_count": 1}},
    {"must": [{"key": "when", "range": {"gt": "2024-01-01T00:00:00Z"}}]},
    {"must": [{"key": "geo", "geo_radius": {"center": {"lon": 1, "lat": 2}, "radius": 10}}]},
    {"must": [{"has_vector": "dense"}]},
]
BAD: list[Any] = [
    {"must": [{"key": "a", "match": {"valu": 1}}]},
    {"must": [{"key": "a", "range": {"gt": "x"}}]},
    {"bogus": []},
    [1],
]


@pytest.mark.parametrize("value", FILTERS)
def test_same_ast_as_the_rest_plugin(value: dict[str, Any]) -> None:
    assert filter_in(value, "filter", {}) == rest_filters.filter_in(value, "filter", {})


@pytest.mark.parametrize("value", BAD)
def test_same_errors_as_the_rest_plugin(value: Any) -> None:
    with pytest.raises(InvalidFilter) as ours:
        filter_in(value, "filter", {})
    with pytest.raises(rest_filters.InvalidFilter) as theirs:
        rest_filters.filter_in(value, "filter", {})
    assert ours.value.message == theirs.value.message
    assert ours.value.message.startswith("Format error in JSON body: filter")


def test_a_condition_with_only_a_key_is_the_same_validation_error() -> None:
    """Qdrant refuses it in validation (422), not in parsing: both plugins say so alike."""
    value = {"must": [{"key": "a"}]}
    with pytest.raises(InvalidInput) as ours:
        filter_in(value, "filter", {})
    with pytest.raises(InvalidInput) as theirs:
        rest_filters.filter_in(value, "filter", {})
    assert str(ours.value) == str(theirs.value)
    assert ours.value.field.startswith("filter.must[0]")
