"""Sparse embedders over a vocabulary fitted on the corpus: `tfidf`, `bag_of_words`, `char_ngram`.

Built on scikit-learn's `CountVectorizer` (tokenising, n-grams, document-frequency
pruning) and `TfidfTransformer` (IDF). A vector's indices are vocabulary ids (the
position of the term in the fitted, alphabetically sorted vocabulary); terms outside the
vocabulary are ignored until the next fit. The weighting after counting is done here,
from the saved vocabulary and IDF, so a restored embedder embeds bit-identically.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.embedders.base import Embedder, Embeddings, NotFitted, Output, csr_to_sparse
from vectorizer.embedders.params import (
    Param,
    boolean,
    choice,
    count_or_fraction,
    int_range,
    integer,
    nullable,
    param_error,
)

TOKEN_PATTERN = r"(?u)\b\w+\b"
"""Words are runs of letters, digits and underscores, one character or more."""

# ----------------------------------------------------------------------------- shared params

LOWERCASE = Param("lowercase", True, "lowercase the text before tokenising", boolean)
STOP_WORDS = Param(
    "stop_words",
    None,
    '`"english"` drops scikit-learn\'s English stop words (`word` analyzer only)',
    nullable(choice("english")),
)
MIN_DF = Param(
    "min_df",
    1,
    "drop terms found in fewer documents (an integer count, or a fraction of the documents)",
    count_or_fraction,
)
MAX_DF = Param(
    "max_df",
    1.0,
    "drop terms found in more documents (an integer count, or a fraction of the documents)",
    count_or_fraction,
)
MAX_FEATURES = Param(
    "max_features",
    None,
    "keep only this many terms, the most frequent in the corpus (null: all)",
    nullable(integer(1)),
)
NORM = Param(
    "norm",
    "l2",
    "normalise each vector (`l2`, `l1`, or null for none)",
    nullable(choice("l2", "l1")),
)


def analyzer_param(default: str, options: tuple[str, ...]) -> Param:
    return Param(
        "analyzer",
        default,
        "`word` tokens, or character n-grams: `char_wb` (inside word boundaries, padded "
        "with a space) or `char` (across spaces)",
        choice(*options),
    )


def ngram_param(default: list[int]) -> Param:
    return Param(
        "ngram_range",
        default,
        "`[min, max]` n-gram lengths, in words (`word`) or in characters (`char*`)",
        int_range,
    )


def sublinear_param(default: bool) -> Param:
    return Param(
        "sublinear_tf", default, "weigh a term by 1 + log(count) instead of count", boolean
    )


def use_idf_param(default: bool) -> Param:
    return Param(
        "use_idf",
        default,
        "weigh terms by their inverse document frequency (false: term frequency only)",
        boolean,
    )


def check_text_params(kind: str, params: dict[str, Any]) -> None:
    """Cross-checks of the tokenising parameters shared by the scikit-learn embedders."""
    if params.get("stop_words") is not None and params.get("analyzer", "word") != "word":
        raise param_error(kind, "stop_words", "only applies to the `word` analyzer")
    lo, hi = params.get("min_df"), params.get("max_df")
    if type(lo) is type(hi) and lo is not None and hi is not None and lo > hi:
        raise param_error(kind, "max_df", f"must not be below `min_df` ({lo})")


def token_pattern(analyzer: str) -> str | None:
    """scikit-learn's `token_pattern` argument (it warns when given for char analyzers)."""
    return TOKEN_PATTERN if analyzer == "word" else None


