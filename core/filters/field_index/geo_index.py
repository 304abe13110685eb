"""The geo index: ``{"lat", "lon"}`` points, latitude-sorted; answers GeoBoundingBox,
GeoRadius and GeoPolygon exactly as per-point evaluation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vectorizer.filters.ast import Condition, GeoBoundingBox, GeoPoint, GeoPolygon, GeoRadius
from vectorizer.filters.evaluate import haversine_m
from vectorizer.filters.field_index.base import ColumnIndex
from vectorizer.filters.field_index.column import EMPTY, ValueColumn
from vectorizer.filters.field_index.spec import IndexSpec
from vectorizer.filters.field_index.values import geo_value

# Mean earth radius in meters, as Qdrant and qdrant-client use.
EARTH_RADIUS_M = 6371008.8


class GeoIndex(ColumnIndex):
    """Geo points (``{"lat", "lon"}``); answers GeoBoundingBox, GeoRadius and GeoPolygon.

    Matches follow per-point evaluation (`vectorizer.filters.evaluate`): bounding boxes
    exclude their edges and cross the antimeridian when the left longitude exceeds the
    right; a radius holds points whose haversine distance is strictly below it; polygons
    use local mode's ray casting, points on a ring being outside the polygon.
    """

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = ValueColumn(np.float64, aux=True)  # lat sorted, lon alongside

    def add(self, slot: int, values: list[Any]) -> None:
        found = {p for v in values if (p := geo_value(v)) is not None}
        lat = np.fromiter((p[0] for p in found), dtype=np.float64, count=len(found))
        lon = np.fromiter((p[1] for p in found), dtype=np.float64, count=len(found))
        self._col.set(slot, lat, lon)

    def _candidates(self, condition: Condition) -> np.ndarray | None:
        """Positions of the entries that may match: those in a latitude band."""
        col = self._col
        if isinstance(condition, GeoBoundingBox):
            bottom, top = float(condition.bottom_right.lat), float(condition.top_left.lat)
            return col.between(bottom, True, top, True)
        if isinstance(condition, GeoRadius):
            # A great-circle distance is at least the latitude difference (for
            # latitudes within [-90, 90]; others are always candidates).
            reach = float(condition.radius) / EARTH_RADIUS_M
            lat = float(condition.center.lat)
            if not (reach < 3.0 and -90.0 <= lat <= 90.0):
                return col.between()
            margin = math.degrees(reach) * (1 + 1e-9) + 1e-9
            return np.concatenate(
                [
                    col.between(lat - margin, False, lat + margin, False),
                    col.between(None, False, -90.0, True),
                    col.between(90.0, True, None, False),
                ]
            )
        if isinstance(condition, GeoPolygon):
            if not condition.exterior:
                return EMPTY
            lats = [float(p.lat) for p in condition.exterior]
            lo, hi = min(lats), max(lats)
            margin = 1e-9 * max(1.0, abs(lo), abs(hi))
            return col.between(lo - margin, False, hi + margin, False)
        return None

    def answer(self, condition: Condition) -> np.ndarray | None:
        pos = self._candidates(condition)
        if pos is None:
            return None
        if not len(pos):
            return EMPTY
        col = self._col
        lat, lon = col.values_at(pos), col.aux_at(pos)
        with np.errstate(all="ignore"):
            if isinstance(condition, GeoBoundingBox):
                mask = _in_box(condition, lon)
            elif isinstance(condition, GeoRadius):
                mask = _within(condition, lat, lon)
            else:
                assert isinstance(condition, GeoPolygon)
                mask = _in_polygon(condition, lat, lon)
        return col.slots(pos[mask])

    def estimate(self, condition: Condition) -> int | None:
        pos = self._candidates(condition)
        return None if pos is None else len(pos)


def _in_box(box: GeoBoundingBox, lon: np.ndarray) -> np.ndarray:
    left, right = float(box.top_left.lon), float(box.bottom_right.lon)
    if left > right:
        return (lon > left) | (lon < right)
    return (left < lon) & (lon < right)


def _within(cond: GeoRadius, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Haversine distance below the radius, computed as `evaluate.haversine_m` does.

    numpy's arcsin can differ from libm's by an ulp, so distances within a hair of the
    radius are recomputed one by one with `haversine_m` itself.
    """
    lon0, lat0, radius = float(cond.center.lon), float(cond.center.lat), cond.radius
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = math.radians(lon0), math.radians(lat0)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    dist = EARTH_RADIUS_M * (2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
    mask = dist < radius
    close = np.flatnonzero(np.abs(dist - radius) <= 1e-9 * max(abs(radius), 1.0))
    for i in close.tolist():
        mask[i] = haversine_m(float(lon[i]), float(lat[i]), lon0, lat0) < radius
    return mask


def _in_ring(x: np.ndarray, y: np.ndarray, ring: tuple[GeoPoint, ...], on_edge: bool) -> np.ndarray:
    """Ray casting over (x=lat, y=lon), as local mode's `in_ring`; edge points give `on_edge`."""
    pts = [(float(p.lat), float(p.lon)) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    inside = np.zeros(len(x), dtype=bool)
    edge = np.zeros(len(x), dtype=bool)
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        edge |= (
            (y * (xi - xj) + yi * (xj - x) + yj * (x - xi) == 0)
            & ((xi - x) * (xj - x) <= 0)
            & ((yi - y) * (yj - y) <= 0)
        )
        crosses = (yi > y) != (yj > y)
        if yj != yi:
            inside ^= crosses & (x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        j = i
    return np.where(edge, on_edge, inside)


def _in_polygon(poly: GeoPolygon, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    result = _in_ring(lat, lon, poly.exterior, False)
    for hole in poly.interiors:
        if not result.any():
            break
        result &= ~_in_ring(lat, lon, hole, True)
    return result
