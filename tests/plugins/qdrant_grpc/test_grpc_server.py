"""The gRPC plugin's server: lifecycle, HealthCheck, and UNIMPLEMENTED for what is not built."""

from __future__ import annotations

import asyncio
import importlib.metadata
import socket
import threading
from collections.abc import Iterator

import grpc
import pytest
from qdrant_client import QdrantClient
from qdrant_client import grpc as pb
from qdrant_client.grpc import (
    collections_service_pb2,
    points_service_pb2,
    qdrant_pb2,
    snapshots_service_pb2,
)

import vectorizer_qdrant_grpc
from vectorizer import QDRANT_TITLE, QDRANT_VERSION, ServerSpec, build_commit
from vectorizer.host.settings import load_settings
from vectorizer_qdrant_grpc.endpoints.service import rpc_names
from vectorizer_qdrant_grpc.server import MAX_MESSAGE_LENGTH, GrpcBindError, grpc_server

HOST = "127.0.0.1"

# every RPC of the services, read from the .proto descriptors
ALL_RPCS = [
    (service, method.name)
    for module, service in [
        (collections_service_pb2, "Collections"),
        (points_service_pb2, "Points"),
        (snapshots_service_pb2, "Snapshots"),
    ]
    for method in module.DESCRIPTOR.services_by_name[service].methods
]
IMPLEMENTED = {
    "Collections": {
        "Get", "List", "Create", "Update", "Delete", "UpdateAliases", "ListCollectionAliases",
        "ListAliases", "CollectionClusterInfo", "CollectionExists",
    },
    "Points": {
        "Upsert", "Delete", "Get", "UpdateVectors", "DeleteVectors", "SetPayload",
        "OverwritePayload", "DeletePayload", "ClearPayload", "CreateFieldIndex",
        "DeleteFieldIndex", "Search", "SearchBatch", "Scroll", "Count", "Query", "QueryBatch",
        "UpdateBatch", "SearchGroups", "QueryGroups", "Recommend", "RecommendBatch",
        "RecommendGroups", "Discover", "DiscoverBatch", "Facet", "SearchMatrixPairs",
        "SearchMatrixOffsets",
    },
    "Snapshots": {"Create", "List", "Delete", "CreateFull", "ListFull", "DeleteFull"},
}  # fmt: skip
# what each RPC that is not built yet names as the feature it needs
UNIMPLEMENTED_RPCS = {
    ("Collections", "UpdateCollectionClusterSetup"): "distributed mode",
    ("Collections", "CreateShardKey"): "shard keys",
    ("Collections", "DeleteShardKey"): "shard keys",
    # added after Qdrant 1.14 (newer.NEW_RPCS), when the stubs have them
    ("Collections", "ListShardKeys"): "shard keys",
    ("Points", "CreateVectorName"): "adding a named vector to an existing collection",
    ("Points", "DeleteVectorName"): "removing a named vector from an existing collection",
}
UNIMPLEMENTED_RPCS = {rpc: f for rpc, f in UNIMPLEMENTED_RPCS.items() if rpc in ALL_RPCS}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served_port() -> Iterator[int]:
    """A gRPC server (via the plugin's factory) in its own event loop, for sync clients."""
    started, stop = threading.Event(), None
    result: dict[str, object] = {}

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        try:
            async with grpc_server(None, HOST, 0) as running:
                result["port"] = running.port
                started.set()
                await stop.wait()
        except BaseException as e:
            result["error"] = e
            started.set()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "gRPC server did not start"
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    yield result["port"]  # type: ignore[misc]
    assert stop is not None
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def test_hook_registers_the_server() -> None:
    specs = vectorizer_qdrant_grpc.register_servers(engine=None, settings=None)
    assert len(specs) == 1
    spec = specs[0]
    assert isinstance(spec, ServerSpec)
    assert (spec.name, spec.default_port) == ("qdrant_grpc", 6334)


def test_found_through_the_entry_point_group() -> None:
    (entry,) = [
        ep for ep in importlib.metadata.entry_points(group="vectorizer") if ep.name == "qdrant_grpc"
    ]
    assert entry.load() is vectorizer_qdrant_grpc


def test_every_rpc_is_covered() -> None:
    """The servicers generated from the stubs cover exactly the RPCs of the .proto files,
    and each is either implemented or listed here as UNIMPLEMENTED."""
    by_service: dict[str, list[str]] = {}
    for service, method in ALL_RPCS:
        by_service.setdefault(service, []).append(method)
    assert sorted(by_service["Collections"]) == rpc_names(pb.CollectionsServicer)
    assert sorted(by_service["Points"]) == rpc_names(pb.PointsServicer)
    assert sorted(by_service["Snapshots"]) == rpc_names(pb.SnapshotsServicer)
    qdrant_rpcs = [m.name for m in qdrant_pb2.DESCRIPTOR.services_by_name["Qdrant"].methods]
    assert qdrant_rpcs == ["HealthCheck"]
    for service, method in ALL_RPCS:
        assert (method in IMPLEMENTED[service]) != ((service, method) in UNIMPLEMENTED_RPCS)
    assert len(ALL_RPCS) > 40


