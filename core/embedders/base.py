"""The embedder interface: text in, dense or sparse vectors out.

An embedder kind is an `Embedder` subclass with a `kind` name, a `description` and its
declared `PARAMS`. An instance holds validated `params` and, for kinds that learn from a
corpus (vocabulary, IDF, SVD components...), the state `fit` computed; `state()` and
`from_state()` save and restore both without pickle, and a restored embedder embeds
bit-identically.

An embedder embeds from several threads at once, but `fit` must not run beside anything
else on the same instance: to refit a live embedder, fit a new one and swap it in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Self, TypeAlias

import numpy as np

from vectorizer.embedders.params import Param, validate_params
from vectorizer.embedders.state import decode_state, encode_state
from vectorizer.errors import BadRequest
from vectorizer.models import SparseVector

Output: TypeAlias = Literal["dense", "sparse"]


Embeddings: TypeAlias = np.ndarray | list[SparseVector]
"""`dense`: a float32 array of shape (texts, dimension); `sparse`: one `SparseVector` per
text, its indices uint32 in increasing order, its values float32 (no zeros)."""


class NotFitted(BadRequest):
    """The embedder has to be fitted on enough text before it can embed."""


class Embedder(ABC):
    """Base of every embedder kind. Subclasses set `kind`, `description` and `PARAMS`."""

    kind: ClassVar[str]
    description: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, params: dict[str, Any]) -> None:
        """Use `create` (which validates); `params` here are already validated."""
        self.params = params

    # ------------------------------------------------------------------ construction

    @classmethod
    def create(cls, params: Mapping[str, Any] | None = None) -> Self:
        """An unfitted embedder from raw params; bad params are `BadRequest` naming them."""
        return cls(cls.validate(params))

    @classmethod
    def validate(cls, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults filled in, every value checked (override `check_params` for cross-checks)."""
        validated = validate_params(cls.kind, cls.PARAMS, params)
        cls.check_params(validated)
        return validated

    @classmethod  # noqa: B027 (optional)
    def check_params(cls, params: dict[str, Any]) -> None:
        """Checks that involve several parameters; raise `param_error(...)`."""

    # ------------------------------------------------------------------ what it produces

    @property
    @abstractmethod
    def output(self) -> Output:
        """`dense` (fixed `dimension`) or `sparse`."""

    @property
    def dimension(self) -> int | None:
        """The dense dimension; None for sparse output."""
        return None

    # ------------------------------------------------------------------ fitting

    @property
    def min_texts(self) -> int:
        """How many texts `fit` needs at least; 0 for an embedder that needs no fitting."""
        return 0

    @property
    def fitted(self) -> bool:
        """True when the embedder can embed (always, for one that needs no fitting)."""
        return True

    def fit_requirement(self) -> str:
        """What `fit` needs, in words (for error messages)."""
        n = self.min_texts
        return f"at least {n} text{'s' if n != 1 else ''}"

    def fit(self, texts: Sequence[str]) -> None:
        """Learn the state from `texts`, replacing any earlier fit (a no-op when stateless).

        Raises `NotFitted` when the texts are too few or unusable; the embedder is then
        left as it was."""
        texts = _as_texts(texts)
        if len(texts) < self.min_texts:
            raise NotFitted(
                f"Embedder `{self.kind}` cannot fit on {len(texts)} text"
                f"{'s' if len(texts) != 1 else ''}: it needs {self.fit_requirement()}"
            )
        if self.min_texts:
            before = dict(vars(self))
            try:
                self._fit(texts)
            except BaseException:  # a failed fit leaves the embedder as it was
                vars(self).clear()
                vars(self).update(before)
                raise

    def _fit(self, texts: list[str]) -> None:  # noqa: B027 (stateless kinds have none)
        """Compute the fitted state (called with enough texts)."""

    def _require_fitted(self) -> None:
        if not self.fitted:
            raise NotFitted(
                f"Embedder `{self.kind}` is not fitted yet: fit it on "
                f"{self.fit_requirement()} first"
            )

    # ------------------------------------------------------------------ embedding

    def embed_documents(self, texts: Sequence[str]) -> Embeddings:
        """Vectors of documents to store."""
        self._require_fitted()
        return self._embed(_as_texts(texts), query=False)

    def embed_query(self, texts: Sequence[str]) -> Embeddings:
        """Vectors of search queries (differs from documents for `bm25` and `e5`)."""
        self._require_fitted()
        return self._embed(_as_texts(texts), query=True)

    @abstractmethod
    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        """Embed (the embedder is fitted)."""

    # ------------------------------------------------------------------ state

    def state(self) -> bytes:
        """Kind, params and fitted state as bytes (MessagePack, no pickle)."""
        return encode_state(self.kind, self.params, self._export() if self._has_state() else None)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        """The embedder `state()` saved; it embeds bit-identically to the one saved."""
        kind, params, fitted = decode_state(data)
        if kind != cls.kind:
            raise BadRequest(f"Embedder state is of kind `{kind}`, not `{cls.kind}`")
        embedder = cls.create(params)
        if fitted is not None:
            try:
                embedder._restore(fitted)
            except (KeyError, TypeError, ValueError) as exc:
                raise BadRequest(f"Embedder state cannot be read: {exc!r}") from None
        return embedder

    def _has_state(self) -> bool:
        return bool(self.min_texts) and self.fitted

    def _export(self) -> dict[str, Any]:
        """The fitted state: plain values, lists of strings and numpy arrays."""
        return {}

    def _restore(self, fitted: dict[str, Any]) -> None:  # noqa: B027 (stateless kinds)
        """Take back what `_export` returned."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.params} fitted={self.fitted}>"


# ----------------------------------------------------------------------------- helpers


def _as_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):  # a lone string would embed character by character
        raise TypeError("texts must be a sequence of strings, not a string")
    return list(texts)


def csr_to_sparse(matrix: Any) -> list[SparseVector]:
    """Rows of a scipy CSR matrix as `SparseVector`s (zeros dropped, indices sorted)."""
    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    indices = matrix.indices.astype(np.uint32)
    values = matrix.data.astype(np.float32)
    ptr = matrix.indptr
    return [
        SparseVector(indices[ptr[i] : ptr[i + 1]], values[ptr[i] : ptr[i + 1]])
        for i in range(matrix.shape[0])
    ]
