"""Every field, enum value and RPC Qdrant's protos added after 1.14 is listed in
`wire/newer.py` as built, a reply's, or refused by name; the refused ones answer
UNIMPLEMENTED naming the feature and the path.

The baseline, `qdrant_1.14.3_names.txt`, is `newer.descriptor_names` of qdrant-client
1.14.3's messages; the installed stubs are diffed against it here (so with qdrant-client
1.20 every addition up to 1.20 must be listed). To regenerate: put qdrant-client 1.14.3
first on the path and write ``sorted(descriptor_names(<its *_pb2 DESCRIPTORs>))``.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from qdrant_client import grpc as pb

from vectorizer import Engine, Unsupported
from vectorizer_qdrant_grpc.server import grpc_server
from vectorizer_qdrant_grpc.wire import newer
from vectorizer_qdrant_grpc.wire.unknown import _repeated, check_known

HOST = "127.0.0.1"
NOT_BUILT = "Not implemented in Vectorizer yet: "
BASELINE = {
    line
    for line in (Path(__file__).parent / "qdrant_1.14.3_names.txt").read_text().splitlines()
    if line and not line.startswith("#")
}
MODULES = [
    "collections_pb2",
    "points_pb2",
    "json_with_int_pb2",
    "qdrant_pb2",
    "qdrant_common_pb2",  # from qdrant-client 1.16 on
    "collections_service_pb2",
    "points_service_pb2",
    "snapshots_service_pb2",
]
FILES = [
    importlib.import_module(f"qdrant_client.grpc.{name}").DESCRIPTOR
    for name in MODULES
    if importlib.util.find_spec(f"qdrant_client.grpc.{name}") is not None
]
CURRENT = newer.descriptor_names(FILES)
ADDED = CURRENT - BASELINE
POOL = descriptor_pool.Default()
CLASSIFIED = {**newer.BUILT, **newer.REPLY, **newer.REFUSED, **newer.REFUSED_VALUES}


def message_names() -> set[str]:
    return {name.rsplit(".", 1)[0] for name in BASELINE}


def covered_messages() -> set[str]:
    """New message types only a refused field or a new (refused) RPC holds, with the new
    message types they hold in turn: their fields are refused with them."""
    old = message_names()
    start: list[Descriptor] = []
    for name in newer.REFUSED:
        field = POOL.FindFieldByName(name) if name in CURRENT else None
        if field is not None and field.message_type is not None:
            start.append(field.message_type)
    for name in newer.NEW_RPCS:
        if name in CURRENT:
            method = POOL.FindMethodByName(name)
            start += [method.input_type, method.output_type]
    covered: set[str] = set()
    while start:
        message = start.pop()
        if message.full_name in old or message.full_name in covered:
            continue
        covered.add(message.full_name)
        start += [f.message_type for f in message.fields if f.message_type is not None]
    return covered


def test_the_baseline_is_1_14s_and_the_stubs_keep_it() -> None:
    assert "qdrant.Match.text" in BASELINE and "qdrant.Match.phrase" not in BASELINE
    # 1.16 dropped these two; the plugin copes without them (newer.REMOVED, vectors_count)
    dropped = {
        "qdrant.CreateCollection.init_from_collection",
        "qdrant.CollectionInfo.vectors_count",
    }
    assert dropped >= BASELINE - CURRENT


def test_nothing_of_1_14_is_refused() -> None:
    assert not (set(newer.REFUSED) | set(newer.REFUSED_VALUES)) & BASELINE
    assert not set(newer.NEW_RPCS) & BASELINE


def test_every_addition_is_listed() -> None:
    covered = covered_messages()
    # a new enum's values are listed with the (listed or covered) fields that hold it
    holders = [POOL.FindFieldByName(n) for n in CURRENT & CLASSIFIED.keys() if _is_field(n)]
    holders += [f for m in covered for f in POOL.FindMessageTypeByName(m).fields]
    old = message_names()
    enums_held = {
        f.enum_type.full_name
        for f in holders
        if f.enum_type is not None and f.enum_type.full_name not in old
    }
    unlisted = []
    for name in sorted(ADDED):
        parent = name.rsplit(".", 1)[0]
        if name in CLASSIFIED or name in newer.NEW_RPCS:
            continue
        if _is_field(name) and parent in covered:
            continue
        if not _is_field(name) and not _is_rpc(name) and parent in enums_held:
            continue
        unlisted.append(name)
    assert unlisted == [], "added since Qdrant 1.14 but not listed in wire/newer.py"


def _is_field(name: str) -> bool:
    try:
        POOL.FindFieldByName(name)
    except KeyError:
        return False
    return True


def _is_rpc(name: str) -> bool:
    try:
        POOL.FindMethodByName(name)
    except KeyError:
        return False
    return True


def _set(message: Message, field: FieldDescriptor) -> None:
    """Set `field` of `message` to some value (a message field: present and empty)."""
    value: Any = {
        FieldDescriptor.TYPE_BOOL: True,
        FieldDescriptor.TYPE_STRING: "x",
        FieldDescriptor.TYPE_BYTES: b"x",
        FieldDescriptor.TYPE_DOUBLE: 1.0,
        FieldDescriptor.TYPE_FLOAT: 1.0,
    }.get(field.type, 1)
    if field.enum_type is not None:
        value = field.enum_type.values[-1].number
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        entry = getattr(message, field.name)
        value_field = field.message_type.fields_by_name["value"]
        if value_field.message_type is not None:
            entry["k"].SetInParent()
        else:
            entry["k"] = {FieldDescriptor.TYPE_STRING: "x"}.get(value_field.type, 1)
    elif _repeated(field):
        items = getattr(message, field.name)
        items.add() if field.message_type is not None else items.append(value)
    elif field.message_type is not None:
        getattr(message, field.name).SetInParent()
    else:
        setattr(message, field.name, value)


REFUSED_HERE = sorted(name for name in newer.REFUSED if name in CURRENT)


@pytest.mark.parametrize("name", REFUSED_HERE or ["(none in these stubs)"])
def test_each_refused_field_is_refused_by_name(name: str) -> None:
    if not REFUSED_HERE:
        assert not ADDED - set(newer.REPLY) - set(newer.BUILT), "stubs older than 1.15"
        return
    field = POOL.FindFieldByName(name)
    message = message_factory.GetMessageClass(field.containing_type)()
    _set(message, field)
    with pytest.raises(Unsupported) as info:
        check_known(message)
    assert info.value.message == f"{NOT_BUILT}{newer.REFUSED[name]} ({field.name})"


@pytest.mark.parametrize("name", sorted(newer.REFUSED_VALUES))
def test_each_refused_enum_value_is_refused_by_name(name: str) -> None:
    enum_name, value_name = name.rsplit(".", 1)
    if name not in CURRENT:
        assert name not in BASELINE
        return
    enum = POOL.FindEnumTypeByName(enum_name)
    holders = [
        f
        for file in FILES
        for message in _all_messages(file.message_types_by_name.values())
        for f in message.fields
        if f.enum_type is enum
    ]
    assert holders, f"no message holds {enum_name}"
    field = holders[0]
    message = message_factory.GetMessageClass(field.containing_type)()
    number = enum.values_by_name[value_name].number
    if _repeated(field):
        getattr(message, field.name).append(number)
    else:
        setattr(message, field.name, number)
    with pytest.raises(Unsupported) as info:
        check_known(message)
    assert info.value.message == f"{NOT_BUILT}{newer.REFUSED_VALUES[name]} ({field.name})"


def _all_messages(messages: Any) -> list[Descriptor]:
    out: list[Descriptor] = []
    for message in messages:
        out += [message, *_all_messages(message.nested_types)]
    return out


def test_refused_over_the_wire_with_the_path(tmp_path: Path) -> None:
    """Through the server: nested in a request, named by its path; the request fails
    before anything is written."""
    engine = Engine.open(tmp_path / "data")

    async def scenario() -> None:
        async with (
            grpc_server(engine, HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            collections, points = pb.CollectionsStub(channel), pb.PointsStub(channel)
            params = pb.VectorParams(size=2, distance=pb.Distance.Dot)
            await collections.Create(
                pb.CreateCollection(
                    collection_name="c", vectors_config=pb.VectorsConfig(params=params)
                )
            )
            phrase = pb.Condition(field=pb.FieldCondition(key="t", match=pb.Match(phrase="a b")))
            prefetch = pb.PrefetchQuery(filter=pb.Filter(must=[phrase]))
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await points.Query(pb.QueryPoints(collection_name="c", prefetch=[prefetch]))
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
            assert info.value.details().startswith(
                "Not implemented in Vectorizer yet: phrase matching (prefetch[0].filter."
            )
            if "qdrant.UpsertPoints.update_filter" not in CURRENT:
                return

            # conditional writes are built: update_filter and update_mode reach the core
            def point(pid: int, v: float, tag: str) -> pb.PointStruct:
                return pb.PointStruct(
                    id=pb.PointId(num=pid),
                    vectors=pb.Vectors(vector=pb.Vector(data=[v, 0])),
                    payload={"tag": pb.Value(string_value=tag)},
                )

            await points.Upsert(
                pb.UpsertPoints(
                    collection_name="c", points=[point(1, 1, "a"), point(2, 1, "b")], wait=True
                )
            )
            only_a = pb.Filter(
                must=[pb.Condition(field=pb.FieldCondition(key="tag", match=pb.Match(keyword="a")))]
            )
            await points.Upsert(
                pb.UpsertPoints(
                    collection_name="c",
                    points=[point(1, 2, "new"), point(2, 2, "new"), point(3, 2, "new")],
                    update_filter=only_a,
                    wait=True,
                )
            )
            await points.Upsert(
                pb.UpsertPoints(
                    collection_name="c",
                    points=[point(3, 3, "again"), point(4, 3, "again")],
                    update_mode=pb.UpdateMode.InsertOnly,
                    wait=True,
                )
            )
            got = await points.Get(
                pb.GetPoints(
                    collection_name="c",
                    ids=[pb.PointId(num=i) for i in (1, 2, 3, 4)],
                    with_payload=pb.WithPayloadSelector(enable=True),
                )
            )
            tags = {r.id.num: r.payload["tag"].string_value for r in got.result}
            assert tags == {1: "new", 2: "b", 3: "new", 4: "again"}

    try:
        asyncio.run(scenario())
    finally:
        engine.close()
