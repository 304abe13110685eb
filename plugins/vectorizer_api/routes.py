"""Route handlers: what works now, and the planned text-in routes (HTTP 501 until built)."""

from __future__ import annotations

from litestar import Router, get
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec

from vectorizer import CollectionNotFound, Engine, Unsupported, __version__
from vectorizer_api.schemas import CollectionList, CollectionSummary, ErrorBody, Health

TAG_PLANNED = "planned (501 Not Implemented)"

# (method, path, feature): each answers 501 naming its feature until it is built
PLANNED_ROUTES: list[tuple[str, str, str]] = [
    ("POST", "/collections", "text collections with embedders (POST /collections)"),
    ("GET", "/collections/{name:str}", "collection details (GET /collections/{name})"),
    ("DELETE", "/collections/{name:str}", "deleting collections (DELETE /collections/{name})"),
    (
        "POST",
        "/collections/{name:str}/documents",
        "adding documents (POST /collections/{name}/documents)",
    ),
    ("POST", "/collections/{name:str}/search", "text search (POST /collections/{name}/search)"),
    (
        "POST",
        "/collections/{name:str}/reindex",
        "reindexing a collection (POST /collections/{name}/reindex)",
    ),
    ("POST", "/embed", "embedding text (POST /embed)"),
]


@get("/health", sync_to_thread=False)
def health() -> Health:
    """Liveness and the Vectorizer version."""
    return Health(status="ok", version=__version__)


def planned(method: str, path: str, feature: str) -> HTTPRouteHandler:
    """A handler for a route that is not built yet: it answers 501 naming `feature`."""

    async def not_implemented() -> None:
        raise Unsupported(feature)

    words = [w.split(":")[0].strip("{}") for w in path.split("/") if w]
    operation_id = "planned" + method.capitalize() + "".join(w.capitalize() for w in words)

    return HTTPRouteHandler(
        path,
        http_method=HttpMethod(method),
        status_code=501,
        operation_id=operation_id,
        tags=[TAG_PLANNED],
        summary=f"Not implemented yet: {feature}",
        responses={
            400: ResponseSpec(ErrorBody, description="Bad request"),
            501: ResponseSpec(ErrorBody, description="Not implemented yet"),
        },
    )(not_implemented)


def router(engine: Engine) -> Router:
    """Every native API route; the handlers that need the engine close over it."""

    @get("/collections", sync_to_thread=True)
    def list_collections() -> CollectionList:
        """Every collection's name and points count."""
        summaries = []
        for name in engine.list_collections():
            try:
                points = engine.get_collection(name).info().points_count
            except CollectionNotFound:  # deleted since it was listed
                continue
            summaries.append(CollectionSummary(name=name, points_count=points))
        return CollectionList(collections=summaries)

    planned_routes = [planned(*route) for route in PLANNED_ROUTES]
    return Router(path="/", route_handlers=[health, list_collections, *planned_routes])