def count_vectorizer(params: dict[str, Any], vocabulary: dict[str, int] | None = None) -> Any:
    """A scikit-learn CountVectorizer set up from an embedder's params."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = params.get("analyzer", "word")
    return CountVectorizer(
        analyzer=analyzer,
        ngram_range=tuple(params.get("ngram_range", (1, 1))),
        lowercase=params.get("lowercase", True),
        stop_words=params.get("stop_words"),
        token_pattern=token_pattern(analyzer),
        min_df=params.get("min_df", 1),
        max_df=params.get("max_df", 1.0),
        max_features=params.get("max_features"),
        binary=params.get("binary", False),
        vocabulary=vocabulary,
        dtype=np.float64,
    )


# ----------------------------------------------------------------------------- the embedders


class VocabularyEmbedder(Embedder):
    """Counts terms of a fitted vocabulary, then weighs them (IDF, sublinear tf, norm)."""

    _terms: list[str] | None
    _idf: np.ndarray | None
    _counter: Any

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._terms = None
        self._idf = None
        self._counter = None

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        check_text_params(cls.kind, params)

    @property
    def output(self) -> Output:
        return "sparse"

    @property
    def min_texts(self) -> int:
        return 1

    @property
    def fitted(self) -> bool:
        return self._terms is not None

    @property
    def vocabulary_size(self) -> int | None:
        """Number of terms in the fitted vocabulary (None before fitting)."""
        return None if self._terms is None else len(self._terms)

    def _fit(self, texts: list[str]) -> None:
        self._after_fit(self._fit_counts(texts))

    def _fit_counts(self, texts: list[str]) -> Any:
        """Fit the vocabulary (and IDF); returns the corpus' count matrix."""
        from sklearn.feature_extraction.text import TfidfTransformer

        vectorizer = count_vectorizer(self.params)
        try:
            counts = vectorizer.fit_transform(texts)
        except ValueError as exc:  # empty vocabulary, or min_df / max_df prune everything
            raise NotFitted(f"Embedder `{self.kind}` cannot fit on these texts: {exc}") from None
        idf = TfidfTransformer().fit(counts).idf_ if self.params.get("use_idf") else None
        self._set(vectorizer.get_feature_names_out().tolist(), idf)
        return counts

    def _after_fit(self, counts: Any) -> None:
        """Further fitting on the corpus' counts (LSA's SVD)."""

    def _set(self, terms: list[str], idf: np.ndarray | None) -> None:
        counter = count_vectorizer(self.params, {term: i for i, term in enumerate(terms)})
        counter.transform([])  # validates the vocabulary once, before any concurrent use
        self._terms, self._idf, self._counter = terms, idf, counter

    def weights(self, texts: list[str]) -> Any:
        """The weighted term matrix (scipy CSR, float64) of `texts`."""
        return self._weigh(self._counter.transform(texts))

    def _weigh(self, matrix: Any) -> Any:
        """Counts to weights, in place: sublinear tf, IDF, norm."""
        from sklearn.preprocessing import normalize

        if self.params.get("sublinear_tf"):
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        if self._idf is not None:
            matrix.data *= self._idf[matrix.indices]
        norm = self.params.get("norm")
        return normalize(matrix, norm=norm, copy=False) if norm else matrix

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        return csr_to_sparse(self.weights(texts))

    def _export(self) -> dict[str, Any]:
        state: dict[str, Any] = {"terms": self._terms}
        if self._idf is not None:
            state["idf"] = self._idf
        return state

    def _restore(self, fitted: dict[str, Any]) -> None:
        terms = [str(t) for t in fitted["terms"]]
        idf = fitted.get("idf")
        use_idf = bool(self.params.get("use_idf"))
        if use_idf and (idf is None or idf.shape != (len(terms),)):
            raise ValueError("the IDF does not match the vocabulary")
        self._set(terms, idf if use_idf else None)


_COMMON = (LOWERCASE, STOP_WORDS, MIN_DF, MAX_DF, MAX_FEATURES)


