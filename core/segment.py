"""What a collection measures about itself as Qdrant's one segment (telemetry level 4).

A Vectorizer collection is held in memory as one appendable "segment" in Qdrant's terms:
one set of vector columns, payloads and payload indexes, with an HNSW graph per dense
vector once it is built. `Collection.segment_info()` fills a `SegmentInfo` with measured
numbers; the API plugins shape it into their wire form.

Searches are counted per vector name in Qdrant's categories (`SEARCH_CATEGORIES`), each
in the category of the path the search actually took (`SearchStats.record`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from vectorizer.models import HnswConfig
from vectorizer.request_stats import Durations

UNFILTERED_PLAIN = "unfiltered_plain"
"""A scan of every vector of a space with no graph (or a scoring query that scans)."""
UNFILTERED_HNSW = "unfiltered_hnsw"
UNFILTERED_SPARSE = "unfiltered_sparse"
UNFILTERED_EXACT = "unfiltered_exact"
"""An exact search (`params.exact`) of a space that has a graph."""
FILTERED_PLAIN = "filtered_plain"
FILTERED_SMALL_CARDINALITY = "filtered_small_cardinality"
"""A filter leaving few enough points to score them one by one, the graph not used."""
FILTERED_LARGE_CARDINALITY = "filtered_large_cardinality"
"""A filtered search through the graph."""
FILTERED_EXACT = "filtered_exact"
FILTERED_SPARSE = "filtered_sparse"

SEARCH_CATEGORIES = (
    UNFILTERED_PLAIN,
    UNFILTERED_HNSW,
    UNFILTERED_SPARSE,
    FILTERED_PLAIN,
    FILTERED_SMALL_CARDINALITY,
    FILTERED_LARGE_CARDINALITY,
    FILTERED_EXACT,
    FILTERED_SPARSE,
    UNFILTERED_EXACT,
)
"""Qdrant's `VectorIndexSearchesTelemetry` categories, in its order."""


class SearchStats:
    """Durations of a collection's searches by vector name and category."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: dict[str, dict[str, Durations]] = {}

    def record(self, using: str, category: str, seconds: float) -> None:
        """One search of vector space `using` that took the path `category`."""
        with self._lock:
            by_category = self._table.get(using)
            if by_category is None:
                by_category = self._table[using] = {}
            durations = by_category.get(category)
            if durations is None:
                durations = by_category[category] = Durations()
            durations.add(seconds)

    def report(self, names: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Vector name -> category -> `OperationDurationStatistics` (every category, the
        ones without a search at count 0) for each of `names`."""
        empty = Durations()
        with self._lock:
            return {
                name: {
                    category: self._table.get(name, {}).get(category, empty).report()
                    for category in SEARCH_CATEGORIES
                }
                for name in names
            }


@dataclass
class VectorData:
    """Counts of one vector name (Qdrant's `VectorDataInfo`)."""

    num_vectors: int
    num_indexed_vectors: int
    num_deleted_vectors: int = 0  # deleted vectors are removed at once, none linger


@dataclass
class PayloadIndexStats:
    """One payload index's contents (Qdrant's `PayloadIndexTelemetry`)."""

    field_name: str
    data_type: str  # the payload schema type it was created with ("keyword", ...)
    points: int  # points with at least one indexed value
    values: int  # values indexed over all points


@dataclass
class SegmentInfo:
    """The collection as one appendable segment, measured (see `Collection.segment_info`)."""

    num_points: int
    num_vectors: int
    num_indexed_vectors: int
    num_deleted_vectors: int
    vectors_size_bytes: int
    payloads_size_bytes: int
    ram_usage_bytes: int
    disk_usage_bytes: int
    vector_data: dict[str, VectorData]
    graphs: dict[str, HnswConfig]
    """Dense vector names with an HNSW graph built, and the graph's parameters."""
    payload_schema: dict[str, Any]
    payload_indexes: list[PayloadIndexStats]
    searches: dict[str, dict[str, dict[str, Any]]]
    """Vector name -> category -> statistics (`SearchStats.report`)."""
    is_appendable: bool = True
    segment_type: str = field(init=False)

    def __post_init__(self) -> None:
        self.segment_type = "indexed" if self.graphs else "plain"


def hnsw_ram_bytes(max_elements: int, dim: int, m: int, levels_above_zero: float) -> int:
    """RAM hnswlib (0.8, `HierarchicalNSW` over float32) allocates for one index.

    Per element slot (allocated for `max_elements`, used or not), as its constructor and
    `resizeIndex` allocate: level 0 block `size_data_per_element` = links (2*M ids of 4
    bytes + a 4-byte count) + the vector (dim * 4) + the label (8); a `linkLists_` pointer
    (8), its level (`element_levels_`, 4) and a `std::mutex` (40 on Linux x86-64).
    Upper levels: (M * 4 + 4) bytes per level above 0 of each element; hnswlib draws levels
    with mult = 1/ln(M), so an element has 1/(M-1) of them on average: callers pass
    `levels_above_zero` = element count / (M - 1). Fixed: 65536 label locks of 40 bytes.
    The label lookup hash map and the visited lists (2 bytes per slot, one per concurrent
    search) are not counted.
    """
    level0 = 2 * m * 4 + 4 + dim * 4 + 8
    per_slot = level0 + 8 + 4 + 40
    upper = int(levels_above_zero * (m * 4 + 4))
    return max_elements * per_slot + upper + 65536 * 40
