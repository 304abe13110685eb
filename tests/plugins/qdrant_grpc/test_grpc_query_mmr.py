"""gRPC's `NearestInputWithMmr` becomes a nearest query with MMR re-ranking."""

from __future__ import annotations

import pytest
from qdrant_client import grpc as pb

from vectorizer.errors import BadRequest
from vectorizer.query import Mmr, Nearest
from vectorizer_qdrant_grpc.wire import search


def dense(*values: float) -> pb.VectorInput:
    return pb.VectorInput(dense=pb.DenseVector(data=list(values)))


def test_nearest_with_mmr_converts() -> None:
    given = pb.NearestInputWithMmr(
        nearest=dense(1.0, 2.0), mmr=pb.Mmr(diversity=0.25, candidates_limit=40)
    )
    query = search.query_in(pb.Query(nearest_with_mmr=given), "query")
    assert isinstance(query, Nearest) and query.mmr == Mmr(0.25, 40)
    assert query.vector.tolist() == [1.0, 2.0]
    # absent fields take Qdrant's defaults: diversity 0.5, the request's limit
    bare = pb.NearestInputWithMmr(nearest=pb.VectorInput(id=pb.PointId(num=7)), mmr=pb.Mmr())
    query = search.query_in(pb.Query(nearest_with_mmr=bare), "query")
    assert query.vector == 7 and query.mmr == Mmr(0.5, None)
    query = search.query_in(
        pb.Query(nearest_with_mmr=pb.NearestInputWithMmr(nearest=dense(1))), "q"
    )
    assert query.mmr == Mmr()


def test_bad_mmr_names_the_field() -> None:
    bad = pb.NearestInputWithMmr(nearest=dense(1.0), mmr=pb.Mmr(diversity=-0.1))
    with pytest.raises(BadRequest, match=r"query\.nearest_with_mmr\.mmr\.diversity"):
        search.query_in(pb.Query(nearest_with_mmr=bad), "query")


def test_mmr_query_over_grpc_rescoring_prefetches() -> None:
    inner = pb.PrefetchQuery(query=pb.Query(nearest=dense(1.0, 0.0)), limit=20)
    request = pb.QueryPoints(
        prefetch=[inner],
        query=pb.Query(
            nearest_with_mmr=pb.NearestInputWithMmr(nearest=dense(1.0, 0.0), mmr=pb.Mmr())
        ),
        limit=5,
    )
    converted = search.query_request_in(request)
    assert isinstance(converted.query, Nearest) and converted.query.mmr == Mmr()
    assert converted.limit == 5 and len(converted.prefetch) == 1
