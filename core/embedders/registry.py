"""The embedder kinds on offer, collected through the `register_embedders` hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pluggy

from vectorizer.embedders import e5
from vectorizer.embedders.base import Embedder
from vectorizer.embedders.state import decode_state
from vectorizer.errors import BadRequest

OPTIONAL = {"e5": e5.MISSING}
"""Built-in kinds that need an optional extra, with the error saying which."""


class EmbedderRegistry:
    """Embedder kinds by name: the first registered under a name wins."""

    def __init__(self) -> None:
        self._kinds: dict[str, type[Embedder]] = {}

    def register(self, kind: type[Embedder]) -> None:
        """Add an `Embedder` subclass under its `kind` name (the hook's callback)."""
        if not (isinstance(kind, type) and issubclass(kind, Embedder)):
            raise TypeError(f"register_embedders: {kind!r} is not an Embedder subclass")
        name = getattr(kind, "kind", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"register_embedders: {kind.__name__} has no `kind` name")
        self._kinds.setdefault(name, kind)

    def names(self) -> list[str]:
        return sorted(self._kinds)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def get(self, name: str) -> type[Embedder]:
        """The kind named `name`; `BadRequest` when there is none."""
        try:
            return self._kinds[name]
        except (KeyError, TypeError):
            if name in OPTIONAL:
                raise BadRequest(OPTIONAL[name]) from None
            known = ", ".join(f"`{n}`" for n in self.names())
            raise BadRequest(f"Unknown embedder `{name}` (known: {known})") from None

    def build(self, name: str, params: Mapping[str, Any] | None = None) -> Embedder:
        """A new, unfitted embedder of kind `name`; bad params are `BadRequest` naming them."""
        return self.get(name).create(params)

    def load(self, state: bytes) -> Embedder:
        """The embedder an `Embedder.state()` saved, of whichever kind it is."""
        kind, _, _ = decode_state(state)
        return self.get(kind).from_state(state)


def load_embedders(pm: pluggy.PluginManager | None = None) -> EmbedderRegistry:
    """Every embedder kind that plugins register (only the built-ins when `pm` is None)."""
    registry = EmbedderRegistry()
    if pm is None:
        from vectorizer.embedders import builtin_embedders

        builtin_embedders.register_embedders(registry.register)
    else:
        pm.hook.register_embedders(register=registry.register)
    return registry
