"""`hashing`: the hashing trick (scikit-learn's HashingVectorizer), stateless, no fitting."""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.embedders.base import Embedder, Embeddings, Output, csr_to_sparse
from vectorizer.embedders.lexical import (
    LOWERCASE,
    NORM,
    STOP_WORDS,
    analyzer_param,
    check_text_params,
    ngram_param,
    token_pattern,
)
from vectorizer.embedders.params import Param, boolean, choice, integer, nullable, param_error

DENSE_DEFAULT = 1024
SPARSE_DEFAULT = 2**20
DENSE_MAX = 65_536
SPARSE_MAX = 2**31 - 1


class HashingEmbedder(Embedder):
    """Terms (or character n-grams) hashed (MurmurHash3) into `dimension` buckets.

    Needs no fitting and keeps no state: any text embeds at once, the same way on every
    server. Dense of `dimension`, or sparse with indices below `dimension`.

    | parameter | default | meaning |
    |---|---|---|
    | `output` | `"sparse"` | `sparse` or `dense` |
    | `dimension` | `null` | number of buckets; null: 1024 dense, 1048576 (2^20) sparse |
    | `analyzer` | `"word"` | `word`, `char_wb` or `char` |
    | `ngram_range` | `[1, 1]` | `[min, max]` n-gram lengths |
    | `lowercase` | `true` | lowercase before tokenising |
    | `stop_words` | `null` | `"english"`: drop English stop words |
    | `alternate_sign` | `true` | signed buckets, so collisions tend to cancel out |
    | `norm` | `"l2"` | `l2`, `l1` or null |
    """

    kind = "hashing"
    description = "the hashing trick: stateless, no fitting (dense or sparse)"
    PARAMS = (
        Param("output", "sparse", "`sparse` or `dense` vectors", choice("sparse", "dense")),
        Param(
            "dimension",
            None,
            f"number of hash buckets; null: {DENSE_DEFAULT} dense, {SPARSE_DEFAULT} sparse",
            nullable(integer(1, SPARSE_MAX)),
        ),
        analyzer_param("word", ("word", "char_wb", "char")),
        ngram_param([1, 1]),
        LOWERCASE,
        STOP_WORDS,
        Param(
            "alternate_sign",
            True,
            "give buckets a sign from the hash, so that collisions tend to cancel out",
            boolean,
        ),
        NORM,
    )

    def __init__(self, params: dict[str, Any]) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        super().__init__(params)
        self._vectorizer = HashingVectorizer(
            n_features=self.params["dimension"],
            analyzer=params["analyzer"],
            ngram_range=tuple(params["ngram_range"]),
            lowercase=params["lowercase"],
            stop_words=params["stop_words"],
            token_pattern=token_pattern(params["analyzer"]),
            alternate_sign=params["alternate_sign"],
            norm=params["norm"],
            dtype=np.float64,
        )

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        check_text_params(cls.kind, params)
        dense = params["output"] == "dense"
        if params["dimension"] is None:
            params["dimension"] = DENSE_DEFAULT if dense else SPARSE_DEFAULT
        elif dense and params["dimension"] > DENSE_MAX:
            raise param_error(cls.kind, "dimension", f"at most {DENSE_MAX} for dense output")

    @property
    def output(self) -> Output:
        return "dense" if self.params["output"] == "dense" else "sparse"

    @property
    def dimension(self) -> int | None:
        return int(self.params["dimension"]) if self.output == "dense" else None

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        matrix = self._vectorizer.transform(texts)
        if self.output == "dense":
            return np.asarray(matrix.toarray(), dtype=np.float32)
        return csr_to_sparse(matrix)
