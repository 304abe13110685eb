"""Moving the points: scroll the source in batches, upsert into the target with `wait`,
retrying transient errors with backoff, recording the offset after every batch."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import numpy as np
import tenacity
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from vectorizer_migrate.collections import MigrationError, Plan
from vectorizer_migrate.state import Progress

TRANSIENT_GRPC = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}
SAMPLE = 64
"""Points compared between source and target at the end of each collection."""


def transient(exc: BaseException) -> bool:
    """Worth retrying: the network, an overloaded or restarting server, a 5xx or 429."""
    if isinstance(exc, httpx.TransportError | ResponseHandlingException):
        return True
    if isinstance(exc, UnexpectedResponse):
        return exc.status_code is not None and (exc.status_code >= 500 or exc.status_code == 429)
    if isinstance(exc, grpc.RpcError):
        return exc.code() in TRANSIENT_GRPC  # type: ignore[attr-defined]
    return False


def retrying(attempts: int) -> tenacity.Retrying:
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(transient),
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=0.5, max=30),
        reraise=True,
    )


def _point(record: models.Record) -> models.PointStruct:
    return models.PointStruct(id=record.id, vector=record.vector or {}, payload=record.payload)


def copy_points(
    source: QdrantClient,
    target: QdrantClient,
    plan: Plan,
    target_name: str,
    progress: Progress,
    *,
    batch_size: int,
    attempts: int,
    saved: Callable[[Progress], None],
    advanced: Callable[[int], None],
) -> list[Any]:
    """Copy every point from `progress.offset` on; `saved` is called after each batch
    (the offset is recorded only once the batch is acknowledged by the target). Returns a
    uniform sample of the ids copied (reservoir sampling), for `verify`."""
    retry = retrying(attempts)
    sample: list[Any] = []
    seen = 0
    while not progress.done:
        records, next_offset = retry(
            source.scroll,
            plan.name,
            limit=batch_size,
            offset=progress.offset,
            with_payload=True,
            with_vectors=True,
        )
        if records:
            points = [_point(r) for r in records]
            retry(target.upsert, target_name, points=points, wait=True)
        for record in records:
            seen += 1
            if len(sample) < SAMPLE:
                sample.append(record.id)
            elif (slot := random.randrange(seen)) < SAMPLE:
                sample[slot] = record.id
        progress.copied += len(records)
        progress.offset = next_offset
        progress.done = next_offset is None
        saved(progress)
        advanced(len(records))
    return sample


def verify(
    source: QdrantClient, target: QdrantClient, plan: Plan, target_name: str, ids: list[Any]
) -> int:
    """Counts equal, and the sampled points (else the first ones) equal in payload and
    vectors; returns the target's count."""
    theirs = target.count(target_name, exact=True).count
    ours = source.count(plan.name, exact=True).count
    if theirs != ours:
        raise MigrationError(
            f"collection {plan.name!r}: the target holds {theirs} points, the source {ours}"
        )
    if not ids:
        ids = [r.id for r in source.scroll(plan.name, limit=SAMPLE)[0]]
    if not ids:
        return theirs
    want = {"with_payload": True, "with_vectors": True}
    expected = {r.id: r for r in source.retrieve(plan.name, ids, **want)}
    found = {r.id: r for r in target.retrieve(target_name, ids, **want)}
    spaces = _spaces(plan)
    for point_id, record in expected.items():
        copy = found.get(point_id)
        if copy is None:
            raise MigrationError(f"collection {plan.name!r}: point {point_id} is missing")
        if copy.payload != record.payload or not _same_vectors(
            _as_stored(copy.vector, spaces), _as_stored(record.vector, spaces)
        ):
            raise MigrationError(f"collection {plan.name!r}: point {point_id} differs")
    return theirs


def _spaces(plan: Plan) -> dict[str, models.VectorParams]:
    """The dense vector spaces by name ("" for the unnamed vector)."""
    vectors = plan.vectors
    if isinstance(vectors, models.VectorParams):
        return {"": vectors}
    return dict(vectors or {})


def _as_stored(vector: Any, spaces: dict[str, models.VectorParams], name: str = "") -> Any:
    """A vector as a server stores it in its space: cosine rows at unit length (a local-mode
    folder hands them back as given), then at the space's datatype (uint8: Qdrant's
    `as u8`, truncated and saturated, and never normalised)."""
    if isinstance(vector, dict):
        return {k: _as_stored(v, spaces, k) for k, v in vector.items()}
    params = spaces.get(name)
    if params is None or vector is None or isinstance(vector, models.SparseVector):
        return vector
    array = np.asarray(vector, dtype=np.float32)
    datatype = getattr(params, "datatype", None)
    if datatype == models.Datatype.UINT8:
        return np.clip(np.trunc(array), 0, 255).astype(np.float64)
    if params.distance == models.Distance.COSINE:
        norm = np.linalg.norm(array, axis=-1, keepdims=True)
        array = array / np.where(norm == 0, 1, norm)
    if datatype == models.Datatype.FLOAT16:
        array = array.astype(np.float16)
    return array.astype(np.float64)


def _same_vectors(a: Any, b: Any) -> bool:
    """Equal up to float32 rounding (see `_as_stored` for datatypes)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_vectors(a[k], b[k]) for k in a)
    if isinstance(a, models.SparseVector) and isinstance(b, models.SparseVector):
        return a.indices == b.indices and np.allclose(a.values, b.values, rtol=1e-5, atol=1e-6)
    if a is None or b is None:
        return a is b
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-5, atol=1e-6))
