"""`bm25`: Okapi BM25 as sparse vectors, for a Qdrant sparse vector with ``modifier: idf``.

BM25 scores a document d for a query q as the sum, over the terms t of q, of

    IDF(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avg_len))

and splits the way Qdrant's own BM25 (fastembed's ``Qdrant/bm25``) does: a document
vector carries the term-frequency part (saturation `k1`, length normalisation `b`), a
query vector carries weight 1 for each distinct term, and the IDF comes from the
collection at search time (Qdrant's ``modifier: idf``: ``ln(1 + (N - n + 0.5) / (n + 0.5))``
over the N points having the sparse vector, n of them with the term). The dot product
of the two is then the BM25 score, and the IDF follows the collection as it changes.

Term ids are hashes (MurmurHash3, 32-bit, absolute value, as fastembed computes them),
so there is no vocabulary to fit: words first seen after fitting count as well. The only
fitted value is the corpus' average document length, unless `avg_len` fixes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.embedders.base import Embedder, Embeddings, NotFitted, Output, csr_to_sparse
from vectorizer.embedders.lexical import LOWERCASE, STOP_WORDS, TOKEN_PATTERN
from vectorizer.embedders.params import Param, nullable, number

TERM_IDS = 2**31 - 1
"""Term ids are `abs(murmurhash3_32(term)) % TERM_IDS` (scikit-learn's hashing limit)."""


class Bm25Embedder(Embedder):
    """BM25 document and query vectors; the IDF is Qdrant's (``modifier: idf``).

    Sparse; indices are hashed term ids (no vocabulary). Documents get
    ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_len))`` per term, queries 1 per
    distinct term. A document's length is its number of tokens (after stop words).
    Needs fitting on at least 1 text (to learn `avg_len`) unless `avg_len` is given.

    | parameter | default | meaning |
    |---|---|---|
    | `k1` | `1.2` | term frequency saturation (0: presence only) |
    | `b` | `0.75` | length normalisation (0: none, 1: full) |
    | `avg_len` | `null` | average document length in tokens; null: learnt by `fit` |
    | `lowercase` | `true` | lowercase before tokenising |
    | `stop_words` | `null` | `"english"`: drop English stop words |
    """

    kind = "bm25"
    description = "BM25 term weights for a sparse vector with Qdrant's `modifier: idf` (sparse)"
    PARAMS = (
        Param("k1", 1.2, "term frequency saturation (0: a term counts once)", number(0.0)),
        Param("b", 0.75, "document length normalisation (0: none, 1: full)", number(0.0, 1.0)),
        Param(
            "avg_len",
            None,
            "average document length in tokens; null: learnt from the corpus by `fit`",
            nullable(number(0.0, lo_open=True)),
        ),
        LOWERCASE,
        STOP_WORDS,
    )

    def __init__(self, params: dict[str, Any]) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        super().__init__(params)
        self._avg_len: float | None = params["avg_len"]
        self._counter = HashingVectorizer(
            n_features=TERM_IDS,
            lowercase=params["lowercase"],
            stop_words=params["stop_words"],
            token_pattern=TOKEN_PATTERN,
            alternate_sign=False,
            norm=None,
            dtype=np.float64,
        )

    @property
    def output(self) -> Output:
        return "sparse"

    @property
    def min_texts(self) -> int:
        return 1 if self.params["avg_len"] is None else 0

    def fit_requirement(self) -> str:
        return "at least 1 text (to learn the average document length, `avg_len`)"

    @property
    def fitted(self) -> bool:
        return self._avg_len is not None

    @property
    def avg_len(self) -> float | None:
        """The average document length in use (given, or learnt by `fit`)."""
        return self._avg_len

    def _fit(self, texts: list[str]) -> None:
        total = float(self._counter.transform(texts).sum())
        if total == 0.0:
            raise NotFitted("Embedder `bm25` cannot fit on these texts: they have no tokens")
        self._avg_len = total / len(texts)

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        counts = self._counter.transform(texts)
        if query:
            counts.data[:] = 1.0
            return csr_to_sparse(counts)
        assert self._avg_len is not None
        k1, b = self.params["k1"], self.params["b"]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        damping = k1 * (1.0 - b + b * lengths / self._avg_len)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        tf = counts.data
        counts.data = tf * (k1 + 1.0) / (tf + damping[rows])
        return csr_to_sparse(counts)

    def _export(self) -> dict[str, Any]:
        return {"avg_len": self._avg_len}

    def _restore(self, fitted: dict[str, Any]) -> None:
        self._avg_len = float(fitted["avg_len"])