def test_health_check_and_unimplemented_list() -> None:
    async def scenario() -> None:
        spec = vectorizer_qdrant_grpc.register_servers(engine=None, settings=None)[0]
        async with (
            spec.factory(HOST, free_port()) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            reply = await pb.QdrantStub(channel).HealthCheck(pb.HealthCheckRequest(), timeout=5)
            assert reply.title == QDRANT_TITLE == "qdrant - vector search engine"
            assert reply.version == QDRANT_VERSION
            assert reply.commit == build_commit()  # as REST's GET /

            with pytest.raises(grpc.aio.AioRpcError) as info:
                await pb.CollectionsStub(channel).CreateShardKey(
                    pb.CreateShardKeyRequest(), timeout=5
                )
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
            assert info.value.details() == (
                "Not implemented in Vectorizer yet: shard keys (gRPC Collections.CreateShardKey)"
            )

    asyncio.run(scenario())


def test_every_unbuilt_rpc_answers_unimplemented_naming_itself() -> None:
    async def scenario() -> None:
        async with (
            grpc_server(None, HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            for (service, method), feature in UNIMPLEMENTED_RPCS.items():
                # an empty message is a valid (all-defaults) request of any type
                call = channel.unary_unary(f"/qdrant.{service}/{method}")
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await call(b"", timeout=5)
                assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED, (service, method)
                assert info.value.details() == (
                    f"Not implemented in Vectorizer yet: {feature} (gRPC {service}.{method})"
                )

    asyncio.run(scenario())


def test_an_rpc_the_stubs_do_not_define_answers_unimplemented_naming_it() -> None:
    async def scenario() -> None:
        async with (
            grpc_server(None, HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            call = channel.unary_unary("/qdrant.Points/SomethingNewer")
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await call(b"", timeout=5)
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
            assert info.value.details() == (
                "Not implemented in Vectorizer yet: gRPC qdrant.Points.SomethingNewer "
                "(an RPC this server's messages do not define)"
            )

    asyncio.run(scenario())


def test_health_check_reports_the_configured_qdrant_version() -> None:
    async def scenario() -> None:
        settings = load_settings(environ={"VECTORIZER_QDRANT_VERSION": "1.17.2"})
        spec = vectorizer_qdrant_grpc.register_servers(engine=None, settings=settings)[0]
        async with (
            spec.factory(HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            reply = await pb.QdrantStub(channel).HealthCheck(pb.HealthCheckRequest(), timeout=5)
            assert reply.version == "1.17.2"

    asyncio.run(scenario())


def test_port_zero_picks_a_free_port_and_exit_stops_the_server() -> None:
    async def scenario() -> None:
        async with grpc_server(None, HOST, 0) as running:
            port = running.port
            assert port > 0
        async with grpc.aio.insecure_channel(f"{HOST}:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await pb.QdrantStub(channel).HealthCheck(pb.HealthCheckRequest(), timeout=2)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE

    asyncio.run(scenario())


def test_port_in_use_raises_an_os_error() -> None:
    async def scenario() -> None:
        with socket.socket() as taken:
            taken.bind((HOST, 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(OSError, match=f"cannot listen on {HOST}:{port}") as info:
                async with grpc_server(None, HOST, port):
                    pass
            assert isinstance(info.value, GrpcBindError)

    asyncio.run(scenario())


def test_a_second_grpc_server_cannot_share_the_port() -> None:
    async def scenario() -> None:
        async with grpc_server(None, HOST, 0) as first:
            with pytest.raises(GrpcBindError):
                async with grpc_server(None, HOST, first.port):
                    pass

    asyncio.run(scenario())


def test_large_messages_are_accepted(served_port: int) -> None:
    """A request above grpc's 4 MiB default, and above 64 MiB, reaches the servicer: Qdrant
    sets no gRPC message size limit (tonic's `max_decoding_message_size(usize::MAX)`)."""
    payload = b"\x00" * (72 * 1024 * 1024)
    with grpc.insecure_channel(
        f"{HOST}:{served_port}",
        options=[("grpc.max_send_message_length", MAX_MESSAGE_LENGTH)],
    ) as channel:
        call = channel.unary_unary("/qdrant.Points/Facet")
        with pytest.raises(grpc.RpcError) as info:
            # an unknown length-delimited field (number 1023) of 72 MiB
            call(b"\xfa\x3f" + _varint(len(payload)) + payload, timeout=10)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_official_client_gets_a_clear_unimplemented_error(served_port: int) -> None:
    client = QdrantClient(
        host=HOST,
        grpc_port=served_port,
        prefer_grpc=True,
        check_compatibility=False,
        timeout=5,
    )
    try:
        with pytest.raises(grpc.RpcError) as info:
            client.create_shard_key("c", "k")
        assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "shard keys (gRPC Collections.CreateShardKey)" in info.value.details()
    finally:
        client.close()
