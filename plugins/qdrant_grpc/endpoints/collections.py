"""`qdrant.Collections`: collections and aliases over the engine.

Every RPC converts its request, calls the engine and builds its response in a worker
thread (`base.threaded`). Shard keys and cluster changes answer UNIMPLEMENTED: Vectorizer
is a single node.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import grpc
from qdrant_client import grpc as pb

from vectorizer import Engine
from vectorizer_qdrant_grpc.endpoints.base import Service, run, threaded, unimplemented
from vectorizer_qdrant_grpc.wire.collections import (
    alias_actions_in,
    collection_config_in,
    collection_info_out,
    collection_update_in,
)
from vectorizer_qdrant_grpc.wire.errors import domain_errors
from vectorizer_qdrant_grpc.wire.unknown import check_known, removed_field

WARNING_METADATA = "x-vectorizer-warning"
"""Trailing metadata key of `Get`: one entry per config setting stored without effect
(what the REST API lists in the collection info's `warnings`)."""

FEATURES = {
    "UpdateCollectionClusterSetup": "distributed mode",
    "CreateShardKey": "shard keys",
    "DeleteShardKey": "shard keys",
}


def list_collections(engine: Engine, request: pb.ListCollectionsRequest) -> Any:
    names = engine.list_collections()
    return pb.ListCollectionsResponse(collections=[pb.CollectionDescription(name=n) for n in names])


def create(engine: Engine, request: pb.CreateCollection) -> Any:
    collection_config = collection_config_in(request)
    # a 1.14 client's `init_from_collection`: a field of the stubs up to 1.15, an unknown
    # field (number 13) of later ones
    if "init_from_collection" in pb.CreateCollection.DESCRIPTOR.fields_by_name:
        init_from = (
            request.init_from_collection if request.HasField("init_from_collection") else None
        )
    else:
        raw = removed_field(request, "init_from_collection")
        init_from = raw.decode() if raw is not None else None
    engine.create_collection(request.collection_name, collection_config, init_from=init_from)
    return pb.CollectionOperationResponse(result=True)


def update(engine: Engine, request: pb.UpdateCollection) -> Any:
    engine.update_collection(request.collection_name, collection_update_in(request))
    return pb.CollectionOperationResponse(result=True)


def delete(engine: Engine, request: pb.DeleteCollection) -> Any:
    return pb.CollectionOperationResponse(result=engine.delete_collection(request.collection_name))


def update_aliases(engine: Engine, request: pb.ChangeAliases) -> Any:
    engine.update_aliases(alias_actions_in(request))
    return pb.CollectionOperationResponse(result=True)


def _aliases(pairs: list[tuple[str, str]]) -> pb.ListAliasesResponse:
    return pb.ListAliasesResponse(
        aliases=[pb.AliasDescription(alias_name=a, collection_name=c) for a, c in pairs]
    )


def list_collection_aliases(engine: Engine, request: pb.ListCollectionAliasesRequest) -> Any:
    name = engine.get_collection(request.collection_name).name  # NOT_FOUND when missing
    return _aliases(engine.list_aliases(name))


def list_aliases(engine: Engine, request: pb.ListAliasesRequest) -> Any:
    return _aliases(engine.list_aliases())


def collection_exists(engine: Engine, request: pb.CollectionExistsRequest) -> Any:
    exists = engine.collection_exists(request.collection_name)
    return pb.CollectionExistsResponse(result=pb.CollectionExists(exists=exists))


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


class CollectionsService(
    Service,
    unimplemented(pb.CollectionsServicer, "Collections", FEATURES),  # type: ignore[misc]
):
    """`qdrant.Collections`: every RPC but shard keys and cluster setup."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.peer_id = uuid.uuid4().int >> 64
        """This node's peer id (a random 64-bit number, fixed for the server's life)."""

    List = threaded(list_collections)
    Create = threaded(create)
    Update = threaded(update)
    Delete = threaded(delete)
    UpdateAliases = threaded(update_aliases)
    ListCollectionAliases = threaded(list_collection_aliases)
    ListAliases = threaded(list_aliases)
    CollectionExists = threaded(collection_exists)

    @domain_errors
    async def Get(
        self, request: pb.GetCollectionInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCollectionInfoResponse:
        """The collection's info; settings stored without effect go in trailing metadata."""
        started = time.perf_counter()
        warnings: list[str] = []

        def work() -> pb.GetCollectionInfoResponse:
            check_known(request)
            info = self.engine.get_collection(request.collection_name).info()
            warnings.extend(info.warnings)
            return pb.GetCollectionInfoResponse(result=collection_info_out(info))

        response = await run(work, started)
        if warnings:
            context.set_trailing_metadata([(WARNING_METADATA, _ascii(w)) for w in warnings])
        return response

    @domain_errors
    async def CollectionClusterInfo(
        self, request: pb.CollectionClusterInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.CollectionClusterInfoResponse:
        """A single node: one local shard (id 0, Active) holding every point."""

        def work() -> pb.CollectionClusterInfoResponse:
            check_known(request)
            info = self.engine.get_collection(request.collection_name).info()
            shard = pb.LocalShardInfo(
                shard_id=0, points_count=info.points_count, state=pb.ReplicaState.Active
            )
            return pb.CollectionClusterInfoResponse(
                peer_id=self.peer_id, shard_count=1, local_shards=[shard]
            )

        return await run(work, time.perf_counter())
