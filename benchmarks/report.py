"""Tables: markdown printed to stdout, rows kept for the JSON file."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """One table of a part: `columns` are row keys; `notes` print under the title."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, **row: Any) -> None:
        self.rows.append(row)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.notes:
            lines += [*self.notes, ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "---|" * len(self.columns))
        for row in self.rows:
            lines.append("| " + " | ".join(fmt(row.get(c)) for c in self.columns) + " |")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "notes": self.notes, "rows": self.rows}


def fmt(value: Any) -> str:
    """Numbers at a useful precision; None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value / baseline
