"""The official qdrant-client against our server and its local mode: `facet` and the
distance matrix (`search_matrix_pairs`, `search_matrix_offsets`), on random data and
random filters.

Facets are compared exactly. Local mode needs no payload index to facet and counts any
string, integer or bool it finds, where Qdrant (and our server) reads only the values
the field's index holds: each faceted field here holds values of its index's type, plus
floats, nulls and objects, which neither counts.

The matrix samples points at random on both sides, so a random sample is checked for what
it must be: ids in order, drawn from the points matching the filter that have the vector,
each row the true nearest other sampled points, best first, scored with the true
distance. With a sample covering every candidate there is nothing random left, and the
two answers must agree. Local mode fails (KeyError) when its sample holds a point
without the vector `using`, so it is asked only about vectors every point has; ours is
checked on the others too.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

FACET = pytest.mark.client_method("facet")
MATRIX = pytest.mark.client_method("search_matrix_pairs", "search_matrix_offsets")

WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]
UUIDS = [str(uuid.UUID(int=(i + 1) * 7**30)) for i in range(6)]
INDEXES: dict[str, models.PayloadSchemaType] = {
    "kw": models.PayloadSchemaType.KEYWORD,
    "n": models.PayloadSchemaType.INTEGER,
    "b": models.PayloadSchemaType.BOOL,
    "u": models.PayloadSchemaType.UUID,
    "obj.tag": models.PayloadSchemaType.KEYWORD,
    "items[].n": models.PayloadSchemaType.INTEGER,
}
VECTORS = {
    "cos": models.VectorParams(size=3, distance=models.Distance.COSINE),
    "dot": models.VectorParams(size=3, distance=models.Distance.DOT),
    "l2": models.VectorParams(size=3, distance=models.Distance.EUCLID),
    "l1": models.VectorParams(size=3, distance=models.Distance.MANHATTAN),
}


def _maybe_list(rng: np.random.Generator, values: list[Any]) -> Any:
    """One value, a list of some (repeats included), or nothing."""
    kind = rng.integers(0, 4)
    if kind == 0:
        return None
    if kind == 1:
        return values[int(rng.integers(len(values)))]
    return [values[int(i)] for i in rng.integers(0, len(values), size=int(rng.integers(0, 4)))]


def _payload(rng: np.random.Generator) -> dict[str, Any]:
    noise = [1.5, None, {"x": 1}]  # counted by neither side
    payload = {
        "kw": _maybe_list(rng, [*WORDS[: int(rng.integers(2, 9))], *noise]),
        "n": _maybe_list(rng, [-3, 0, 1, 2, 5, 8, 2**40, *noise]),
        "b": _maybe_list(rng, [True, False, *noise]),
        "u": _maybe_list(rng, [*UUIDS, UUIDS[0].upper(), *noise]),
        "obj": {"tag": _maybe_list(rng, WORDS[:4])},
        "items": [{"n": int(rng.integers(0, 4))} for _ in range(int(rng.integers(0, 3)))],
        "g": int(rng.integers(0, 5)),
    }
    return {k: v for k, v in payload.items() if v is not None}


EVERYWHERE = ("cos", "l1")
"""The vectors every point has; some points lack the others."""


def _vectors(rng: np.random.Generator) -> dict[str, list[float]]:
    names = [n for n in VECTORS if n in EVERYWHERE or rng.random() < 0.7]
    return {n: rng.normal(size=3).round(3).tolist() for n in names}


def _filters(rng: np.random.Generator) -> list[models.Filter | None]:
    word = WORDS[int(rng.integers(0, 4))]
    return [
        None,
        models.Filter(must=[models.FieldCondition(key="g", range=models.Range(lt=3))]),
        models.Filter(
            should=[
                models.FieldCondition(key="kw", match=models.MatchValue(value=word)),
                models.FieldCondition(key="b", match=models.MatchValue(value=True)),
            ]
        ),
        models.Filter(
            must_not=[models.FieldCondition(key="n", match=models.MatchAny(any=[0, 1, 2]))]
        ),
        models.Filter(must=[models.HasIdCondition(has_id=list(range(0, 60, 2)))]),
        models.Filter(must=[models.FieldCondition(key="g", match=models.MatchValue(value=99))]),
    ]


def _fill(remote: QdrantClient, local: QdrantClient, seed: int) -> dict[int, dict[str, Any]]:
    """The same random points in both, the indexes on ours; the points' vectors by id."""
    rng = np.random.default_rng(seed)
    points = [
        models.PointStruct(id=i, vector=_vectors(rng), payload=_payload(rng)) for i in range(60)
    ]
    for client in (remote, local):
        client.create_collection("c", vectors_config=VECTORS)
        client.upsert("c", points, wait=True)
    for field, schema in INDEXES.items():
        remote.create_payload_index("c", field, schema, wait=True)
    return {p.id: p.vector for p in points}  # type: ignore[misc]


