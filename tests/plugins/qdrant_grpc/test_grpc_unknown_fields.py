"""Request fields the server's messages do not know (a newer client's) are refused with
UNIMPLEMENTED naming each one, never dropped silently."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypeVar

import grpc
import pytest
from google.protobuf.message import Message
from qdrant_client import grpc as pb

from vectorizer import Engine, Unsupported
from vectorizer_qdrant_grpc.server import grpc_server
from vectorizer_qdrant_grpc.wire.unknown import STUBS_VERSION, check_known, unknown_fields_in

HOST = "127.0.0.1"
M = TypeVar("M", bound=Message)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def with_unknown(message: M, field_number: int, text: bytes = b"x") -> M:
    """`message` as a newer client would send it: plus a length-delimited field
    `field_number` its type does not declare."""
    assert field_number not in message.DESCRIPTOR.fields_by_number
    extra = varint(field_number << 3 | 2) + varint(len(text)) + text
    return type(message).FromString(message.SerializeToString() + extra)


def keyword_filter(match: pb.Match) -> pb.Filter:
    return pb.Filter(must=[pb.Condition(field=pb.FieldCondition(key="t", match=match))])


def test_found_anywhere_with_their_path() -> None:
    assert unknown_fields_in(pb.CountPoints(collection_name="c")) == []
    match = with_unknown(pb.Match(keyword="a"), 15)
    count = pb.CountPoints(collection_name="c", filter=keyword_filter(match))
    assert unknown_fields_in(count) == ["filter.must[0].field.match: field 15 of qdrant.Match"]
    point = pb.PointStruct(
        id=pb.PointId(num=1), payload={"k": with_unknown(pb.Value(string_value="v"), 9)}
    )
    upsert = with_unknown(pb.UpsertPoints(collection_name="c", points=[point]), 30)
    assert unknown_fields_in(upsert) == [
        "(request): field 30 of qdrant.UpsertPoints",
        "points[0].payload['k']: field 9 of qdrant.Value",
    ]


def test_check_known_raises_unsupported() -> None:
    check_known(pb.CountPoints(collection_name="c"))
    with pytest.raises(Unsupported) as info:
        check_known(with_unknown(pb.CountPoints(collection_name="c"), 30))
    assert info.value.message == (
        "Not implemented in Vectorizer yet: (request): field 30 of qdrant.CountPoints (set by a "
        f"client newer than this server's gRPC messages, those of qdrant-client {STUBS_VERSION}; "
        "the server would not apply them)"
    )


def test_the_server_refuses_them_and_writes_nothing(tmp_path: Path) -> None:
    engine = Engine.open(tmp_path / "data")
    point = pb.PointStruct(
        id=pb.PointId(num=1), vectors=pb.Vectors(vector=pb.Vector(data=[1.0, 0.0]))
    )
    upsert = with_unknown(pb.UpsertPoints(collection_name="c", wait=True, points=[point]), 30)
    count = pb.CountPoints(
        collection_name="c", filter=keyword_filter(with_unknown(pb.Match(keyword="a"), 15))
    )

    async def scenario() -> list[tuple[grpc.StatusCode, str]]:
        answers = []
        async with (
            grpc_server(engine, HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            await pb.CollectionsStub(channel).Create(
                pb.CreateCollection(
                    collection_name="c",
                    vectors_config=pb.VectorsConfig(
                        params=pb.VectorParams(size=2, distance=pb.Distance.Dot)
                    ),
                ),
                timeout=5,
            )
            stub = pb.PointsStub(channel)
            for call in (stub.Upsert(upsert, timeout=5), stub.Count(count, timeout=5)):
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await call
                answers.append((info.value.code(), info.value.details()))
        return answers

    try:
        answers = asyncio.run(scenario())
        assert [code for code, _ in answers] == [grpc.StatusCode.UNIMPLEMENTED] * 2
        assert "(request): field 30 of qdrant.UpsertPoints" in answers[0][1]
        assert "filter.must[0].field.match: field 15 of qdrant.Match" in answers[1][1]
        assert engine.get_collection("c").count() == 0
    finally:
        engine.close()
