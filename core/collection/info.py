"""What a collection reports about itself: its status (green once every graph holds
its rows), Qdrant's collection info, and its measure as one segment (telemetry)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vectorizer import segment as seg
from vectorizer.collection.config_report import unimplemented_settings
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.collection.vectors.graphs import graph_bytes
from vectorizer.collection.vectors.sparse import SparseColumn
from vectorizer.models import CollectionInfo, CollectionStatus, HnswConfig

if TYPE_CHECKING:
    from vectorizer.collection.facade import Collection


def status(col: Collection) -> CollectionStatus:
    with col.reading():
        green = col.graphs.complete()
    return CollectionStatus.GREEN if green else CollectionStatus.YELLOW


def info(col: Collection) -> CollectionInfo:
    current = status(col)
    with col.reading():
        indexed = sum(i.live for i in col.graphs.indexes.values() if i is not None)
        indexed += sum(c.indexed for c in col.columns.values() if isinstance(c, SparseColumn))
        return CollectionInfo(
            status=current,
            optimizer_status="ok",
            points_count=col.points.count,
            vectors_count=sum(c.count for c in col.columns.values()),
            indexed_vectors_count=indexed,
            segments_count=1,
            config=col.config,
            payload_schema=col.payloads.schema(),
            warnings=unimplemented_settings(col.config),
        )


def segment_info(col: Collection) -> seg.SegmentInfo:
    """The collection measured as Qdrant's one appendable segment (see
    `vectorizer.segment`): counts, byte sizes, graphs, payload indexes and searches.

    Payload sizes are encoded here (JSON, as the store writes them): this walks every
    payload, so it is meant for telemetry, not for a hot path.
    """
    with col.reading():
        vector_data: dict[str, seg.VectorData] = {}
        graphs: dict[str, HnswConfig] = {}
        ram = 0
        for name, column in col.columns.items():
            indexed = 0
            if isinstance(column, DenseColumn):
                ram += column.data.nbytes + column.version.nbytes + column.sqnorms.nbytes
                index = col.graphs.indexes.get(name)
                if index is not None:
                    with index.reading(None):
                        pending = col.graphs.pending(column, index)
                        indexed = index.live - pending.stale  # entries of current rows
                        ram += graph_bytes(index)
                    graphs[name] = index.config
            else:
                # the version column and the vectors' arrays (the Python objects
                # holding them, and a sparse column's postings dicts, are not counted)
                ram += column.version.nbytes + column.stored_bytes()
                if isinstance(column, SparseColumn):
                    indexed = column.indexed  # in the inverted index
            vector_data[name] = seg.VectorData(column.count, indexed)
        payloads = col.payloads.encoded_bytes()
        vectors = sum(c.stored_bytes() for c in col.columns.values())
        indexes = [
            seg.PayloadIndexStats(field, index.spec.type, index.points, index.values)
            for field, index in col.payloads.indexes.items()
        ]
        return seg.SegmentInfo(
            num_points=col.points.count,
            num_vectors=sum(d.num_vectors for d in vector_data.values()),
            num_indexed_vectors=sum(d.num_indexed_vectors for d in vector_data.values()),
            num_deleted_vectors=0,  # deletes remove the vectors at once
            vectors_size_bytes=vectors,
            payloads_size_bytes=payloads,
            ram_usage_bytes=ram + payloads,
            disk_usage_bytes=col.store.disk_usage(col.name),
            vector_data=vector_data,
            graphs=graphs,
            payload_schema=col.payloads.schema(),
            payload_indexes=indexes,
            searches=col.searches.report(list(col.columns)),
        )
