"""Request fields this server's messages do not know: set by a newer client.

The plugin's messages are those of the qdrant-client it pins (`server.STUBS_VERSION`). A
newer client may set fields added since (a conditional upsert's `update_filter`, new match
and query kinds, new config settings); protobuf keeps them as unknown fields, and reading
the request without them would answer as if they had not been sent. `check_known` refuses
such a request with UNIMPLEMENTED, naming each field by its number and where it is.
"""

from __future__ import annotations

import importlib.metadata

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from vectorizer import Unsupported

STUBS_VERSION = importlib.metadata.version("qdrant-client")
"""The qdrant-client whose generated stubs (`qdrant_client.grpc`) define the messages."""


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _repeated(descriptor: FieldDescriptor) -> bool:
    is_repeated = getattr(descriptor, "is_repeated", None)  # protobuf 5.29 on; `label` before
    if is_repeated is not None:
        return bool(is_repeated)
    return bool(descriptor.label == FieldDescriptor.LABEL_REPEATED)


def unknown_fields_in(message: Message, where: str = "") -> list[str]:
    """Every unknown field in `message` and the messages it holds, as
    `path: field N of qdrant.Type`."""
    found = [
        f"{where or '(request)'}: field {field.field_number} of {message.DESCRIPTOR.full_name}"
        for field in unknown_fields.UnknownFieldSet(message)
    ]
    for descriptor, value in message.ListFields():
        if descriptor.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        path = _at(where, descriptor.name)
        if descriptor.message_type.GetOptions().map_entry:
            if descriptor.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for key, item in value.items():
                    found += unknown_fields_in(item, f"{path}[{key!r}]")
        elif _repeated(descriptor):
            for i, item in enumerate(value):
                found += unknown_fields_in(item, f"{path}[{i}]")
        else:
            found += unknown_fields_in(value, path)
    return found


def check_known(message: Message) -> None:
    """Raise Unsupported (UNIMPLEMENTED) if the request sets fields this server does not know."""
    found = unknown_fields_in(message)
    if found:
        raise Unsupported(
            "; ".join(found) + f" (set by a client newer than this server's gRPC messages, "
            f"those of qdrant-client {STUBS_VERSION}; the server would not apply them)"
        )
