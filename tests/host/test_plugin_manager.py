"""Plugin discovery: entry points, and disabled plugins that are never imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import vectorizer
from vectorizer.host.plugins import describe_plugins, known_entry_points, make_plugin_manager

from .helpers import clean_env

MODULES = {
    "qdrant_rest": "vectorizer_qdrant_rest",
    "qdrant_grpc": "vectorizer_qdrant_grpc",
    "vectorizer_api": "vectorizer_api",
    "hello": "vectorizer_hello",
}


def run_python(code: str, cwd: Path | None = None, **env: str) -> str:
    """Run `code` in a fresh interpreter; return what it printed."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(**env),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def imported_plugins(code: str, cwd: Path | None = None, **env: str) -> set[str]:
    """Which plugin modules are in sys.modules after `code` ran in a fresh interpreter."""
    modules = sorted(MODULES.values())
    check = f"import sys\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    out = run_python(textwrap.dedent(code) + "\n" + check, cwd, **env)
    return set(eval(out.strip().splitlines()[-1]))


def test_every_plugin_is_found_through_entry_points() -> None:
    assert set(MODULES) <= set(known_entry_points())
    pm = make_plugin_manager()
    for name, module in MODULES.items():
        assert pm.get_plugin(name).__name__ == module
    versions = {i.name: i.version for i in describe_plugins(pm)}
    assert versions["qdrant_rest"] == vectorizer.__version__
    assert versions["hello"] == "0.0.1"


def test_enabled_plugins_are_imported() -> None:
    code = "from vectorizer.host.plugins import make_plugin_manager; make_plugin_manager()"
    assert imported_plugins(code) == set(MODULES.values())


def test_importing_the_core_imports_no_plugin() -> None:
    code = (
        "import vectorizer, vectorizer.host.cli, vectorizer.host.server, vectorizer.host.settings"
    )
    assert imported_plugins(code) == set()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_disabled_plugin_is_never_imported(name: str) -> None:
    code = (
        f"from vectorizer.host.plugins import make_plugin_manager; make_plugin_manager([{name!r}])"
    )
    assert imported_plugins(code) == set(MODULES.values()) - {MODULES[name]}


def test_blocked_plugin_is_not_listed() -> None:
    pm = make_plugin_manager(["qdrant_grpc"])
    assert pm.is_blocked("qdrant_grpc")
    assert "qdrant_grpc" not in {i.name for i in describe_plugins(pm)}


def test_cli_never_imports_plugins_disabled_by_flag_env_or_config(tmp_path: Path) -> None:
    (tmp_path / "v.toml").write_text('disabled = ["vectorizer_api"]\n')
    code = """
        from vectorizer.host.cli import cli
        cli.main(["plugins", "--disable", "qdrant_grpc", "--config", "v.toml"],
                 standalone_mode=False)
    """
    imported = imported_plugins(code, tmp_path, VECTORIZER_DISABLED_PLUGINS="hello")
    assert imported == {"vectorizer_qdrant_rest"}


def test_serve_never_imports_a_disabled_plugin(tmp_path: Path) -> None:
    """`serve` with qdrant_grpc disabled, checked from inside the running server."""
    code = """
        import asyncio, sys
        from vectorizer.host.settings import load_settings
        from vectorizer.host.server import serve

        def ready(host):
            print("listeners:", sorted(host.ports))
            print("grpc imported:", "vectorizer_qdrant_grpc" in sys.modules)
            host.stop()

        settings = load_settings({"disabled": ["qdrant_grpc"], "data_dir": "data"}, None)
        asyncio.run(serve(settings, ready=ready))
    """
    out = run_python(code, tmp_path, VECTORIZER_PORTS="qdrant_rest=0,vectorizer_api=0,hello=0")
    assert "listeners: ['hello', 'qdrant_rest', 'vectorizer_api']" in out
    assert "grpc imported: False" in out
