"""Architecture rules: every hook and setting documented; the core never imports a plugin."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import shutil
import subprocess
import sys

import pytest

from vectorizer.host import hookspecs
from vectorizer.host.settings import CLI_FLAGS, ENV_VARS, Settings

from .helpers import REPO

PLUGIN_PACKAGES = ("vectorizer_qdrant_rest", "vectorizer_qdrant_grpc", "vectorizer_api")
HOOKS_DOC = (REPO / "docs" / "plugin_hooks.md").read_text()
CONFIG_DOC = (REPO / "docs" / "configuration.md").read_text()


def hook_specs() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "vectorizer_spec")
    }


def test_there_are_hooks() -> None:
    assert {"register_http_apis", "register_servers", "register_commands"} <= set(hook_specs())


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_is_documented(name: str) -> None:
    """datasette style: a `### name(args)` section with the exact arguments."""
    args = ", ".join(hook_specs()[name].parameters)
    assert f"\n### {name}({args})\n" in HOOKS_DOC
    section = HOOKS_DOC.split(f"### {name}(")[1].split("\n### ")[0]
    for arg in hook_specs()[name].parameters:
        assert f"`{arg}` - " in section, f"argument {arg} of {name} is not described"
    assert "```python" in section, f"{name} has no example"


def test_no_documented_hook_is_missing() -> None:
    documented = set(re.findall(r"^### (\w+)\(", HOOKS_DOC, flags=re.M))
    assert documented == set(hook_specs())


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(field: str) -> None:
    if field == "config_file":
        assert "VECTORIZER_CONFIG" in CONFIG_DOC and "--config FILE" in CONFIG_DOC
        return
    assert f"`{field}`" in CONFIG_DOC or f"[{field}" in CONFIG_DOC
    if field in ENV_VARS:
        assert f"`{ENV_VARS[field]}" in CONFIG_DOC
    if field in CLI_FLAGS:
        assert f"`{CLI_FLAGS[field]} " in CONFIG_DOC


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (  # importlib.import_module("...") / __import__("...")
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def test_the_core_never_imports_a_plugin() -> None:
    files = sorted((REPO / "core").rglob("*.py"))
    assert REPO / "core" / "host" / "server.py" in files
    offenders = []
    for path in files:
        for module in imported_modules(ast.parse(path.read_text(), str(path))):
            if module.split(".")[0] in PLUGIN_PACKAGES:
                offenders.append(f"{path.relative_to(REPO)} imports {module}")
    assert offenders == []


def test_the_ast_check_sees_imports() -> None:
    code = "import vectorizer_api\nfrom vectorizer_qdrant_rest.app import x\n"
    code += "importlib.import_module('vectorizer_qdrant_grpc')\n"
    tops = {name.split(".")[0] for name in imported_modules(ast.parse(code))}
    assert set(PLUGIN_PACKAGES) <= tops


def test_import_linter_contracts() -> None:
    """The contracts in pyproject.toml (core never imports a plugin; plugins independent)."""
    lint_imports = shutil.which("lint-imports", path=f"{sys.prefix}/bin") or shutil.which(
        "lint-imports"
    )
    assert lint_imports, "import-linter is a test dependency (pip install -e .[test])"
    proc = subprocess.run(
        [lint_imports, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
