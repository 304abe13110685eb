"""An embedder's saved state as bytes: MessagePack (via msgspec), never pickle.

The envelope is ``{"format", "kind", "params", "fitted"}``. ``fitted`` is ``None`` for an
embedder that has not been fitted (or needs no fitting), else a map of plain values,
lists of strings, and numpy arrays stored as ``{"dtype", "shape", "data"}`` with their raw
little-endian bytes, so a loaded array is bit-identical to the saved one.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from vectorizer.errors import BadRequest

FORMAT = "vectorizer.embedder/1"
_ARRAY = "__ndarray__"


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        return {_ARRAY: array.dtype.str, "shape": list(array.shape), "data": array.tobytes()}
    if isinstance(value, dict):
        return {k: _pack(v) for k, v in value.items()}
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        if _ARRAY in value:
            array = np.frombuffer(value["data"], dtype=np.dtype(value[_ARRAY]))
            return array.reshape(value["shape"]).copy()
        return {k: _unpack(v) for k, v in value.items()}
    return value


def encode_state(kind: str, params: dict[str, Any], fitted: dict[str, Any] | None) -> bytes:
    envelope = {"format": FORMAT, "kind": kind, "params": params, "fitted": _pack(fitted)}
    return msgspec.msgpack.encode(envelope)


def decode_state(data: bytes) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(kind, params, fitted) from `encode_state` bytes; `BadRequest` when they are not that."""
    try:
        envelope = msgspec.msgpack.decode(data)
        if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        kind, params, fitted = envelope["kind"], envelope["params"], envelope["fitted"]
        if not isinstance(kind, str) or not isinstance(params, dict):
            raise ValueError("bad kind or params")
        return kind, params, _unpack(fitted)
    except (msgspec.DecodeError, ValueError, KeyError, TypeError) as exc:
        raise BadRequest(f"Embedder state cannot be read: {exc}") from None
