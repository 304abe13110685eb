"""`qdrant_bm25`: Qdrant's server-side `Qdrant/bm25`, checked against the step-by-step
derivation in `tests/fixtures/bm25_reference.py` and against Qdrant's option rules."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures import bm25_reference as ref

from vectorizer import BadRequest
from vectorizer.embedders import load_embedders
from vectorizer.embedders.qdrant_bm25 import QdrantBm25Embedder, token_id
from vectorizer.errors import Unsupported


def build(**options: object) -> QdrantBm25Embedder:
    embedder = load_embedders().build("qdrant_bm25", options)
    assert isinstance(embedder, QdrantBm25Embedder)
    return embedder


def as_dict(vector: object) -> dict[int, float]:
    return dict(zip(vector.indices.tolist(), vector.values.tolist(), strict=True))  # type: ignore[attr-defined]


def test_documents_and_queries_match_the_derivation() -> None:
    embedder = build()
    docs = embedder.embed_documents(ref.CORPUS["documents"])
    for text, vector in zip(ref.CORPUS["documents"], docs, strict=True):
        assert vector.indices.dtype == np.uint32 and vector.values.dtype == np.float32
        assert list(vector.indices) == sorted(vector.indices)
        expected = ref.document(text)
        assert as_dict(vector) == pytest.approx(expected, rel=1e-6)
    for text, vector in zip(
        ref.CORPUS["queries"], embedder.embed_query(ref.CORPUS["queries"]), strict=True
    ):
        assert as_dict(vector) == ref.query(text)


def test_tokens_lowercase_drop_stopwords_and_stem() -> None:
    assert build().tokens("The Cats are RUNNING, connected_to re-runs!") == [
        "cat", "run", "connect", "run",
    ]  # fmt: skip
    assert build(lowercase=False).tokens("The Cats the") == ["The", "Cat"]
    assert build(stemmer={"type": "none"}).tokens("running cats") == ["running", "cats"]
    assert build(language="none").tokens("the running") == ["the", "running"]
    assert build(stopwords={"custom": ["Fox"]}).tokens("the fox") == ["the"]


def test_token_length_bounds_count_characters_after_stemming() -> None:
    # "foxes" stems to "fox" (3 chars): min 4 drops it; "elephants" -> "eleph" (5) stays
    assert build(min_token_len=4).tokens("ox foxes elephants") == ["eleph"]
    assert build(max_token_len=3).tokens("ox foxes elephants") == ["ox", "fox"]


def test_whitespace_and_prefix_tokenizers() -> None:
    assert build(tokenizer="whitespace").tokens("Dogs, running\u3000fast") == [
        "dogs,", "run", "fast",
    ]  # fmt: skip
    # Qdrant 1.19 embeds prefix documents with its query tokens: no stop words, truncated
    assert build(tokenizer="prefix", max_token_len=3).tokens("The running") == ["the", "run"]


def test_token_ids_are_absolute_signed_murmur3() -> None:
    assert token_id("hello") == 613153351
    for word in ("cat", "fox", "garden", "bm25", "qdrant"):
        assert token_id(word) == ref.token_id(word) < 2**31 + 1


def test_document_weights_follow_k_b_and_avg_len() -> None:
    embedder = build(k=2.0, b=0.5, avg_len=4.0)
    (vector,) = embedder.embed_documents(["fox fox dog"])
    tf2 = 2 * 3.0 / (2 + 2.0 * (1 - 0.5 + 0.5 * 3 / 4.0))
    tf1 = 1 * 3.0 / (1 + 2.0 * (1 - 0.5 + 0.5 * 3 / 4.0))
    assert as_dict(vector) == pytest.approx({token_id("fox"): tf2, token_id("dog"): tf1})
    (empty,) = embedder.embed_documents(["the and of"])
    assert len(empty.indices) == 0 and len(empty.values) == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"k": "x"}, "k"),
        ({"b": 2}, "b"),
        ({"avg_len": 0}, "avg_len"),
        ({"tokenizer": "nope"}, "tokenizer"),
        ({"stopwords": "klingon"}, "stopwords"),
        ({"stemmer": {"type": "snowball", "language": "klingon"}}, "stemmer"),
        ({"min_token_len": -1}, "min_token_len"),
        ({"kk": 1}, "kk"),
    ],
)
def test_bad_options_name_the_field(options: dict, field: str) -> None:
    with pytest.raises(BadRequest, match=f"parameter `{field}`"):
        build(**options)


@pytest.mark.parametrize(
    "options",
    [
        {"tokenizer": "multilingual"},
        {"ascii_folding": True},
        {"language": "german"},  # German stop words are not built in
        {"stemmer": {"type": "snowball", "language": "armenian"}},
    ],
)
def test_what_is_not_built_says_so(options: dict) -> None:
    with pytest.raises(Unsupported, match="Qdrant/bm25"):
        build(**options)


def test_german_stemming_with_explicit_stopwords() -> None:
    embedder = build(language="german", stopwords={"custom": ["und"]})
    assert embedder.tokens("Häuser und Katzen") == ["haus", "katz"]
