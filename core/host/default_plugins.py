"""The core's built-in hook implementations, registered before entry-point plugins."""

from __future__ import annotations

from types import ModuleType

from vectorizer.embedders import builtin_embedders as _embedders_builtin
from vectorizer.storage import builtin as _storage_builtin

MODULES: list[ModuleType] = [_storage_builtin, _embedders_builtin]
