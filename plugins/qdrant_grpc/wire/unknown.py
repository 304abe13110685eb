"""Request fields this server does not apply: refused with UNIMPLEMENTED, never dropped.

Two kinds, found in one walk of the request (`check_known`):

* fields the plugin's messages know but whose feature is not built: those Qdrant added
  after 1.14 (`newer.REFUSED`, enum values in `newer.REFUSED_VALUES`), named by their path
  and feature, e.g. ``conditional updates (update_filter)``;
* fields the messages do not know (`server.STUBS_VERSION` is older than the client):
  protobuf keeps them as unknown fields, named by their number and message. Fields later
  protos removed but the server still reads (`newer.REMOVED`) are not among them.
"""

from __future__ import annotations

import importlib.metadata

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from vectorizer import Unsupported
from vectorizer_qdrant_grpc.wire.newer import REFUSED, REFUSED_VALUES, REMOVED

STUBS_VERSION = importlib.metadata.version("qdrant-client")
"""The qdrant-client whose generated stubs (`qdrant_client.grpc`) define the messages."""


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _repeated(descriptor: FieldDescriptor) -> bool:
    is_repeated = getattr(descriptor, "is_repeated", None)  # protobuf 5.29 on; `label` before
    if is_repeated is not None:
        return bool(is_repeated)
    return bool(descriptor.label == FieldDescriptor.LABEL_REPEATED)


def _enum_refusal(descriptor: FieldDescriptor, number: int, path: str) -> tuple[str, str] | None:
    """(kind, text) for an enum value that is refused or unknown to these messages."""
    value = descriptor.enum_type.values_by_number.get(number)
    if value is None:
        return "unknown", f"{path}: value {number} of {descriptor.enum_type.full_name}"
    feature = REFUSED_VALUES.get(f"{descriptor.enum_type.full_name}.{value.name}")
    return ("refused", f"{feature} ({path})") if feature is not None else None


def refusals_in(message: Message, where: str = "") -> list[tuple[str, str]]:
    """Every field of `message` and the messages it holds that the server does not apply:
    (``"refused"``, ``feature (path)``) or (``"unknown"``, ``path: field N of qdrant.Type``)."""
    removed = REMOVED.get(message.DESCRIPTOR.full_name, {}).values()
    found = [
        ("unknown", f"{where or '(request)'}: field {field.field_number} of "
         f"{message.DESCRIPTOR.full_name}")
        for field in unknown_fields.UnknownFieldSet(message)
        if field.field_number not in removed
    ]  # fmt: skip
    for descriptor, value in message.ListFields():
        path = _at(where, descriptor.name)
        feature = REFUSED.get(descriptor.full_name)
        if feature is not None:
            found.append(("refused", f"{feature} ({path})"))
            continue
        if descriptor.type == FieldDescriptor.TYPE_ENUM:
            numbers = value if _repeated(descriptor) else [value]
            found += [r for n in numbers if (r := _enum_refusal(descriptor, n, path)) is not None]
            continue
        if descriptor.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if descriptor.message_type.GetOptions().map_entry:
            if descriptor.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for key, item in value.items():
                    found += refusals_in(item, f"{path}[{key!r}]")
        elif _repeated(descriptor):
            for i, item in enumerate(value):
                found += refusals_in(item, f"{path}[{i}]")
        else:
            found += refusals_in(value, path)
    return found


def unknown_fields_in(message: Message, where: str = "") -> list[str]:
    """Every unknown field in `message` and the messages it holds, as
    `path: field N of qdrant.Type` (or `path: value N of qdrant.Enum`)."""
    return [text for kind, text in refusals_in(message, where) if kind == "unknown"]


def check_known(message: Message) -> None:
    """Raise Unsupported (UNIMPLEMENTED) if the request sets a field whose feature is not
    built, or a field this server's messages do not know."""
    found = refusals_in(message)
    refused = [text for kind, text in found if kind == "refused"]
    if refused:
        raise Unsupported("; ".join(dict.fromkeys(refused)))
    if found:
        raise Unsupported(
            "; ".join(text for _, text in found) + " (set by a client newer than this "
            f"server's gRPC messages, those of qdrant-client {STUBS_VERSION}; the server "
            "would not apply them)"
        )


def removed_field(message: Message, name: str) -> bytes | None:
    """The raw value of field `name` that later protos removed (`newer.REMOVED`), as sent
    by an older client: None when the messages still have it (read it directly) or the
    request does not set it."""
    number = REMOVED.get(message.DESCRIPTOR.full_name, {}).get(name)
    if number is None or name in message.DESCRIPTOR.fields_by_name:
        return None
    for field in unknown_fields.UnknownFieldSet(message):
        if field.field_number == number:
            data = field.data
            return data if isinstance(data, bytes) else None
    return None
