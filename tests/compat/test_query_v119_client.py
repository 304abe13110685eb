"""The Query API's additions since Qdrant 1.14 through qdrant-client, against its local
mode: MMR re-ranking (dense, sparse, multivector), weighted RRF and relevance feedback.
The same random data go to our server (over REST) and to local mode; ids, order and
scores must agree. Clients without the models are deselected; local mode has MMR and
relevance feedback only in newer clients (checked with 1.20)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient, models

N, DIM = 60, 6
RNG = np.random.default_rng(20260119)
DATA = RNG.normal(size=(N, DIM)).astype(np.float32).round(4)
MULTI = [RNG.normal(size=(int(RNG.integers(1, 4)), 3)).round(4) for _ in range(N)]
SPARSE = [
    (sorted(RNG.choice(20, size=5, replace=False).tolist()), RNG.uniform(0.1, 1, 5).round(3))
    for _ in range(N)
]
QUERIES = RNG.normal(size=(6, DIM)).astype(np.float32).round(4)

NEWER_LOCAL_MODE = pytest.mark.local_mode_fixed_in(
    "1.20.0", "local mode has no MMR or relevance feedback (1.15's has neither; checked with 1.20)"
)


def setup(client: QdrantClient, distance: models.Distance) -> None:
    client.create_collection(
        "v",
        vectors_config={
            "d": models.VectorParams(size=DIM, distance=distance),
            "m": models.VectorParams(
                size=3,
                distance=distance,
                multivector_config=models.MultiVectorConfig(
                    comparator=models.MultiVectorComparator.MAX_SIM
                ),
            ),
        },
        sparse_vectors_config={"s": models.SparseVectorParams()},
    )
    client.upsert(
        "v",
        [
            models.PointStruct(
                id=i,
                vector={
                    "d": DATA[i].tolist(),
                    "m": MULTI[i].tolist(),
                    "s": models.SparseVector(indices=SPARSE[i][0], values=SPARSE[i][1].tolist()),
                },
                payload={"g": i % 3},
            )
            for i in range(N)
        ],
        wait=True,
    )


def both(remote: QdrantClient, local: QdrantClient, **kw: Any) -> tuple[list, list]:
    answers = [c.query_points("v", **kw).points for c in (remote, local)]
    return answers[0], answers[1]


def assert_same(ours: list, theirs: list) -> None:
    assert [p.id for p in ours] == [p.id for p in theirs]
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.score == pytest.approx(other.score, rel=1e-4, abs=1e-4)


DISTANCES = [
    models.Distance.COSINE,
    models.Distance.DOT,
    models.Distance.EUCLID,
    models.Distance.MANHATTAN,
]


@NEWER_LOCAL_MODE
@pytest.mark.client_model("Mmr")
@pytest.mark.parametrize("distance", DISTANCES)
def test_mmr_on_dense_vectors(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    for client in (remote, local):
        setup(client, distance)
    for i, q in enumerate(QUERIES):
        mmr = models.Mmr(diversity=[0.0, 0.3, 0.5, 0.7, 0.9, 1.0][i], candidates_limit=25)
        flt = models.Filter(
            must_not=[models.FieldCondition(key="g", match=models.MatchValue(value=i % 3))]
        )
        ours, theirs = both(
            remote,
            local,
            query=models.NearestQuery(nearest=q.tolist(), mmr=mmr),
            using="d",
            limit=8,
            offset=i % 2,
            query_filter=flt if i % 2 else None,
        )
        assert_same(ours, theirs)
        assert len(ours) == 8


@NEWER_LOCAL_MODE
@pytest.mark.client_model("Mmr")
def test_mmr_on_sparse_and_multi_vectors(remote: QdrantClient, local: QdrantClient) -> None:
    for client in (remote, local):
        setup(client, models.Distance.DOT)
    sparse = models.SparseVector(indices=[1, 4, 7, 11, 15], values=[0.5, 1.0, 0.3, 0.8, 0.2])
    ours, theirs = both(
        remote,
        local,
        query=models.NearestQuery(
            nearest=sparse, mmr=models.Mmr(diversity=0.6, candidates_limit=20)
        ),
        using="s",
        limit=6,
    )
    assert_same(ours, theirs)
    multi = RNG.normal(size=(2, 3)).round(4).tolist()
    ours, theirs = both(
        remote,
        local,
        query=models.NearestQuery(
            nearest=multi, mmr=models.Mmr(diversity=0.5, candidates_limit=15)
        ),
        using="m",
        limit=6,
    )
    assert_same(ours, theirs)


@pytest.mark.client_model("RrfQuery", "Rrf.weights")
def test_weighted_rrf(remote: QdrantClient, local: QdrantClient) -> None:
    for client in (remote, local):
        setup(client, models.Distance.COSINE)
    prefetch = [
        models.Prefetch(query=QUERIES[0].tolist(), using="d", limit=15),
        models.Prefetch(query=QUERIES[1].tolist(), using="d", limit=10),
        models.Prefetch(query=MULTI[3].tolist(), using="m", limit=10),
    ]
    for k, weights in [(2, [1.0, 1.0, 1.0]), (10, [3.0, 1.0, 0.5]), (60, [0.5, 2.0, 1.0])]:
        ours, theirs = both(
            remote,
            local,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=models.Rrf(k=k, weights=weights)),
            limit=12,
        )
        assert [round(p.score, 5) for p in ours] == [round(p.score, 5) for p in theirs]
        assert {p.id for p in ours} == {p.id for p in theirs}


@NEWER_LOCAL_MODE
@pytest.mark.client_model("RelevanceFeedbackQuery")
@pytest.mark.parametrize("distance", DISTANCES)
def test_relevance_feedback(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    for client in (remote, local):
        setup(client, distance)
    feedback = models.RelevanceFeedbackInput(
        target=QUERIES[2].tolist(),
        feedback=[
            models.FeedbackItem(example=5, score=0.9),
            models.FeedbackItem(example=QUERIES[3].tolist(), score=0.4),
            models.FeedbackItem(example=17, score=0.1),
        ],
        strategy=models.NaiveFeedbackStrategy(
            naive=models.NaiveFeedbackStrategyParams(a=1.0, b=1.5, c=0.7)
        ),
    )
    ours, theirs = both(
        remote,
        local,
        query=models.RelevanceFeedbackQuery(relevance_feedback=feedback),
        using="d",
        limit=10,
    )
    assert_same(ours, theirs)
    assert not {5, 17} & {p.id for p in ours}