def _hits(response: models.FacetResponse) -> list[tuple[Any, int]]:
    return [(hit.value, hit.count) for hit in response.hits]


@FACET
@pytest.mark.parametrize("seed", range(4))
def test_facet_matches_local_mode(remote: QdrantClient, local: QdrantClient, seed: int) -> None:
    _fill(remote, local, seed)
    rng = np.random.default_rng(100 + seed)
    compared = 0
    for key in INDEXES:
        for flt in _filters(rng):
            for limit in (1, 3, 10, 100):
                exact = bool(rng.integers(0, 2))
                ours = remote.facet("c", key, facet_filter=flt, limit=limit, exact=exact)
                theirs = local.facet("c", key, facet_filter=flt, limit=limit)
                assert _hits(ours) == _hits(theirs), (key, flt, limit)
                compared += len(ours.hits)
    assert compared > 100


@FACET
def test_facet_default_limit_and_missing_index(remote: QdrantClient, local: QdrantClient) -> None:
    _fill(remote, local, 7)
    remote.create_payload_index("c", "g", models.PayloadSchemaType.FLOAT, wait=True)
    assert _hits(remote.facet("c", "kw")) == _hits(local.facet("c", "kw"))
    assert len(remote.facet("c", "kw").hits) <= 10
    for key in ("g", "nothing"):
        with pytest.raises(UnexpectedResponse) as caught:
            remote.facet("c", key)
        assert caught.value.status_code == 400
        assert f"No appropriate index for faceting: `{key}`" in caught.value.content.decode()


def _score(distance: models.Distance, a: list[float], b: list[float]) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if distance == models.Distance.COSINE:
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))
    if distance == models.Distance.DOT:
        return float(x @ y)
    if distance == models.Distance.EUCLID:
        return float(np.linalg.norm(x - y))
    return float(np.abs(x - y).sum())


def _candidates(
    local: QdrantClient, vectors: dict[int, dict[str, Any]], using: str, flt: Any
) -> set[int]:
    """The points matching the filter (local mode decides) that have the vector."""
    records, _ = local.scroll("c", scroll_filter=flt, limit=1000)
    return {r.id for r in records if using in vectors[r.id]}  # type: ignore[misc]


def _rows(response: models.SearchMatrixOffsetsResponse) -> list[list[tuple[int, float]]]:
    rows: list[list[tuple[int, float]]] = [[] for _ in response.ids]
    for row, col, score in zip(
        response.offsets_row, response.offsets_col, response.scores, strict=True
    ):
        rows[row].append((col, score))
    return rows


