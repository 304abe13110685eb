from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from vectorizer import Engine
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    OptimizersConfig,
    VectorParams,
)


def make_config(
    size: int = 4,
    distance: Distance = Distance.COSINE,
    *,
    indexing_threshold: int | None = None,
    named: dict[str, VectorParams] | None = None,
) -> CollectionConfig:
    vectors = named if named is not None else {"": VectorParams(size=size, distance=distance)}
    return CollectionConfig(
        params=CollectionParams(vectors=vectors),
        optimizer_config=OptimizersConfig(indexing_threshold=indexing_threshold),
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = Engine.open(tmp_path / "data")
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(42)
