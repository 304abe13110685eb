"""Range bounds as exact intervals over int64 and float values: what an integer or float
column must search so that the answer equals per-point comparison."""

from __future__ import annotations

import math

from vectorizer.filters.ast import Range
from vectorizer.filters.field_index.values import I64_MAX, I64_MIN


def int_interval(cond: Range) -> tuple[int, int] | None:
    """The inclusive int64 interval of integers satisfying the bounds, or None if empty."""
    lo, hi = I64_MIN, I64_MAX
    for bound, strict in ((cond.gt, True), (cond.gte, False)):
        if bound is None:
            continue
        if isinstance(bound, float):
            if math.isnan(bound) or bound == math.inf:
                return None
            if bound == -math.inf:
                continue
            lo = max(lo, math.floor(bound) + 1 if strict else math.ceil(bound))
        else:
            lo = max(lo, bound + 1 if strict else bound)
    for bound, strict in ((cond.lt, True), (cond.lte, False)):
        if bound is None:
            continue
        if isinstance(bound, float):
            if math.isnan(bound) or bound == -math.inf:
                return None
            if bound == math.inf:
                continue
            hi = min(hi, math.ceil(bound) - 1 if strict else math.floor(bound))
        else:
            hi = min(hi, bound - 1 if strict else bound)
    return (lo, hi) if lo <= hi else None


def _float_bound(bound: float | int, lower: bool, strict: bool) -> tuple[float, bool] | None:
    """The bound as a float comparison exactly equivalent over float values.

    An integer between two adjacent floats becomes an inclusive bound on the neighbour
    on the right side. None means the bound excludes every value (NaN).
    """
    if isinstance(bound, float):
        return None if math.isnan(bound) else (bound, strict)
    try:
        f = float(bound)
    except OverflowError:
        f = math.inf if bound > 0 else -math.inf
    if f == bound:
        return f, strict
    below, above = (
        (f, math.nextafter(f, math.inf)) if f < bound else (math.nextafter(f, -math.inf), f)
    )
    return (above, False) if lower else (below, False)


def float_interval(cond: Range) -> tuple[float | None, bool, float | None, bool] | None:
    """(lo, lo_strict, hi, hi_strict) for float values, or None if nothing can match."""
    lo: float | None = None
    lo_strict = False
    hi: float | None = None
    hi_strict = False
    for bound, strict in ((cond.gt, True), (cond.gte, False)):
        if bound is None:
            continue
        fb = _float_bound(bound, True, strict)
        if fb is None:
            return None
        if lo is None or fb[0] > lo or (fb[0] == lo and fb[1]):
            lo, lo_strict = fb
    for bound, strict in ((cond.lt, True), (cond.lte, False)):
        if bound is None:
            continue
        fb = _float_bound(bound, False, strict)
        if fb is None:
            return None
        if hi is None or fb[0] < hi or (fb[0] == hi and fb[1]):
            hi, hi_strict = fb
    return lo, lo_strict, hi, hi_strict


def unbounded(cond: Range) -> bool:
    return cond.gt is None and cond.gte is None and cond.lt is None and cond.lte is None


def in_range(cond: Range, value: float | int) -> bool:
    return (
        (cond.gt is None or value > cond.gt)
        and (cond.gte is None or value >= cond.gte)
        and (cond.lt is None or value < cond.lt)
        and (cond.lte is None or value <= cond.lte)
    )
