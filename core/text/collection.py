"""One text collection: insert text, search by text, refit its embedders.

The fitted state of each embedder is written atomically to the store's folder for the
collection (`embedder-<vector>.state`) after every fit, and read back on start.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer.collection.vectors.distance import higher_is_better
from vectorizer.embedders import Embedder, EmbedderRegistry, NotFitted
from vectorizer.errors import BadRequest, CollectionNotFound, PointNotFound
from vectorizer.filters.ast import Filter, HasVector, IsEmpty, MatchValue
from vectorizer.models import (
    PointId,
    PointStruct,
    PointVectors,
    Record,
    ScoredPoint,
    SparseVector,
    WithPayload,
    normalize_point_id,
)
from vectorizer.query import Fusion, FusionMethod, Nearest, Prefetch, QueryRequest, query
from vectorizer.text.binding import EmbedderBinding, TextBinding
from vectorizer.text.chunks import check_chunking, chunk_id, chunk_text, join_chunks
from vectorizer.text.documents import (
    RESERVED_KEYS,
    Document,
    DocumentIn,
    InsertResult,
    SearchHit,
    SearchSpec,
    VectorPointIn,
)

if TYPE_CHECKING:
    from vectorizer.collection import Collection
    from vectorizer.engine import Engine

PAGE = 1000


# ----------------------------------------------------------------------------- helpers


def state_file(vector: str) -> str:
    """The file name of the fitted state of the embedder feeding `vector` (names that are
    not plain words are hex-encoded)."""
    if not vector:
        return "embedder.state"
    if re.fullmatch(r"[A-Za-z0-9_-]+", vector):
        return f"embedder-{vector}.state"
    return f"embedder-x{vector.encode().hex()}.state"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def as_vector(embedder: Embedder, embeddings: Any, i: int) -> Any:
    """Row `i` of an embedder's output as a point stores it (float32 dense, or sparse)."""
    if embedder.output == "dense":
        return np.asarray(embeddings[i], dtype=np.float32)
    sparse = embeddings[i]
    assert isinstance(sparse, SparseVector)
    return sparse


def _new_id() -> str:
    return str(uuid.uuid4())


def _minmax(scores: list[float], higher: bool) -> list[float]:
    if not scores:
        return []
    arr = np.asarray(scores, dtype=np.float64)
    if not higher:
        arr = -arr
    lo, hi = float(arr.min()), float(arr.max())
    if hi == lo:
        return [1.0] * len(scores)
    return ((arr - lo) / (hi - lo)).tolist()


# ----------------------------------------------------------------------------- the collection


