"""`lsa`: latent semantic analysis, TF-IDF reduced by a truncated SVD to a dense vector."""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.embedders.base import Embeddings, NotFitted, Output
from vectorizer.embedders.lexical import (
    LOWERCASE,
    MAX_DF,
    MAX_FEATURES,
    MIN_DF,
    STOP_WORDS,
    VocabularyEmbedder,
    analyzer_param,
    ngram_param,
    sublinear_param,
    use_idf_param,
)
from vectorizer.embedders.params import Param, integer


class LsaEmbedder(VocabularyEmbedder):
    """TF-IDF (l2-normalised) projected on the top `dimension` singular vectors of the
    corpus (scikit-learn's TruncatedSVD, randomized, seeded), then l2-normalised.

    Dense of `dimension`. Needs fitting on more texts than `dimension`, whose vocabulary
    (after pruning) also has more terms than `dimension`.

    | parameter | default | meaning |
    |---|---|---|
    | `dimension` | `128` | size of the dense vectors (SVD components) |
    | `analyzer` | `"word"` | `word`, `char_wb` or `char` |
    | `ngram_range` | `[1, 1]` | `[min, max]` n-gram lengths |
    | `lowercase` | `true` | lowercase before tokenising |
    | `stop_words` | `null` | `"english"`: drop English stop words |
    | `min_df` | `1` | drop rarer terms (count, or fraction of documents) |
    | `max_df` | `1.0` | drop more common terms (count, or fraction) |
    | `max_features` | `null` | keep only the N most frequent terms |
    | `use_idf` | `true` | weigh by IDF (false: term frequency only) |
    | `sublinear_tf` | `true` | 1 + log(count) instead of count |
    | `n_iter` | `5` | power iterations of the randomized SVD |
    | `seed` | `0` | random seed of the SVD (fits are reproducible) |
    """

    kind = "lsa"
    description = "TF-IDF then truncated SVD to a dense dimension (latent semantic analysis)"
    PARAMS = (
        Param("dimension", 128, "size of the dense vectors (SVD components)", integer(1, 4096)),
        analyzer_param("word", ("word", "char_wb", "char")),
        ngram_param([1, 1]),
        LOWERCASE,
        STOP_WORDS,
        MIN_DF,
        MAX_DF,
        MAX_FEATURES,
        use_idf_param(True),
        sublinear_param(True),
        Param("n_iter", 5, "power iterations of the randomized SVD", integer(1, 100)),
        Param("seed", 0, "random seed of the SVD", integer(0, 2**32 - 1)),
    )

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._components: np.ndarray | None = None

    @property
    def output(self) -> Output:
        return "dense"

    @property
    def dimension(self) -> int:
        return int(self.params["dimension"])

    @property
    def min_texts(self) -> int:
        return self.dimension + 1

    def fit_requirement(self) -> str:
        return f"at least {self.min_texts} texts (more than its dimension, {self.dimension})"

    @property
    def fitted(self) -> bool:
        return self._components is not None

    def _weigh(self, matrix: Any) -> Any:
        from sklearn.preprocessing import normalize

        return normalize(super()._weigh(matrix), norm="l2", copy=False)

    def _after_fit(self, counts: Any) -> None:
        from sklearn.decomposition import TruncatedSVD

        assert self._terms is not None
        if len(self._terms) <= self.dimension:
            raise NotFitted(
                f"Embedder `lsa` cannot fit on these texts: they have {len(self._terms)} terms "
                f"after pruning, and it needs more than its dimension ({self.dimension})"
            )
        svd = TruncatedSVD(
            n_components=self.dimension,
            algorithm="randomized",
            n_iter=self.params["n_iter"],
            random_state=self.params["seed"],
        )
        svd.fit(self._weigh(counts))
        self._components = np.ascontiguousarray(svd.components_, dtype=np.float32)

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        assert self._components is not None
        weights = self.weights(texts).astype(np.float32)
        reduced = np.asarray(weights @ self._components.T, dtype=np.float32)
        norms = np.linalg.norm(reduced, axis=1, keepdims=True)
        np.divide(reduced, norms, out=reduced, where=norms > 0)
        return reduced

    def _export(self) -> dict[str, Any]:
        return {**super()._export(), "components": self._components}

    def _restore(self, fitted: dict[str, Any]) -> None:
        components = fitted["components"]
        super()._restore(fitted)
        assert self._terms is not None
        if components.shape != (self.dimension, len(self._terms)):
            raise ValueError("the SVD components do not match the vocabulary and dimension")
        self._components = components.astype(np.float32)
