"""Request statistics per API and endpoint, as Qdrant's `/telemetry` reports them.

The API plugins record each request they answer (`RequestStats.record`); the REST
plugin's `/telemetry` reports every API's table (`RequestStats.report`), in Qdrant's
`OperationDurationStatistics` shape.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RECENT = 128
"""Qdrant averages the durations of the latest 128 operations."""


@dataclass
class Durations:
    """One operation's statistics (Qdrant's `OperationDurationStatistics`); not locked:
    its owner serialises `add` and `report`."""

    count: int = 0
    fail_count: int = 0
    total: float = 0.0
    low: float = float("inf")
    high: float = 0.0
    last: float | None = None  # wall clock (time.time()) of the latest one
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))

    def add(self, seconds: float, failed: bool = False) -> None:
        self.count += 1
        self.fail_count += failed
        self.total += seconds
        if seconds < self.low:
            self.low = seconds
        if seconds > self.high:
            self.high = seconds
        self.last = time.time()
        self.recent.append(seconds)

    def report(self) -> dict[str, Any]:
        """As Qdrant serialises it: none recorded yet is only the zero count and total."""
        if not self.count:
            return {"count": 0, "total_duration_micros": 0}
        micros = 1_000_000
        last = None
        if self.last is not None:
            moment = dt.datetime.fromtimestamp(self.last, dt.UTC)
            last = moment.isoformat().replace("+00:00", "Z")
        return {
            "count": self.count,
            "fail_count": self.fail_count,
            "avg_duration_micros": sum(self.recent) / len(self.recent) * micros,
            "min_duration_micros": self.low * micros,
            "max_duration_micros": self.high * micros,
            "total_duration_micros": int(self.total * micros),
            "last_responded": last,
        }


class RequestStats:
    """Durations of the requests each API answered, by endpoint and (for HTTP) status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: dict[str, dict[str, dict[str, Durations]]] = {}

    def record(
        self, api: str, endpoint: str, seconds: float, *, status: str = "", failed: bool = False
    ) -> None:
        """One answered request: `endpoint` as the API names it (`"GET /collections"`,
        `"/qdrant.Points/Search"`), its `status` (an HTTP code; "" where there is none)."""
        with self._lock:
            statuses = self._table.setdefault(api, {}).setdefault(endpoint, {})
            statuses.setdefault(status, Durations()).add(seconds, failed)

    def report(self, api: str) -> dict[str, dict[str, dict[str, Any]]]:
        """endpoint -> status -> `OperationDurationStatistics` of one API."""
        with self._lock:
            return {
                endpoint: {status: d.report() for status, d in statuses.items()}
                for endpoint, statuses in sorted(self._table.get(api, {}).items())
            }
