"""Qdrant's collection endpoints: collections, aliases and payload field indexes.

Each is a plain function of a `Call` (`base.py`); request bodies become domain types in
`wire/collections.py`, field index changes are operations the collection applies.
"""

from __future__ import annotations

from typing import Any

from litestar import delete, get, patch, post, put

from vectorizer.models import (
    UpdateResult,
)
from vectorizer.operations import CreateFieldIndex, DeleteFieldIndex
from vectorizer_qdrant_rest.endpoints.base import (
    C,
    Call,
    answer,
    answer_update,
)
from vectorizer_qdrant_rest.wire import (
    collections,
    structs,
)


@get("/collections")
@answer
def get_collections(call: Call) -> dict[str, Any]:
    return {"collections": [{"name": n} for n in call.engine.list_collections()]}


@put(C)
@answer
def create_collection(call: Call) -> bool:
    req = call.decode(structs.CreateCollection)
    config = collections.collection_config(req)
    init_from = req.init_from.collection if req.init_from is not None else None
    call.engine.create_collection(call.collection_name, config, init_from=init_from)
    return True


@get(C)
@answer
def get_collection(call: Call) -> dict[str, Any]:
    return collections.collection_info_out(call.collection().info())


@patch(C)
@answer
def update_collection(call: Call) -> bool:
    update = collections.collection_update(call.decode(structs.UpdateCollection))
    call.engine.update_collection(call.collection_name, update)
    return True


@delete(C, status_code=200)
@answer
def delete_collection(call: Call) -> bool:
    return call.engine.delete_collection(call.collection_name)


@get(C + "/exists")
@answer
def collection_exists(call: Call) -> dict[str, bool]:
    return {"exists": call.engine.collection_exists(call.collection_name)}


@post("/collections/aliases")
@answer
def update_aliases(call: Call) -> bool:
    call.engine.update_aliases(collections.alias_actions(call.decode(structs.ChangeAliases)))
    return True


def _aliases(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"aliases": [{"alias_name": a, "collection_name": c} for a, c in pairs]}


@get("/aliases")
@answer
def get_aliases(call: Call) -> dict[str, Any]:
    return _aliases(call.engine.list_aliases())


@get(C + "/aliases")
@answer
def get_collection_aliases(call: Call) -> dict[str, Any]:
    name = call.collection().name  # 404 when missing
    return _aliases(call.engine.list_aliases(name))


@put(C + "/index")
@answer_update
def create_field_index(call: Call) -> UpdateResult:
    req = call.decode(structs.CreateFieldIndex)
    return call.collection().apply(CreateFieldIndex(req.field_name, req.field_schema))


@delete(C + "/index/{field_name:str}", status_code=200)
@answer_update
def delete_field_index(call: Call) -> UpdateResult:
    return call.collection().apply(DeleteFieldIndex(call.params["field_name"]))


HANDLERS = [
    get_collections,
    create_collection,
    get_collection,
    update_collection,
    delete_collection,
    collection_exists,
    update_aliases,
    get_aliases,
    get_collection_aliases,
    create_field_index,
    delete_field_index,
]
