"""Turn a filter into the set of matching slots, using payload indexes where they answer.

Like Qdrant's query planner: conditions an index can answer are looked up; the rest
are checked point by point, only over the points still in the running (conditions in
`must` narrow the candidates for the ones after them, indexed ones first). The result
is a boolean mask over slots; its count is the filter's exact cardinality, which the
collection uses to choose exact search over the matches or HNSW with an allow-mask.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from vectorizer.filters.ast import (
    Condition,
    Custom,
    Filter,
    HasId,
    HasVector,
    MatchText,
    Nested,
)
from vectorizer.filters.evaluate import EvalContext, PointView, check
from vectorizer.filters.field_index import PayloadIndex
from vectorizer.models import Payload, PointId, normalize_point_id


@dataclass
class FilterScope:
    """What filtering needs to see of a collection, read under its lock."""

    live: np.ndarray  # bool per slot: the slot holds a point
    ids: list[PointId | None]
    payloads: list[Payload | None]
    slot_of: Mapping[PointId, int]
    vector_present: Callable[[str], np.ndarray]  # bool per slot for a vector name
    indexes: Mapping[str, PayloadIndex]
    ctx: EvalContext

    def point(self, slot: int) -> PointView:
        point_id = self.ids[slot]
        assert point_id is not None
        return PointView(
            id=point_id,
            payload=self.payloads[slot] or {},
            has_vector=lambda name: bool(self.vector_present(name)[slot]),
        )


def filter_mask(flt: Filter, scope: FilterScope, among: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the live slots whose point matches `flt`; with `among` (slots),
    only those are tested, so a few candidates never cost a pass over every point."""
    candidates = scope.live.copy()
    if among is not None:
        chosen = np.zeros_like(candidates)
        chosen[among] = True
        candidates &= chosen
    return _filter(flt, scope, candidates)


def indexed_slots(flt: Filter, scope: FilterScope) -> np.ndarray | None:
    """Sorted matching slots when the filter is only `must` conditions that indexes (or
    `has_id`) answer; None otherwise. The common case then never builds a per-slot mask."""
    if flt.should or flt.must_not or flt.min_should is not None or not flt.must:
        return None
    slots: np.ndarray | None = None
    for cond in flt.must:
        answer: np.ndarray | None
        if isinstance(cond, HasId):
            found = (scope.slot_of.get(normalize_point_id(i)) for i in cond.ids)
            answer = np.unique(np.array([s for s in found if s is not None], dtype=np.int64))
        elif _indexed(cond, scope):
            answer = _from_index(cond, scope)
        else:
            answer = None
        if answer is None:
            return None
        slots = answer if slots is None else np.intersect1d(slots, answer, assume_unique=True)
    return slots


def _filter(flt: Filter, scope: FilterScope, candidates: np.ndarray) -> np.ndarray:
    result = candidates.copy()
    for cond in sorted(flt.must, key=lambda c: not _indexed(c, scope)):
        result &= _condition(cond, scope, result)
        if not result.any():
            return result
    for cond in flt.must_not:
        result &= ~_condition(cond, scope, result)
    if flt.should:
        any_of = np.zeros_like(result)
        for cond in sorted(flt.should, key=lambda c: not _indexed(c, scope)):
            any_of |= _condition(cond, scope, result & ~any_of)
        result &= any_of
    if flt.min_should is not None:
        counts = np.zeros(len(result), dtype=np.int64)
        for cond in flt.min_should.conditions:
            counts += _condition(cond, scope, result)
        result &= counts >= flt.min_should.min_count
    return result


def _indexed(cond: Condition, scope: FilterScope) -> bool:
    """Whether an index can answer the condition (cheaply: its estimate, not its answer)."""
    key = getattr(cond, "key", None)
    index = scope.indexes.get(key) if isinstance(key, str) else None
    if index is None or isinstance(cond, Nested):
        return False
    if isinstance(cond, Custom):
        return cond.kind.index_answer is not None
    return index.estimate(cond) is not None