class TextCollection:
    """A collection with its embedders: insert text, search by text, refit."""

    def __init__(
        self,
        collection: Collection,
        binding: TextBinding,
        registry: EmbedderRegistry,
        engine: Engine,
    ) -> None:
        self._collection = weakref.ref(collection)
        self._name = collection.name
        self.binding = binding
        self.registry = registry
        self._engine = weakref.ref(engine)  # the engine holds its TextCollections
        self._lock = threading.RLock()
        self.embedders: dict[str, Embedder] = {}
        self._fit_errors: dict[str, str] = {}
        """Vector name -> why the last fit of its (still unfitted) embedder failed."""
        for b in binding.embedders:
            self.embedders[b.vector] = self._load(b)

    @property
    def name(self) -> str:
        return self._name

    @property
    def collection(self) -> Collection:
        collection = self._collection()
        if collection is None:
            raise CollectionNotFound(self._name)
        return collection

    @property
    def engine(self) -> Engine:
        engine = self._engine()
        assert engine is not None, "the engine is gone"
        return engine

    # ------------------------------------------------------------------ state

    def _state_path(self, vector: str) -> Path | None:
        folder = self.engine.store.index_dir(self.name)
        return None if folder is None else Path(folder) / state_file(vector)

    def _load(self, b: EmbedderBinding) -> Embedder:
        path = self._state_path(b.vector)
        if path is not None and path.exists():
            embedder = self.registry.load(path.read_bytes())
            if embedder.kind == b.kind:
                return embedder
        return self.registry.build(b.kind, b.params)

    def _save(self, vector: str, embedder: Embedder) -> None:
        path = self._state_path(vector)
        if path is not None:
            _atomic_write(path, embedder.state())

    # ------------------------------------------------------------------ reading texts

    def _text_records(self) -> Iterator[Record]:
        """Every point that has a `text` (in id order)."""
        text_filter = Filter(must_not=(IsEmpty("text"),))
        offset: PointId | None = None
        while True:
            page = self.collection.scroll(
                offset=offset, limit=PAGE, filter=text_filter,
                with_payload=WithPayload(include=["text"], enabled=True),
            )  # fmt: skip
            yield from page.points
            if page.next_page_offset is None:
                return
            offset = page.next_page_offset

    def _count_texts(self) -> int:
        return self.collection.count(Filter(must_not=(IsEmpty("text"),)))

    def pending(self) -> dict[str, str]:
        """Vector name -> what its unfitted embedder waits for."""
        out = {}
        for vector, embedder in self.embedders.items():
            if vector in self._fit_errors:
                out[vector] = (
                    f"Embedder `{embedder.kind}` is not fitted yet: documents are stored "
                    f"unembedded; the last fit failed: {self._fit_errors[vector]}"
                )
            elif not embedder.fitted:
                out[vector] = (
                    f"Embedder `{embedder.kind}` is not fitted yet: documents are stored "
                    f"unembedded until the collection holds {embedder.fit_requirement()} "
                    f"(it holds {self._count_texts()})"
                )
        return out

    # ------------------------------------------------------------------ writing

    def _embed_points(self, vector: str, embedder: Embedder, records: Sequence[Record]) -> None:
        """Embed the `text` of `records` into `vector` and store it."""
        for start in range(0, len(records), PAGE):
            part = records[start : start + PAGE]
            texts = [str((r.payload or {})["text"]) for r in part]
            embeddings = embedder.embed_documents(texts)
            self.collection.update_vectors(
                [
                    PointVectors(id=r.id, vectors={vector: as_vector(embedder, embeddings, i)})
                    for i, r in enumerate(part)
                ]
            )

    def _fit_and_embed_all(self, vector: str, embedder: Embedder) -> None:
        """Fit `embedder` on every stored text, embed them all, swap it in, save its state."""
        records = list(self._text_records())
        texts = [str((r.payload or {})["text"]) for r in records]
        if embedder.min_texts:
            embedder.fit(texts)
        self._embed_points(vector, embedder, records)
        self.embedders[vector] = embedder
        self._save(vector, embedder)

    def _fit_ready(self) -> None:
        """Fit every unfitted embedder that now has enough text (else keep buffering)."""
        for vector, embedder in list(self.embedders.items()):
            if embedder.fitted or self._count_texts() < embedder.min_texts:
                continue
            fresh = self.registry.build(embedder.kind, embedder.params)
            try:
                self._fit_and_embed_all(vector, fresh)
            except NotFitted as exc:  # too few usable texts: keep buffering
                self._fit_errors[vector] = exc.message
            else:
                self._fit_errors.pop(vector, None)

    def insert(
        self,
        documents: Sequence[DocumentIn],
        chunk_size: int | None = None,
        chunk_overlap: int | None = None,
    ) -> InsertResult:
        """Store documents (chunked), embedded by every fitted embedder."""
        size = chunk_size if chunk_size is not None else self.binding.chunk_size
        overlap = chunk_overlap if chunk_overlap is not None else self.binding.chunk_overlap
        check_chunking(size, overlap)
        for i, doc in enumerate(documents):
            if not isinstance(doc.text, str) or not doc.text:
                raise BadRequest(f"Wrong input: documents[{i}].text must be a non-empty string")
        ids = [normalize_point_id(d.id) if d.id is not None else _new_id() for d in documents]
        if len(set(ids)) != len(ids):
            raise BadRequest("Wrong input: documents: the same id is given twice")
        points: list[PointStruct] = []
        counts: list[tuple[PointId, int]] = []
        for doc_id, doc in zip(ids, documents, strict=True):
            chunks = chunk_text(doc.text, size, overlap)
            counts.append((doc_id, len(chunks)))
            for index, chunk in enumerate(chunks):
                payload = {
                    "text": chunk,
                    "metadata": doc.metadata or {},
                    "document_id": doc_id,
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                    "chunk_overlap": overlap,
                }
                points.append(PointStruct(id=chunk_id(doc_id, index), vectors={}, payload=payload))
        with self._lock:
            embedded = {v: e for v, e in self.embedders.items() if e.fitted}
            texts = [str((p.payload or {})["text"]) for p in points]
            vectors = {v: e.embed_documents(texts) for v, e in embedded.items()}
            for i, point in enumerate(points):
                point.vectors = {v: as_vector(embedded[v], out, i) for v, out in vectors.items()}
            stale = self._stale_chunks(counts)
            self.collection.upsert(points)
            if stale:
                self.collection.delete(ids=stale)
            self._fit_ready()
            return InsertResult(ids=ids, points=len(points), pending=self.pending())

    def insert_vectors(self, points: Sequence[VectorPointIn]) -> InsertResult:
        """Store points whose vectors the client computed (by vector name)."""
        structs = []
        ids = []
        for i, p in enumerate(points):
            point_id = normalize_point_id(p.id) if p.id is not None else _new_id()
            ids.append(point_id)
            for name in p.vectors:
                if name not in self.embedders:
                    known = ", ".join(f"`{v}`" for v in self.embedders)
                    raise BadRequest(
                        f"Wrong input: points[{i}].vectors: no vector `{name}` (known: {known})"
                    )
            payload: dict[str, Any] = {
                "metadata": p.metadata or {},
                "document_id": point_id,
                "chunk_index": 0,
                "chunk_count": 1,
                "chunk_overlap": 0,
            }
            if p.text is not None:
                payload["text"] = p.text
            structs.append(PointStruct(id=point_id, vectors=dict(p.vectors), payload=payload))
        with self._lock:
            self.collection.upsert(structs)
            return InsertResult(ids=ids, points=len(structs), pending=self.pending())

    def _stale_chunks(self, counts: Sequence[tuple[PointId, int]]) -> list[PointId]:
        """Chunks of replaced documents that their new version no longer has."""
        new = dict(counts)
        stale: list[PointId] = []
        for record in self.collection.retrieve(list(new)):
            old = int((record.payload or {}).get("chunk_count") or 1)
            stale += [chunk_id(record.id, i) for i in range(new[record.id], old)]
        return stale

    def delete_documents(self, ids: Sequence[PointId]) -> int:
        """Delete documents (all their chunks); the number of documents that existed."""
        wanted = list(dict.fromkeys(normalize_point_id(i) for i in ids))
        with self._lock:
            firsts = [
                r
                for r in self.collection.retrieve(wanted)
                if (r.payload or {}).get("chunk_index", 0) == 0
            ]
            doomed = [
                chunk_id(r.id, i)
                for r in firsts
                for i in range(int((r.payload or {}).get("chunk_count") or 1))
            ]
            if doomed:
                self.collection.delete(ids=doomed)
        return len(firsts)

    def reindex(self) -> None:
        """Refit every embedder on the stored texts and re-embed them all.

        A fit that fails (too few texts) raises `NotFitted` and changes nothing."""
        with self._lock:
            fresh = {
                v: self.registry.build(e.kind, self.binding_of(v).params)
                for v, e in self.embedders.items()
            }
            records = list(self._text_records())
            texts = [str((r.payload or {})["text"]) for r in records]
            for embedder in fresh.values():
                if embedder.min_texts:
                    embedder.fit(texts)
            for vector, embedder in fresh.items():
                self._embed_points(vector, embedder, records)
                self.embedders[vector] = embedder
                self._save(vector, embedder)
                self._fit_errors.pop(vector, None)

    def binding_of(self, vector: str) -> EmbedderBinding:
        return next(b for b in self.binding.embedders if b.vector == vector)

    # ------------------------------------------------------------------ reading

    def get_document(self, doc_id: PointId) -> Document:
        """The document reassembled from its chunks; `PointNotFound` when there is none."""
        doc_id = normalize_point_id(doc_id)
        first = self.collection.retrieve([doc_id])
        if not first or (first[0].payload or {}).get("chunk_index", 0) != 0:
            raise PointNotFound(doc_id)
        payload = first[0].payload or {}
        count = int(payload.get("chunk_count") or 1)
        records = self.collection.retrieve([chunk_id(doc_id, i) for i in range(count)])
        chunks = [str((r.payload or {}).get("text") or "") for r in records]
        text = join_chunks(chunks, int(payload.get("chunk_overlap") or 0))
        return Document(doc_id, text, payload.get("metadata"), count)

    def list_documents(
        self, offset: PointId | None, limit: int
    ) -> tuple[list[Document], PointId | None]:
        """A page of documents in id order from `offset`, and the next offset."""
        if limit < 1:
            raise BadRequest("Wrong input: limit must be at least 1")
        page = self.collection.scroll(
            offset=offset,
            limit=limit,
            filter=Filter(must=(MatchValue("chunk_index", 0),)),
        )
        return [self.get_document(r.id) for r in page.points], page.next_page_offset

    def counts(self) -> dict[str, int]:
        return {
            "points": self.collection.count(),
            "documents": self.collection.count(Filter(must=(MatchValue("chunk_index", 0),))),
            "chunks": self._count_texts(),
            **{
                f"embedded_{v}": self.collection.count(
                    Filter(must=(HasVector(v),), must_not=(IsEmpty("text"),))
                )
                for v in self.embedders
            },
        }

    def embed(self, texts: Sequence[str], vector: str | None, query: bool) -> tuple[str, Any]:
        """`texts` embedded as the collection embeds them (queries or documents)."""
        name = vector if vector is not None else next(iter(self.embedders))
        embedder = self._embedder(name)
        out = embedder.embed_query(texts) if query else embedder.embed_documents(texts)
        return name, out

    def _embedder(self, vector: str) -> Embedder:
        try:
            return self.embedders[vector]
        except KeyError:
            known = ", ".join(f"`{v}`" for v in self.embedders)
            raise BadRequest(f"Wrong input: no vector `{vector}` (known: {known})") from None

    # ------------------------------------------------------------------ search

    def _query_vector(self, spec: SearchSpec, vector: str) -> Any:
        if spec.text is not None:
            embedder = self._embedder(vector)
            out = embedder.embed_query([spec.text])
            return as_vector(embedder, out, 0)
        return spec.vector

    def search(self, spec: SearchSpec) -> list[SearchHit]:
        """The best chunks for a text or a vector, best first."""
        if (spec.text is None) == (spec.vector is None):
            raise BadRequest("Wrong input: give exactly one of `text` and `vector`")
        if spec.limit < 1:
            raise BadRequest("Wrong input: limit must be at least 1")
        vectors = [spec.using] if spec.using is not None else list(self.embedders)
        for v in vectors:
            self._embedder(v)
        if spec.vector is not None and len(vectors) > 1:
            raise BadRequest("Wrong input: a search by `vector` needs `using` (the vector name)")
        if len(vectors) == 1:
            request = QueryRequest(
                query=Nearest(self._query_vector(spec, vectors[0])),
                using=vectors[0],
                filter=spec.filter,
                score_threshold=spec.score_threshold,
                limit=spec.limit,
                with_payload=WithPayload(enabled=True),
            )
            return [
                self._hit(p) for p in query(self.collection, request, self.engine.get_collection)
            ]
        fusion = spec.fusion or ("weighted" if spec.alpha is not None else "rrf")
        if fusion not in ("rrf", "weighted"):
            raise BadRequest(f"Wrong input: fusion must be `rrf` or `weighted`, got {fusion!r}")
        candidates = max(spec.limit * 4, 50)
        stages = [
            Prefetch(
                query=Nearest(self._query_vector(spec, v)),
                using=v,
                filter=spec.filter,
                limit=candidates,
            )
            for v in vectors
        ]
        if fusion == "rrf":
            request = QueryRequest(
                prefetch=stages,
                query=Fusion(FusionMethod.RRF),
                score_threshold=spec.score_threshold,
                limit=spec.limit,
                with_payload=WithPayload(enabled=True),
            )
            return [
                self._hit(p) for p in query(self.collection, request, self.engine.get_collection)
            ]
        return self._weighted(spec, stages)

    def _weighted(self, spec: SearchSpec, stages: list[Prefetch]) -> list[SearchHit]:
        alpha = 0.5 if spec.alpha is None else spec.alpha
        if not 0.0 <= alpha <= 1.0:
            raise BadRequest(f"Wrong input: alpha must be between 0 and 1, got {alpha}")
        weights = {
            v: (alpha if self.embedders[v].output == "dense" else 1.0 - alpha)
            for v in (s.using for s in stages)
        }
        totals: dict[PointId, float] = {}
        found: dict[PointId, ScoredPoint] = {}
        for stage in stages:
            request = QueryRequest(
                query=stage.query,
                using=stage.using,
                filter=stage.filter,
                limit=stage.limit,
                with_payload=WithPayload(enabled=True),
            )
            points = self._run(request)
            higher = higher_is_better(self.collection.distance(stage.using))
            for p, norm in zip(points, _minmax([p.score for p in points], higher), strict=True):
                totals[p.id] = totals.get(p.id, 0.0) + weights[stage.using] * norm
                found.setdefault(p.id, p)
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])
        hits = []
        for point_id, score in ranked:
            if spec.score_threshold is not None and score < spec.score_threshold:
                continue
            hit = self._hit(found[point_id])
            hit.score = score
            hits.append(hit)
        return hits[: spec.limit]

    def _run(self, request: QueryRequest) -> list[ScoredPoint]:
        return query(self.collection, request, self.engine.get_collection)

    @staticmethod
    def _hit(point: ScoredPoint) -> SearchHit:
        payload = point.payload or {}
        metadata = payload.get("metadata")
        if "metadata" not in payload:  # a point written through the Qdrant API
            metadata = {k: v for k, v in payload.items() if k not in RESERVED_KEYS}
        text = payload.get("text")
        return SearchHit(
            id=point.id,
            score=float(point.score),
            document_id=payload.get("document_id", point.id),
            chunk_index=payload.get("chunk_index", 0),
            text=text if isinstance(text, str) else None,
            metadata=metadata,
        )
