"""Payload values as the field indexes read them: int64 bounds, datetimes as epoch
microseconds, canonical uuids, numbers (never bools) and geo points."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from vectorizer.filters.evaluate import parse_datetime

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def datetime_value(value: Any) -> int | None:
    """Microseconds since the epoch of a payload datetime string, else None.

    Parsed by `evaluate.parse_datetime`, so the index reads exactly the strings that
    per-point evaluation reads.
    """
    if not isinstance(value, str):
        return None
    try:
        return datetime_micros(parse_datetime(value))
    except ValueError:
        return None


def datetime_micros(moment: dt.datetime | dt.date) -> int:
    """Microseconds since the epoch for a datetime (naive means UTC) or a date (midnight)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // _MICRO


def canonical_uuid(value: Any) -> str | None:
    """The canonical (lower-case, hyphenated) form of a UUID string, else None."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def geo_value(value: Any) -> tuple[float, float] | None:
    """(lat, lon) of a ``{"lat": .., "lon": ..}`` payload value with numeric coordinates.

    Like per-point evaluation, coordinates are not range-checked. NaN coordinates are
    left out: they satisfy no geo condition.
    """
    if not isinstance(value, dict):
        return None
    lat, lon = value.get("lat"), value.get("lon")
    if not (is_number(lat) and is_number(lon)):
        return None
    assert lat is not None and lon is not None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except OverflowError:
        return None
    if lat_f != lat_f or lon_f != lon_f:
        return None
    return lat_f, lon_f
