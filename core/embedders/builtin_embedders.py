"""Registers the built-in embedders; `e5` only when its optional package is installed."""

from __future__ import annotations

from collections.abc import Callable

from vectorizer.embedders import e5
from vectorizer.embedders.base import Embedder
from vectorizer.embedders.bm25 import Bm25Embedder
from vectorizer.embedders.hashing import HashingEmbedder
from vectorizer.embedders.lexical import BagOfWordsEmbedder, CharNgramEmbedder, TfidfEmbedder
from vectorizer.embedders.lsa import LsaEmbedder
from vectorizer.embedders.qdrant_bm25 import QdrantBm25Embedder
from vectorizer.host.hookspecs import hookimpl

BUILTIN: tuple[type[Embedder], ...] = (
    HashingEmbedder,
    TfidfEmbedder,
    BagOfWordsEmbedder,
    CharNgramEmbedder,
    Bm25Embedder,
    LsaEmbedder,
    QdrantBm25Embedder,
)


@hookimpl(trylast=True)
def register_embedders(register: Callable[[type[Embedder]], None]) -> None:
    for kind in BUILTIN:
        register(kind)
    if e5.available():
        register(e5.E5Embedder)
