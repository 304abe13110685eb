"""The engine's text collections (`engine.texts`): create, find, attach and infer.

Text collections are created through the native API, or an embedder is attached to a
vector of any collection; `infer` embeds Qdrant `Document` inputs (server-side
inference) with the collection's embedders or a fresh one.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorizer.embedders import Embedder, EmbedderRegistry, load_embedders
from vectorizer.errors import BadRequest
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    CollectionUpdate,
    DocumentInput,
    Modifier,
    SparseVectorParams,
    VectorParams,
)
from vectorizer.text.binding import (
    BINDING_KEY,
    EmbedderBinding,
    EmbedderSpec,
    TextBinding,
    TextCollectionSpec,
)
from vectorizer.text.chunks import check_chunking
from vectorizer.text.collection import TextCollection, as_vector, state_file

if TYPE_CHECKING:
    from vectorizer.collection import Collection
    from vectorizer.engine import Engine

MODEL_ALIASES = {
    "qdrant/bm25": "qdrant_bm25",
    "intfloat/multilingual-e5-small": "e5",
}
"""Model names Qdrant users know, as embedder kinds (lower-cased)."""


class TextCollections:
    """The engine's text collections: create them, and find one by name."""

    def __init__(self, engine: Engine, registry: EmbedderRegistry | None = None) -> None:
        self._engine = weakref.ref(engine)  # the engine holds this (`engine.texts`)
        self.registry = registry or load_embedders(engine.pm)
        self._lock = threading.Lock()
        self._cache: dict[str, TextCollection] = {}
        self._fresh_embedders: dict[tuple[str, str], Embedder] = {}

    @property
    def engine(self) -> Engine:
        engine = self._engine()
        assert engine is not None, "the engine is gone"
        return engine

    def infer(
        self, name: str, using: str, documents: Sequence[DocumentInput], *, query: bool
    ) -> list[Any]:
        """Vectors for Qdrant `Document` inputs aimed at vector `using` of collection `name`
        (server-side inference): a document whose model is the kind of the embedder
        bound to `using`, with no options, is embedded by that (fitted) embedder; any
        other by a fresh embedder of kind `model` with `options` as its params, which
        must need no fitting. `query`: embed as search queries, else as documents."""
        collection = self.engine.get_collection(name)
        binding = self.binding(collection)
        bound = binding is not None and any(b.vector == using for b in binding.embedders)
        vectors = []
        for doc in documents:
            kind = MODEL_ALIASES.get(doc.model.lower(), doc.model)
            if bound and not doc.options and self.get(name).binding_of(using).kind == kind:
                embedder = self.get(name).embedders[using]
            else:
                embedder = self._fresh(kind, doc.options)
            out = (
                embedder.embed_query([doc.text]) if query else embedder.embed_documents([doc.text])
            )
            vectors.append(as_vector(embedder, out, 0))
        return vectors

    def _fresh(self, kind: str, options: Mapping[str, Any] | None) -> Embedder:
        key = (kind, json.dumps(options or {}, sort_keys=True, default=str))
        with self._lock:
            embedder = self._fresh_embedders.get(key)
        if embedder is None:
            embedder = self.registry.build(kind, options)
            with self._lock:
                self._fresh_embedders[key] = embedder
        return embedder

    def create(self, spec: TextCollectionSpec) -> TextCollection:
        """Create the collection with the named vectors its embedders feed."""
        check_chunking(spec.chunk_size, spec.chunk_overlap)
        embedder = self._build(spec.embedder, spec.dimension, "embedder")
        second = None
        if spec.sparse_embedder is not None:
            second = self._build(spec.sparse_embedder, None, "sparse_embedder")
            if second.output != "sparse":
                raise BadRequest(
                    f"Wrong input: sparse_embedder: embedder `{second.kind}` gives dense "
                    "vectors; the second embedder of a hybrid collection must be sparse"
                )
            if embedder.output != "dense":
                raise BadRequest(
                    "Wrong input: sparse_embedder: a hybrid collection needs a dense "
                    f"`embedder`; `{embedder.kind}` gives sparse vectors"
                )
        vectors: dict[str, VectorParams] = {}
        sparse: dict[str, SparseVectorParams] = {}
        bindings = []
        for e in (embedder, second):
            if e is None:
                continue
            name = e.output  # "dense" or "sparse"
            bindings.append(EmbedderBinding(e.kind, e.params, name))
            if e.output == "dense":
                assert e.dimension is not None
                vectors[name] = VectorParams(size=e.dimension, distance=spec.distance)
            else:
                modifier = Modifier.IDF if e.kind == "bm25" else None
                sparse[name] = SparseVectorParams(modifier=modifier)
        binding = TextBinding(bindings, spec.chunk_size, spec.chunk_overlap)
        metadata = {**(spec.metadata or {}), BINDING_KEY: binding.to_dict()}
        config = CollectionConfig(
            params=CollectionParams(vectors=vectors, sparse_vectors=sparse or None),
            metadata=metadata,
        )
        self.engine.create_collection(spec.name, config)
        return self.get(spec.name)

    def _build(self, spec: EmbedderSpec, dimension: int | None, where: str) -> Embedder:
        try:
            return self._build_checked(spec, dimension, where)
        except BadRequest as exc:
            if exc.message.startswith("Wrong input: dimension"):
                raise
            raise BadRequest(
                f"Wrong input: {where}: {exc.message.removeprefix('Wrong input: ')}"
            ) from None

    def _build_checked(self, spec: EmbedderSpec, dimension: int | None, where: str) -> Embedder:
        params = dict(spec.params)
        kind = self.registry.get(spec.kind)
        settable = any(p.name == "dimension" for p in kind.PARAMS)
        if dimension is not None and "dimension" not in params and settable:
            params["dimension"] = dimension
        embedder = kind.create(params)
        if embedder.output == "dense" and embedder.dimension is None:
            raise BadRequest(f"Wrong input: {where}: `{spec.kind}` has no dense dimension")
        if dimension is not None and embedder.dimension != dimension:
            raise BadRequest(
                f"Wrong input: dimension: embedder `{spec.kind}` gives vectors of "
                f"dimension {embedder.dimension}, not {dimension}"
            )
        return embedder

    def binding(self, collection: Collection) -> TextBinding | None:
        raw = (collection.config.metadata or {}).get(BINDING_KEY)
        return TextBinding.from_dict(raw) if isinstance(raw, Mapping) else None

    def get(self, name: str) -> TextCollection:
        """The text collection called `name` (or the alias `name`)."""
        collection = self.engine.get_collection(name)
        with self._lock:
            cached = self._cache.get(collection.name)
            if cached is not None and cached._collection() is collection:
                return cached
            binding = self.binding(collection)
            if binding is None:
                raise BadRequest(
                    f"Wrong input: collection `{name}` has no embedder: it is not a text "
                    "collection (create it through the native API)"
                )
            text = TextCollection(collection, binding, self.registry, self.engine)
            self._cache[collection.name] = text
            return text

    def forget(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)

    def attach(self, name: str, spec: EmbedderSpec, vector: str) -> TextCollection:
        """Bind an embedder to an existing vector of any collection (one made through
        the Qdrant API, say), replacing the one bound to that vector. The vector must fit
        the embedder's output: a dense vector of its dimension, or a sparse vector. An
        embedder that needs fitting is fitted at once on the stored `text` payloads when
        there are enough (and re-embeds them), else it buffers."""
        collection = self.engine.get_collection(name)
        embedder = self._build(spec, None, "embedder")
        config = collection.config
        if embedder.output == "dense":
            params = config.params.vectors.get(vector)
            if params is None or params.multivector_config is not None:
                raise BadRequest(
                    f"Wrong input: vector: collection `{name}` has no dense vector "
                    f"`{vector}` for the dense embedder `{embedder.kind}`"
                )
            if params.size != embedder.dimension:
                raise BadRequest(
                    f"Wrong input: vector: `{vector}` has dimension {params.size}, the "
                    f"embedder `{embedder.kind}` gives {embedder.dimension}"
                )
        elif vector not in config.sparse_vectors:
            raise BadRequest(
                f"Wrong input: vector: collection `{name}` has no sparse vector `{vector}` "
                f"for the sparse embedder `{embedder.kind}`"
            )
        binding = self.binding(collection) or TextBinding([])
        bindings = [b for b in binding.embedders if b.vector != vector]
        bindings.append(EmbedderBinding(embedder.kind, embedder.params, vector))
        binding.embedders = bindings
        state = self._state_path(collection.name, vector)
        if state is not None:
            state.unlink(missing_ok=True)  # an earlier binding's fitted state
        self.engine.update_collection(
            collection.name, CollectionUpdate(metadata={BINDING_KEY: binding.to_dict()})
        )
        self.forget(collection.name)
        text = self.get(collection.name)
        with text._lock:
            text._fit_ready()
        return text

    def _state_path(self, name: str, vector: str) -> Path | None:
        folder = self.engine.store.index_dir(name)
        return None if folder is None else Path(folder) / state_file(vector)
