"""The vector columns of a collection: one per vector name, of the kind its config says.

Every kind (`DenseColumn`, `MultiColumn`, `SparseColumn`) has the same storage face,
`Column`: values are validated into a stored form (`prepare`), written as bytes
(`pack`, `encode`) and read back (`decode`), with a version per slot (-1: no vector).
Scoring is kind-specific; `vectorizer.collection.scoring` dispatches on the class.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.collection.vectors.multi import MultiColumn
from vectorizer.collection.vectors.sparse import SparseColumn
from vectorizer.errors import BadRequest
from vectorizer.models import CollectionConfig, Distance, missing_vector


class Column(Protocol):
    name: str
    kind: str  # "dense", "multi" or "sparse"
    distance: Distance  # how scores order (a sparse space scores by dot product)
    version: np.ndarray  # per slot: the operation that wrote its vector, -1 for none
    count: int  # points with a vector here

    def ensure_capacity(self, slots: int) -> None: ...

    def prepare(self, values: object, where: str) -> Any:
        """Validate an incoming vector into its stored form (BadRequest naming `where`)."""

    def query(self, values: object, where: str = ...) -> Any:
        """Validate a query vector and prepare it for scoring."""

    def pack(self, prepared: Any) -> bytes: ...

    def decode(self, raw: bytes) -> Any: ...

    def valid_raw(self, raw: bytes) -> bool: ...

    def encode(self, slot: int) -> bytes: ...

    def set(self, slot: int, value: Any, version: int) -> None: ...

    def clear(self, slot: int) -> None: ...

    def has(self, slot: int) -> bool: ...

    def get(self, slot: int) -> Any:
        """The vector of a slot as it is shown and as `query` takes it back."""

    def stored_bytes(self) -> int: ...


def make_columns(config: CollectionConfig, capacity: int = 1024) -> dict[str, Column]:
    """A column for every vector name of the config: dense and multi, then sparse."""
    columns: dict[str, Column] = {}
    for name, params in config.params.vectors.items():
        if params.multivector_config is not None:
            columns[name] = MultiColumn(name, params, capacity)
        else:
            columns[name] = DenseColumn(name, params, capacity)
    for name, sparse in config.sparse_vectors.items():
        columns[name] = SparseColumn(name, sparse, capacity)
    return columns


def column_of(columns: dict[str, Column], name: str) -> Column:
    """The column of vector `name` (Qdrant's error for a name the collection lacks)."""
    column = columns.get(name)
    if column is None:
        raise missing_vector(name)
    return column


def dense_columns(columns: dict[str, Column]) -> dict[str, DenseColumn]:
    """The dense columns (the ones an HNSW graph can index)."""
    return {n: c for n, c in columns.items() if isinstance(c, DenseColumn)}


def check_vector_kinds(config: CollectionConfig) -> None:
    """Raise BadRequest for vector params a collection cannot be made with: a name both
    dense and sparse, a negative sparse `full_scan_threshold`."""
    for name, sparse in config.sparse_vectors.items():
        if name in config.params.vectors:
            raise BadRequest(
                "Wrong input: Dense and sparse vector names must be unique - "
                f"duplicate found with '{name}'"
            )
        threshold = sparse.index.full_scan_threshold if sparse.index is not None else None
        if threshold is not None and threshold < 0:
            raise BadRequest(
                f"Wrong input: sparse_vectors.{name}.index.full_scan_threshold: "
                f"value {threshold} invalid, must be 0 or larger"
            )
