"""Paths shared by the compatibility tests."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATASET_DIR = Path(
    os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared" / "datasets" / "words-e5")
)
"""The words-e5 dataset (CI clones the repo with shared/ beside it)."""
