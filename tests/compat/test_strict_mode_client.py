"""Strict mode through the official qdrant-client (REST): limits refused as Qdrant refuses
them, changed by `update_collection`, reported by `get_collection`."""

from __future__ import annotations

import json

import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

try:  # qdrant-client >= 1.13 raises this for a 429 that carries Retry-After
    from qdrant_client.common.client_exceptions import ResourceExhaustedResponse
except ImportError:  # pragma: no cover - older clients answer UnexpectedResponse
    ResourceExhaustedResponse = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.client_model("StrictModeConfig")

NAME = "strict"
CITY = models.Filter(
    must=[models.FieldCondition(key="city", match=models.MatchValue(value="Berlin"))]
)


def setup(client: QdrantClient, **strict: object) -> None:
    """Collection `strict` created with strict mode `strict`, holding 10 points (put in
    with strict mode off for the while)."""
    client.create_collection(
        NAME,
        vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT),
        strict_mode_config=models.StrictModeConfig(enabled=False, **strict),
    )
    client.upsert(
        NAME,
        [
            models.PointStruct(id=i, vector=[1.0, float(i), 0.0, 0.0], payload={"city": "Berlin"})
            for i in range(10)
        ],
        wait=True,
    )
    client.update_collection(NAME, strict_mode_config=models.StrictModeConfig(enabled=True))


def query(client: QdrantClient, limit: int = 3, **kw: object) -> list[models.ScoredPoint]:
    return client.query_points(NAME, query=[1.0, 0.0, 0.0, 0.0], limit=limit, **kw).points


def refused(exc: pytest.ExceptionInfo[UnexpectedResponse], status: int) -> str:
    assert exc.value.status_code == status
    return json.loads(exc.value.content)["status"]["error"]


def test_limit_refused_then_raised_by_update(remote: QdrantClient) -> None:
    setup(remote, max_query_limit=5)
    assert len(query(remote, limit=5)) == 5
    with pytest.raises(UnexpectedResponse) as exc:
        query(remote, limit=6)
    assert refused(exc, 400) == (
        'Limit exceeded 6 > 5 for "limit". Help: Reduce the "limit" parameter to or below 5.'
    )
    with pytest.raises(UnexpectedResponse) as exc:
        remote.scroll(NAME, limit=6)
    assert "6 > 5" in refused(exc, 400)
    remote.update_collection(NAME, strict_mode_config=models.StrictModeConfig(max_query_limit=8))
    assert len(query(remote, limit=6)) == 6
    config = remote.get_collection(NAME).config.strict_mode_config
    assert config is not None
    assert config.enabled is True and config.max_query_limit == 8


def test_timeout_and_unindexed_filter(remote: QdrantClient) -> None:
    setup(remote, max_timeout=5, unindexed_filtering_retrieve=False)
    assert len(query(remote, timeout=5)) == 3
    with pytest.raises(UnexpectedResponse) as exc:
        query(remote, timeout=6)
    assert 'Limit exceeded 6 > 5 for "timeout"' in refused(exc, 400)
    with pytest.raises(UnexpectedResponse) as exc:
        remote.count(NAME, count_filter=CITY)
    assert refused(exc, 400) == (
        'Index required but not found for "city" of one of the following types: '
        "[keyword]. Help: Create an index for this key or use a different filter."
    )
    remote.create_payload_index(NAME, "city", models.PayloadSchemaType.KEYWORD, wait=True)
    assert remote.count(NAME, count_filter=CITY).count == 10
    assert len(query(remote, query_filter=CITY)) == 3


def test_refused_upsert_writes_nothing(remote: QdrantClient) -> None:
    setup(remote, upsert_max_batchsize=2)
    batch = [models.PointStruct(id=i, vector=[0.0, 0.0, 1.0, 0.0]) for i in (20, 21, 22)]
    with pytest.raises(UnexpectedResponse) as exc:
        remote.upsert(NAME, batch, wait=True)
    assert 'for "upsert limit"' in refused(exc, 400)
    assert remote.count(NAME).count == 10
    assert remote.retrieve(NAME, [20, 21, 22]) == []


@pytest.mark.client_model("StrictModeConfig.max_points_count")
def test_max_points_count_refuses_the_point_past_it(remote: QdrantClient) -> None:
    setup(remote, max_points_count=11)
    batch = [models.PointStruct(id=i, vector=[0.0, 0.0, 1.0, 0.0]) for i in (20, 21)]
    remote.upsert(NAME, batch[:1], wait=True)  # 10 points < 11: still allowed
    with pytest.raises(UnexpectedResponse) as exc:
        remote.upsert(NAME, batch[1:2], wait=True)
    assert refused(exc, 400) == "Bad request: Max points count limit of 11 reached!"
    assert remote.count(NAME).count == 11
    assert remote.retrieve(NAME, [21]) == []


def test_read_rate_limit_answers_429(remote: QdrantClient) -> None:
    setup(remote, read_rate_limit=1)
    query(remote)
    expected = (
        "Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but "
        "only 0.0 were available. Retry after 60s"
    )
    if ResourceExhaustedResponse is not None:
        with pytest.raises(ResourceExhaustedResponse) as limited:
            query(remote)
        assert limited.value.retry_after_s == 60
        assert limited.value.message == expected
    else:  # pragma: no cover
        with pytest.raises(UnexpectedResponse) as exc:
            query(remote)
        assert refused(exc, 429) == expected
    remote.update_collection(NAME, strict_mode_config=models.StrictModeConfig(enabled=False))
    for _ in range(3):
        query(remote)
    config = remote.get_collection(NAME).config.strict_mode_config
    assert config is not None and config.enabled is False and config.read_rate_limit == 1
