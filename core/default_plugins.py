"""The core's built-in hook implementations, registered before entry-point plugins."""

from __future__ import annotations

from types import ModuleType

from vectorizer.storage import builtin as _storage_builtin

MODULES: list[ModuleType] = [_storage_builtin]