def _from_index(cond: Condition, scope: FilterScope) -> np.ndarray | None:
    """Matching slots from a payload index on the condition's key, if one can answer."""
    key = getattr(cond, "key", None)
    if key is None or isinstance(cond, Nested):
        return None
    index = scope.indexes.get(key)
    if index is None:
        return None
    if isinstance(cond, Custom):
        if cond.kind.index_answer is None:
            return None
        return cond.kind.index_answer(cond.params, index)
    if isinstance(cond, MatchText) and index.spec.type != "text":
        return None  # without a text index, match.text is a substring match
    return index.answer(cond)


def _condition(cond: Condition, scope: FilterScope, candidates: np.ndarray) -> np.ndarray:
    """Mask of candidates matching one condition (slots outside candidates are False)."""
    if isinstance(cond, Filter):
        return _filter(cond, scope, candidates)
    if isinstance(cond, HasId):
        out = np.zeros_like(candidates)
        found = [scope.slot_of.get(normalize_point_id(i)) for i in cond.ids]
        out[[s for s in found if s is not None]] = True
        return out & candidates
    if isinstance(cond, HasVector):
        present = scope.vector_present(cond.name)
        return candidates & present[: len(candidates)]
    slots = _from_index(cond, scope)
    if slots is not None:
        out = np.zeros_like(candidates)
        out[slots[slots < len(out)]] = True
        return out & candidates
    out = np.zeros_like(candidates)
    for slot in np.flatnonzero(candidates).tolist():
        out[slot] = check(cond, scope.point(slot), scope.ctx)
    return out


# ----------------------------------------------------------------------------- estimation


def expected_cardinality(flt: Filter, scope: FilterScope) -> int:
    """The number of live points expected to match `flt`, estimated without evaluating it
    the way Qdrant's query estimator does (`estimate_filter`): a condition an index (or
    `has_id`, `has_vector`) answers counts its matches, any other is expected to match
    half the points; `must` multiplies the fractions, `should` combines them as
    independent events, `must_not` takes the complement."""
    total = int(np.count_nonzero(scope.live))
    return _estimate_filter(flt, scope, total)


def _estimate_filter(flt: Filter, scope: FilterScope, total: int) -> int:
    parts = []
    if flt.must:
        parts.append(_must([_estimate(c, scope, total) for c in flt.must], total))
    if flt.should:
        parts.append(_should([_estimate(c, scope, total) for c in flt.should], total))
    if flt.min_should is not None:
        found = [_estimate(c, scope, total) for c in flt.min_should.conditions]
        parts.append(_min_should(found, flt.min_should.min_count, total))
    if flt.must_not:
        parts.append(_must([total - _estimate(c, scope, total) for c in flt.must_not], total))
    return _must(parts, total)


def _estimate(cond: Condition, scope: FilterScope, total: int) -> int:
    if isinstance(cond, Filter):
        return _estimate_filter(cond, scope, total)
    if isinstance(cond, HasId):
        return sum(normalize_point_id(i) in scope.slot_of for i in cond.ids)
    if isinstance(cond, HasVector):
        return int(np.count_nonzero(scope.vector_present(cond.name)[: len(scope.live)]))
    if _indexed(cond, scope):
        index = scope.indexes[cond.key]
        found = index.estimate(cond) if not isinstance(cond, Custom) else None
        if found is None:
            slots = _from_index(cond, scope)
            found = len(slots) if slots is not None else total // 2
        return min(found, total)
    return total // 2  # unknown: Qdrant's `CardinalityEstimation::unknown`


def _must(estimates: list[int], total: int) -> int:
    if total == 0:
        return 0
    probability = 1.0
    for found in estimates:
        probability *= found / total
    return _round(probability * total)


def _should(estimates: list[int], total: int) -> int:
    if total == 0:
        return 0
    missed = 1.0
    for found in estimates:
        missed *= 1.0 - found / total
    return _round((1.0 - missed) * total)


def _min_should(estimates: list[int], min_count: int, total: int) -> int:
    if min_count > len(estimates):
        return 0
    if math.comb(len(estimates), min_count) > _MIN_SHOULD_COMBINATIONS:
        return _should(estimates, total)
    return _should(
        [_must(list(group), total) for group in itertools.combinations(estimates, min_count)],
        total,
    )


_MIN_SHOULD_COMBINATIONS = 100_000


def _round(value: float) -> int:
    """Halves away from zero, as Rust's `f64::round` (Python's `round` goes to even)."""
    return math.floor(value + 0.5)