class TfidfEmbedder(VocabularyEmbedder):
    """TF-IDF weights of the fitted vocabulary's terms (scikit-learn's TfidfVectorizer).

    Sparse; indices are vocabulary ids. IDF is scikit-learn's smoothed
    ``ln((1 + n) / (1 + df)) + 1``. Needs fitting on at least 1 text.

    | parameter | default | meaning |
    |---|---|---|
    | `analyzer` | `"word"` | `word`, `char_wb` or `char` |
    | `ngram_range` | `[1, 1]` | `[min, max]` n-gram lengths |
    | `lowercase` | `true` | lowercase before tokenising |
    | `stop_words` | `null` | `"english"`: drop English stop words |
    | `min_df` | `1` | drop rarer terms (count, or fraction of documents) |
    | `max_df` | `1.0` | drop more common terms (count, or fraction) |
    | `max_features` | `null` | keep only the N most frequent terms |
    | `use_idf` | `true` | weigh by IDF (false: term frequency only) |
    | `sublinear_tf` | `false` | 1 + log(count) instead of count |
    | `norm` | `"l2"` | `l2`, `l1` or null |
    """

    kind = "tfidf"
    description = "TF-IDF over a vocabulary fitted on the corpus (sparse)"
    PARAMS = (
        analyzer_param("word", ("word", "char_wb", "char")),
        ngram_param([1, 1]),
        *_COMMON,
        use_idf_param(True),
        sublinear_param(False),
        NORM,
    )


class BagOfWordsEmbedder(VocabularyEmbedder):
    """Raw term counts over the fitted vocabulary (scikit-learn's CountVectorizer).

    Sparse; indices are vocabulary ids, values the counts (or 1 with `binary`), not
    normalised. Needs fitting on at least 1 text.

    | parameter | default | meaning |
    |---|---|---|
    | `analyzer` | `"word"` | `word`, `char_wb` or `char` |
    | `ngram_range` | `[1, 1]` | `[min, max]` n-gram lengths |
    | `lowercase` | `true` | lowercase before tokenising |
    | `stop_words` | `null` | `"english"`: drop English stop words |
    | `min_df` | `1` | drop rarer terms (count, or fraction of documents) |
    | `max_df` | `1.0` | drop more common terms (count, or fraction) |
    | `max_features` | `null` | keep only the N most frequent terms |
    | `binary` | `false` | 1 for a present term instead of its count |
    """

    kind = "bag_of_words"
    description = "term counts over a vocabulary fitted on the corpus (sparse)"
    PARAMS = (
        analyzer_param("word", ("word", "char_wb", "char")),
        ngram_param([1, 1]),
        *_COMMON,
        Param("binary", False, "1 for a term present instead of its count", boolean),
    )


class CharNgramEmbedder(VocabularyEmbedder):
    """Character n-grams of the fitted vocabulary: words that share most of their letters
    come out close, so a misspelt word still finds the right one.

    Sparse; indices are vocabulary (n-gram) ids. Without IDF by default: on the typo
    benchmark (docs/native_api.md) IDF weights let the rare n-grams a typo creates pull
    towards the wrong words. Needs fitting on at least 1 text.

    | parameter | default | meaning |
    |---|---|---|
    | `analyzer` | `"char_wb"` | `char_wb` (n-grams inside words) or `char` |
    | `ngram_range` | `[2, 4]` | `[min, max]` n-gram lengths in characters |
    | `lowercase` | `true` | lowercase before cutting n-grams |
    | `min_df` | `1` | drop rarer n-grams (count, or fraction of documents) |
    | `max_df` | `1.0` | drop more common n-grams (count, or fraction) |
    | `max_features` | `null` | keep only the N most frequent n-grams |
    | `use_idf` | `false` | weigh by IDF (true: TF-IDF of n-grams) |
    | `sublinear_tf` | `true` | 1 + log(count) instead of count |
    | `norm` | `"l2"` | `l2`, `l1` or null |
    """

    kind = "char_ngram"
    description = "character n-grams over a fitted vocabulary, robust to typos (sparse)"
    PARAMS = (
        analyzer_param("char_wb", ("char_wb", "char")),
        ngram_param([2, 4]),
        LOWERCASE,
        MIN_DF,
        MAX_DF,
        MAX_FEATURES,
        use_idf_param(False),
        sublinear_param(True),
        NORM,
    )
