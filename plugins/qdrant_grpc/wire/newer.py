"""What Qdrant's protos added after 1.14 (up to qdrant-client 1.20), and what each answers.

The plugin runs on the newest qdrant-client's messages, so every field a 1.15-1.20 client
sets arrives. This module is the one list of those additions, taken from a diff of the
message descriptors of qdrant-client 1.14.3 and 1.20.0 (`descriptor_names`; the test
`test_grpc_newer.py` repeats the diff against the stubs installed, so a newer qdrant-client
cannot add a field that is not listed here). Keys are full protobuf names:
``qdrant.Message.field`` for a field (a oneof variant is a field), ``qdrant.Enum.Value``
for an enum value, ``qdrant.Service.Rpc`` for an RPC.

* `BUILT`: request fields and values the plugin reads and applies.
* `REPLY`: fields and values of replies (set when Vectorizer has the value).
* `REFUSED` / `REFUSED_VALUES`: a request that sets one answers UNIMPLEMENTED naming the
  feature and the path (`unknown.check_known`), e.g. ``Not implemented in Vectorizer
  yet: conditional updates (update_filter)``. Fields of messages that only such a field
  (or a refused RPC) holds are refused with it.
* `NEW_RPCS`: the RPCs added, each answering UNIMPLEMENTED naming the feature it needs.
* `REMOVED`: fields later protos dropped that a 1.14 client still sends; read from the
  unknown fields, by number, so such a request keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_MEMORY = "the `memory` storage tier setting"
_SHARD_KEYS = "shard keys"
_INDEX_HNSW = "payload index option `enable_hnsw`"
_INDEX_NESTED = "payload index option `nested`"
_COND_UPDATE = "conditional updates"

BUILT: dict[str, str] = {
    "qdrant.BinaryQuantization.encoding": "binary quantization encoding",
    "qdrant.BinaryQuantization.query_encoding": "binary quantization query encoding",
    "qdrant.BinaryQuantizationQueryEncoding.setting": "binary quantization query encoding",
    "qdrant.StrictModeConfig.max_payload_index_count": "strict mode: payload index count",
    # the write is applied before the answer; Qdrant's timeout only bounds that wait
    **{
        f"qdrant.{message}.timeout": "writes are applied before the answer"
        for message in (
            "UpsertPoints",
            "DeletePoints",
            "UpdatePointVectors",
            "DeletePointVectors",
            "SetPayloadPoints",
            "DeletePayloadPoints",
            "ClearPayloadPoints",
            "CreateFieldIndexCollection",
            "DeleteFieldIndexCollection",
            "UpdateBatchPoints",
        )
    },
    # MMR: `Query.nearest_with_mmr` -> the core's `Nearest(mmr=...)` (wire/search.py)
    "qdrant.WalConfigDiff.wal_retain_closed": "WAL setting `wal_retain_closed` (stored, reported)",
    "qdrant.Query.nearest_with_mmr": "MMR re-ranking",
    "qdrant.Query.rrf": "parametrised RRF fusion (`k`, `weights`)",
    "qdrant.Rrf.k": "parametrised RRF fusion (`k`, `weights`)",
    "qdrant.Rrf.weights": "parametrised RRF fusion (`k`, `weights`)",
    "qdrant.NearestInputWithMmr.nearest": "MMR re-ranking",
    "qdrant.NearestInputWithMmr.mmr": "MMR re-ranking",
    "qdrant.Mmr.diversity": "MMR re-ranking",
    "qdrant.Mmr.candidates_limit": "MMR re-ranking",
    # conditional writes -> the core's Upsert / UpdateVectors operations (endpoints/points.py)
    "qdrant.UpsertPoints.update_mode": _COND_UPDATE,
    "qdrant.PointsUpdateOperation.PointStructList.update_mode": _COND_UPDATE,
    "qdrant.UpdateMode.Upsert": _COND_UPDATE,
    "qdrant.UpdateMode.InsertOnly": _COND_UPDATE,
    "qdrant.UpdateMode.UpdateOnly": _COND_UPDATE,
    "qdrant.UpsertPoints.update_filter": _COND_UPDATE,
    "qdrant.UpdatePointVectors.update_filter": _COND_UPDATE,
    "qdrant.PointsUpdateOperation.PointStructList.update_filter": _COND_UPDATE,
    "qdrant.PointsUpdateOperation.UpdateVectors.update_filter": _COND_UPDATE,
}

REPLY: dict[str, str] = {
    "qdrant.UpdateBatchResponse.usage": "hardware usage (not measured: unset)",
    "qdrant.FacetResponse.usage": "hardware usage (not measured: unset)",
    "qdrant.Usage.hardware": "hardware usage",
    "qdrant.Usage.inference": "inference usage",
    "qdrant.InferenceUsage.models": "inference usage",
    "qdrant.InferenceUsage.ModelsEntry.key": "inference usage",
    "qdrant.InferenceUsage.ModelsEntry.value": "inference usage",
    "qdrant.ModelUsage.tokens": "inference usage",
    "qdrant.CollectionInfo.warnings": "collection warnings",
    "qdrant.CollectionWarning.message": "collection warnings",
    "qdrant.CollectionInfo.update_queue": "update queue (none: writes apply at once)",
    "qdrant.UpdateQueueInfo.length": "update queue",
    "qdrant.UpdateQueueInfo.deferred_points": "update queue",
    "qdrant.CollectionInfo.created_at": "creation time",
    "qdrant.CollectionConfig.metadata": "collection metadata",
    "qdrant.CollectionConfig.MetadataEntry.key": "collection metadata",
    "qdrant.CollectionConfig.MetadataEntry.value": "collection metadata",
    "qdrant.CollectionClusterInfoResponse.time": "time spent",
    "qdrant.UpdateCollectionClusterSetupResponse.time": "time spent",
    "qdrant.CreateShardKeyResponse.time": "time spent",
    "qdrant.DeleteShardKeyResponse.time": "time spent",
    "qdrant.ReplicaState.ActiveRead": "replica state",
    "qdrant.ReplicaState.ManualRecovery": "replica state",
    "qdrant.UpdateStatus.WaitTimeout": "update status",
}

REFUSED: dict[str, str] = {
    # queries, search parameters, formulas, filters
    "qdrant.Query.relevance_feedback": "relevance feedback queries",
    "qdrant.Query.text": "server-side text (BM25) queries",
    "qdrant.SearchParams.acorn": "ACORN filtered search",
    "qdrant.SearchParams.idf": "IDF statistics from another corpus",
    "qdrant.Expression.acosh": "formula expression `acosh`",
    "qdrant.Expression.max": "formula expression `max`",
    "qdrant.Expression.min": "formula expression `min`",
    "qdrant.Match.phrase": "phrase matching",
    "qdrant.Match.text_any": "full-text match `text_any`",
    "qdrant.Match.prefix": "keyword match `prefix`",
    "qdrant.Match.substring": "keyword match `substring`",
    "qdrant.Condition.slice": "slice conditions",
    # writes
    # cluster
    "qdrant.ShardKeySelector.fallback": _SHARD_KEYS,
    "qdrant.CreateShardKey.initial_state": _SHARD_KEYS,
    "qdrant.UpdateCollectionClusterSetupRequest.replicate_points": "distributed mode",
    # collection settings
    "qdrant.CreateCollection.metadata": "collection metadata",
    "qdrant.UpdateCollection.metadata": "collection metadata",
    "qdrant.CreateCollection.payload": "payload storage settings",
    "qdrant.CreateCollection.id_tracker": "id tracker settings",
    "qdrant.CollectionParams.payload": "payload storage settings",
    "qdrant.CollectionParams.id_tracker": "id tracker settings",
    "qdrant.CollectionParams.read_fan_out_delay_ms": "read fan-out delay (distributed mode)",
    "qdrant.CollectionParamsDiff.payload": "payload storage settings",
    "qdrant.CollectionParamsDiff.id_tracker": "id tracker settings",
    "qdrant.CollectionParamsDiff.read_fan_out_delay_ms": "read fan-out delay (distributed mode)",
    "qdrant.HnswConfigDiff.inline_storage": "HNSW inline storage",
    "qdrant.OptimizersConfigDiff.prevent_unoptimized": "optimizer setting `prevent_unoptimized`",
    "qdrant.QuantizationConfig.turboquant": "TurboQuant quantization",
    "qdrant.QuantizationConfigDiff.turboquant": "TurboQuant quantization",
    "qdrant.StrictModeConfig.search_max_batchsize": "strict mode setting `search_max_batchsize`",
    "qdrant.StrictModeConfig.max_resident_memory_percent": (
        "strict mode setting `max_resident_memory_percent`"
    ),
    **{
        f"qdrant.{message}.memory": _MEMORY
        for message in (
            "VectorParams",
            "VectorParamsDiff",
            "HnswConfigDiff",
            "SparseIndexConfig",
            "ScalarQuantization",
            "ProductQuantization",
            "BinaryQuantization",
            "KeywordIndexParams",
            "IntegerIndexParams",
            "FloatIndexParams",
            "GeoIndexParams",
            "TextIndexParams",
            "BoolIndexParams",
            "DatetimeIndexParams",
            "UuidIndexParams",
        )
    },
    **{
        f"qdrant.{message}.{field}": feature
        for message in (
            "KeywordIndexParams",
            "IntegerIndexParams",
            "FloatIndexParams",
            "GeoIndexParams",
            "TextIndexParams",
            "BoolIndexParams",
            "DatetimeIndexParams",
            "UuidIndexParams",
        )
        for field, feature in (("enable_hnsw", _INDEX_HNSW), ("nested", _INDEX_NESTED))
    },
    "qdrant.KeywordIndexParams.prefix": "keyword index option `prefix`",
    "qdrant.TextIndexParams.stopwords": "text index option 'stopwords'",
    "qdrant.TextIndexParams.stemmer": "text index option 'stemmer'",
    "qdrant.TextIndexParams.phrase_matching": "text index option 'phrase_matching'",
    "qdrant.TextIndexParams.ascii_folding": "text index option 'ascii_folding'",
    "qdrant.TextIndexParams.scoring": "text index option 'scoring'",
}

REFUSED_VALUES: dict[str, str] = {
    "qdrant.Datatype.Turbo4": "TurboQuant vector datatypes",
    "qdrant.Datatype.Turbo8": "TurboQuant vector datatypes",
    "qdrant.Datatype.Turbo16": "TurboQuant vector datatypes",
    "qdrant.TokenizerType.Code": "the `code` tokenizer",
}

NEW_RPCS: dict[str, str] = {
    "qdrant.Collections.ListShardKeys": _SHARD_KEYS,
    "qdrant.Points.CreateVectorName": "adding a named vector to an existing collection",
    "qdrant.Points.DeleteVectorName": "removing a named vector from an existing collection",
}

REMOVED: dict[str, dict[str, int]] = {
    "qdrant.CreateCollection": {"init_from_collection": 13},
}
"""message -> {field: number} of the fields dropped from later protos that the server still
reads (a 1.14 client's `init_from_collection`)."""


def rpc_feature(service: str, method: str) -> str | None:
    """The feature a new RPC (`service` "Collections", say) needs, if it is one."""
    return NEW_RPCS.get(f"qdrant.{service}.{method}")


def descriptor_names(files: Iterable[Any]) -> set[str]:
    """Every field (``qdrant.Message.field``), enum value (``qdrant.Enum.Value``) and RPC
    (``qdrant.Service.Rpc``) of these protobuf `FileDescriptor`s."""
    names: set[str] = set()

    def enum(descriptor: Any) -> None:
        names.update(f"{descriptor.full_name}.{value.name}" for value in descriptor.values)

    def message(descriptor: Any) -> None:
        names.update(field.full_name for field in descriptor.fields)
        for nested in descriptor.nested_types:
            message(nested)
        for nested_enum in descriptor.enum_types:
            enum(nested_enum)

    for file in files:
        for descriptor in file.message_types_by_name.values():
            message(descriptor)
        for descriptor in file.enum_types_by_name.values():
            enum(descriptor)
        for service in file.services_by_name.values():
            names.update(method.full_name for method in service.methods)
    return names
