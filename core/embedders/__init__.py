"""Embedders: text to dense or sparse vectors, for collections that embed their own text.

Kinds are `Embedder` subclasses contributed through the `register_embedders` hook (the
built-ins: `hashing`, `tfidf`, `bag_of_words`, `char_ngram`, `bm25`, `lsa`, and `e5` when
its extra is installed). `load_embedders(pm)` collects them into an `EmbedderRegistry`,
which builds an embedder from its kind name and params, or loads one from its state.
scikit-learn is imported when an embedder is first built, not when this package is.
"""

from __future__ import annotations

from vectorizer.embedders.base import (
    Embedder,
    Embeddings,
    NotFitted,
    Output,
    csr_to_sparse,
)
from vectorizer.embedders.params import Param, param_error
from vectorizer.embedders.registry import EmbedderRegistry, load_embedders

__all__ = [
    "Embedder",
    "EmbedderRegistry",
    "Embeddings",
    "NotFitted",
    "Output",
    "Param",
    "csr_to_sparse",
    "load_embedders",
    "param_error",
]
