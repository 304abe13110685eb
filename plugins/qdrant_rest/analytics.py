"""Qdrant's analytics endpoints: `/facet` and the distance matrix (`pairs`, `offsets`).

Request and response shapes are Qdrant 1.14's (`FacetRequest`, `FacetResponse`,
`SearchMatrixRequest`, `SearchMatrixPairsResponse`, `SearchMatrixOffsetsResponse`); the
work is the core's (`vectorizer.facet`, `vectorizer.matrix`).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import post

from vectorizer.facet import facet as facet_counts
from vectorizer.matrix import DistanceMatrix, search_matrix
from vectorizer.models import DEFAULT_VECTOR
from vectorizer_qdrant_rest import convert, numbers
from vectorizer_qdrant_rest.endpoint import C, Call, P, answer
from vectorizer_qdrant_rest.structs import Body, PositiveInt


class FacetRequest(Body):
    key: str
    limit: PositiveInt | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    exact: bool | None = None
    shard_key: Any = None


class SearchMatrixRequest(Body):
    shard_key: Any = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    sample: Annotated[int, msgspec.Meta(ge=2)] | None = None
    limit: PositiveInt | None = None
    using: str | None = None


@post(C + "/facet")
@answer
def facet(call: Call) -> dict[str, Any]:
    req = call.decode(FacetRequest)
    convert.no_shard_key(req.shard_key)
    hits = facet_counts(
        call.collection(), req.key, filter=req.filter, limit=req.limit, exact=req.exact
    )
    return {"hits": [{"value": h.value, "count": h.count} for h in hits]}


def _matrix(call: Call) -> DistanceMatrix:
    req = call.decode(SearchMatrixRequest)
    convert.no_shard_key(req.shard_key)
    return search_matrix(
        call.collection(),
        using=req.using if req.using is not None else DEFAULT_VECTOR,
        filter=req.filter,
        sample=req.sample,
        limit=req.limit,
    )


@post(P + "/search/matrix/pairs")
@answer
def search_matrix_pairs(call: Call) -> dict[str, Any]:
    pairs = _matrix(call).pairs()
    scores = numbers.shortest([score for _, _, score in pairs])
    return {
        "pairs": [
            {"a": a, "b": b, "score": score} for (a, b, _), score in zip(pairs, scores, strict=True)
        ]
    }


@post(P + "/search/matrix/offsets")
@answer
def search_matrix_offsets(call: Call) -> dict[str, Any]:
    matrix = _matrix(call)
    rows, cols, scores = matrix.offsets()
    return {
        "offsets_row": rows,
        "offsets_col": cols,
        "scores": numbers.shortest(scores),
        "ids": matrix.ids,
    }


HANDLERS = [facet, search_matrix_pairs, search_matrix_offsets]
