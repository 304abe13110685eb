"""Plugins import the core's public API only (DESIGN.md, rule 1).

The public API is what `vectorizer/__init__.py` exports (`__all__`) and the modules it
lists in `PUBLIC_MODULES`. A plugin imports from `vectorizer` only names in `__all__`,
from a public module any name not starting with `_`, and no other core module; it never
imports a name starting with `_` from any module (its own included), nor reaches into a
private attribute of another object (`engine._lock`). The check reads the source (AST)
of every file under plugins/, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import vectorizer

from .helpers import REPO

CORE = "vectorizer"
PUBLIC_MODULES = frozenset(vectorizer.PUBLIC_MODULES)
ROOT_NAMES = frozenset(vectorizer.__all__)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _core(module: str) -> bool:
    return module == CORE or module.startswith(CORE + ".")


def _check_module(module: str) -> str | None:
    if _core(module) and module not in PUBLIC_MODULES:
        return f"imports {module}, a core module that is not public (vectorizer.PUBLIC_MODULES)"
    return None


def _check_name(module: str, name: str) -> str | None:
    """`from module import name`."""
    if _private(name):
        return f"imports the private name {module}.{name}"
    if not _core(module):
        return None
    if _is_module(f"{module}.{name}"):
        return _check_module(f"{module}.{name}")
    if module == CORE and name not in ROOT_NAMES:
        return f"imports vectorizer.{name}, which vectorizer.__all__ does not export"
    return _check_module(module)


def violations(source: str) -> Iterator[str]:
    """What in `source` (a plugin module) breaks the rule, each with its line."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> core module it is bound to
    for node in ast.walk(tree):
        problems: list[str | None] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                problems.append(_check_module(alias.name))
                if alias.name == CORE and alias.asname is None:
                    bound[CORE] = CORE
                elif _core(alias.name) and alias.asname:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                problems.append(_check_name(node.module, alias.name))
                if _core(node.module) and _is_module(f"{node.module}.{alias.name}"):
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif (  # importlib.import_module("vectorizer.x")
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            problems.append(_check_module(node.args[0].value))
        elif (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            problems.append(f"reaches into the private attribute .{node.attr}")
        for problem in problems:
            if problem:
                yield f"line {node.lineno}: {problem}"
    # attributes of a bound core module: `vectorizer.X`, `engine_query.X`
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            problem = _check_name(bound[node.value.id], node.attr)
            if problem:
                yield f"line {node.lineno}: {problem.replace('imports', 'uses')}"


def plugin_files() -> list[Path]:
    """The built-in plugins and the third-party examples the tests install."""
    examples = [REPO / "tests" / "plugins" / d for d in ("third_party", "condition_plugin")]
    return sorted((REPO / "plugins").rglob("*.py")) + sorted(
        path for folder in examples for path in folder.glob("*.py")
    )


def test_plugins_import_only_the_public_api() -> None:
    files = plugin_files()
    assert REPO / "plugins" / "qdrant_rest" / "wire" / "points.py" in files
    found = [
        f"{path.relative_to(REPO)} {problem}"
        for path in files
        for problem in violations(path.read_text())
    ]
    assert found == []


def test_the_public_api_exists() -> None:
    for name in vectorizer.__all__:
        assert getattr(vectorizer, name) is not None, name
    for module in vectorizer.PUBLIC_MODULES:
        assert _is_module(module), module


def test_the_check_catches_violations() -> None:
    """A self-test: each line below breaks the rule once; the allowed ones pass."""
    bad = [
        "from vectorizer.payload import parse_path",  # a core module that is not public
        "from vectorizer.query.executor import query",  # nor is this one
        "import vectorizer.engine",
        "from vectorizer import distance",  # a private module through the root
        "from vectorizer import Engine, not_exported",  # not in __all__
        "from vectorizer.models import _private",  # a private name from a public module
        "from vectorizer_qdrant_grpc.wire.filters import _geo_point",  # a plugin's own
        "importlib.import_module('vectorizer.collection')",
        "import vectorizer\nvectorizer.engine.Engine",  # through an attribute
        "from vectorizer import query as q\nq.executor.query",
        "engine._collections.clear()",  # a private attribute of another object
    ]
    for source in bad:
        assert len(list(violations(source))) == 1, source
    good = [
        "from vectorizer import Engine, Unsupported, parse_path, hookimpl",
        "from vectorizer.models import PointId\nfrom vectorizer.errors import BadRequest",
        "from vectorizer.query import formula as fx\nfx.Expression",
        "from vectorizer import query as engine_query\nengine_query.search_request",
        "import vectorizer\nvectorizer.QDRANT_VERSION",
        "from vectorizer_qdrant_rest.wire import points\nfrom __future__ import annotations",
        "self._state = 1\ncls._cache = {}\nx.__class__",
    ]
    for source in good:
        assert list(violations(source)) == [], source
