from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from vectorizer import Engine


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