def _check_matrix(
    response: models.SearchMatrixOffsetsResponse,
    vectors: dict[int, dict[str, Any]],
    using: str,
    candidates: set[int],
    sample: int,
    limit: int,
) -> None:
    ids = response.ids
    size = min(sample, len(candidates))
    assert len(ids) == (size if size >= 2 else 0)
    assert ids == sorted(ids) and set(ids) <= candidates
    assert response.offsets_row == sorted(response.offsets_row)
    distance = VECTORS[using].distance
    higher = distance in (models.Distance.COSINE, models.Distance.DOT)
    for i, row in enumerate(_rows(response)):
        assert len(row) == min(limit, len(ids) - 1)
        assert i not in [j for j, _ in row]
        own = vectors[ids[i]][using]
        for j, score in row:
            assert score == pytest.approx(_score(distance, own, vectors[ids[j]][using]), abs=1e-4)
        others = sorted(
            (_score(distance, own, vectors[other][using]) for other in ids if other != ids[i]),
            reverse=higher,
        )
        got = [score for _, score in row]
        assert got == pytest.approx(others[: len(row)], abs=1e-4)


@MATRIX
@pytest.mark.parametrize("seed", range(3))
def test_matrix_samples_hold_the_true_nearest(
    remote: QdrantClient, local: QdrantClient, seed: int
) -> None:
    vectors = _fill(remote, local, seed)
    rng = np.random.default_rng(200 + seed)
    checked = 0
    for using in VECTORS:
        for flt in _filters(rng):
            candidates = _candidates(local, vectors, using, flt)
            sample, limit = int(rng.integers(2, 15)), int(rng.integers(1, 6))
            kw: dict[str, Any] = {"query_filter": flt, "limit": limit, "sample": sample}
            ours = remote.search_matrix_offsets("c", using=using, **kw)
            _check_matrix(ours, vectors, using, candidates, sample, limit)
            if using in EVERYWHERE:  # local mode fails on sampling a point without it
                theirs = local.search_matrix_offsets("c", using=using, **kw)
                assert len(theirs.ids) == len(ours.ids)
                assert [len(r) for r in _rows(theirs)] == [len(r) for r in _rows(ours)]
            pairs = remote.search_matrix_pairs("c", using=using, **kw).pairs
            a_ids = [p.a for p in pairs]
            assert a_ids == sorted(a_ids) and set(a_ids) <= candidates
            assert len(pairs) == len(ours.scores)
            for pair in pairs:
                expected = _score(
                    VECTORS[using].distance, vectors[pair.a][using], vectors[pair.b][using]
                )
                assert pair.score == pytest.approx(expected, abs=1e-4)
            checked += len(ours.scores)
    assert checked > 50


@MATRIX
def test_matrix_over_every_candidate_matches_local_mode(
    remote: QdrantClient, local: QdrantClient
) -> None:
    vectors = _fill(remote, local, 11)
    flt = models.Filter(must=[models.FieldCondition(key="g", range=models.Range(lt=2))])
    for using in EVERYWHERE:
        count = len(_candidates(local, vectors, using, flt))
        for limit in (1, 3):
            kw: dict[str, Any] = {"query_filter": flt, "limit": limit, "sample": count + 5}
            ours = remote.search_matrix_offsets("c", using=using, **kw)
            theirs = local.search_matrix_offsets("c", using=using, **kw)
            assert ours.ids == theirs.ids and len(ours.ids) == count
            assert ours.offsets_row == theirs.offsets_row
            assert ours.offsets_col == theirs.offsets_col, using
            assert ours.scores == pytest.approx(theirs.scores, abs=1e-4)
            ours_pairs = remote.search_matrix_pairs("c", using=using, **kw).pairs
            theirs_pairs = local.search_matrix_pairs("c", using=using, **kw).pairs
            assert [(p.a, p.b) for p in ours_pairs] == [(p.a, p.b) for p in theirs_pairs]


@MATRIX
def test_matrix_with_too_few_points_is_empty(remote: QdrantClient, local: QdrantClient) -> None:
    _fill(remote, local, 3)
    none = models.Filter(must=[models.HasIdCondition(has_id=[5])])
    for client in (remote, local):
        assert client.search_matrix_pairs("c", query_filter=none, using="cos").pairs == []
        offsets = client.search_matrix_offsets("c", query_filter=none, using="cos")
        assert (offsets.ids, offsets.scores, offsets.offsets_row) == ([], [], [])
