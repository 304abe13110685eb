"""The `vectorizer` command line: --version, `plugins`, plugin commands, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import vectorizer
from vectorizer.host.cli import cli

from .helpers import clean_env, run_cli

BUILT_IN = {
    "qdrant_rest": ["register_http_apis"],
    "qdrant_grpc": ["register_servers"],
    "vectorizer_api": ["register_http_apis"],
}


def invoke(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner(env=clean_env(**env)).invoke(cli, list(args), prog_name="vectorizer")
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(proc: object, *fragments: str) -> None:
    """Exit code 2, nothing on stdout, exactly one `Error: ...` line on stderr."""
    assert proc.returncode == 2, proc.stderr  # type: ignore[attr-defined]
    assert proc.stdout == ""  # type: ignore[attr-defined]
    lines = proc.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr  # type: ignore[attr-defined]
    for fragment in fragments:
        assert fragment in lines[0]


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out == f"vectorizer, version {vectorizer.__version__}\n"


def test_python_dash_m() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"vectorizer, version {vectorizer.__version__}"


def test_plugins_json_lists_built_in_and_third_party_plugins() -> None:
    code, out, _ = invoke("plugins", "--json")
    assert code == 0
    plugins = {p["name"]: p for p in json.loads(out)}
    for name, hooks in BUILT_IN.items():
        assert plugins[name]["version"] == vectorizer.__version__
        assert set(hooks) <= set(plugins[name]["hooks"]), name
    assert plugins["hello"] == {
        "name": "hello",
        "version": "0.0.1",
        "hooks": ["register_commands", "register_http_apis"],
    }
    assert not any(name.startswith("vectorizer.") for name in plugins)


def test_plugins_all_includes_the_core_built_ins() -> None:
    code, out, _ = invoke("plugins", "--json", "--all")
    assert code == 0
    plugins = {p["name"]: p for p in json.loads(out)}
    assert plugins["vectorizer.builtin"]["hooks"] == ["register_storage_backends"]


def test_plugins_table() -> None:
    code, out, _ = invoke("plugins")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "HOOKS"]
    rows = {line.split()[0]: line.split(None, 2) for line in lines[1:]}
    assert rows["qdrant_grpc"][:2] == ["qdrant_grpc", vectorizer.__version__]
    assert "register_servers" in rows["qdrant_grpc"][2]
    assert rows["hello"] == ["hello", "0.0.1", "register_commands, register_http_apis"]
    assert {"qdrant_rest", "vectorizer_api"} <= set(rows)


def plugin_names(*args: str, **env: str) -> set[str]:
    code, out, err = invoke("plugins", "--json", *args, **env)
    assert code == 0, err
    return {p["name"] for p in json.loads(out)}


def test_plugins_honours_disable_env_and_config(tmp_path: Path) -> None:
    everything = plugin_names()
    assert {"qdrant_rest", "qdrant_grpc", "vectorizer_api", "hello"} <= everything
    assert plugin_names("--disable", "qdrant_grpc") == everything - {"qdrant_grpc"}
    env = {"VECTORIZER_DISABLED_PLUGINS": "hello,vectorizer_api"}
    assert plugin_names(**env) == everything - {"hello", "vectorizer_api"}
    config = tmp_path / "v.toml"
    config.write_text('disabled = ["qdrant_rest"]\n')
    assert plugin_names("--config", str(config)) == everything - {"qdrant_rest"}
    assert plugin_names(VECTORIZER_CONFIG=str(config)) == everything - {"qdrant_rest"}
    both = plugin_names("--config", str(config), "--disable", "hello")
    assert both == everything - {"qdrant_rest", "hello"}


def test_plugin_commands_are_added_by_register_commands() -> None:
    proc = run_cli("hello", "bob")
    assert proc.returncode == 0 and proc.stdout == "Hello, bob!\n"
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert any(line.split()[:1] == ["hello"] for line in proc.stdout.splitlines())


def test_disabled_plugin_adds_no_command() -> None:
    proc = run_cli("hello", VECTORIZER_DISABLED_PLUGINS="hello")
    assert proc.returncode == 2 and "No such command 'hello'" in proc.stderr
    proc = run_cli("--help", VECTORIZER_DISABLED_PLUGINS="hello")
    assert proc.returncode == 0
    assert not any(line.split()[:1] == ["hello"] for line in proc.stdout.splitlines())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('host = "oops', "not valid TOML"),
        ('colour = "red"', "unknown key 'colour'"),
        ("data_dir = 3", "data_dir must be a non-empty string"),
        ("[ports]\nqdrant_rest = 65536", "ports.qdrant_rest must be a port number 0-65535"),
        ("[ports]\nnope = 1", "ports: unknown plugin 'nope'"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "plugins"])
def test_bad_config_file_is_one_line_exit_2(
    tmp_path: Path, text: str, fragment: str, command: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text + "\n")
    proc = run_cli(command, "--config", str(config), cwd=tmp_path)
    assert_one_line_error(proc, f"config file {config}", fragment)
    proc = run_cli(command, cwd=tmp_path, VECTORIZER_CONFIG=str(config))
    assert_one_line_error(proc, f"config file {config}", fragment)
    assert not (tmp_path / "vectorizer_data").exists()


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (["--port", "grpc=7334"], {}, ["--port: unknown plugin 'grpc'", "known: ", "qdrant_grpc"]),
        (["--port", "qdrant_rest"], {}, ["--port: expected NAME=PORT"]),
        (["--port", "qdrant_rest=-1"], {}, ["--port: qdrant_rest must be a port number"]),
        (["--disable", "grpc"], {}, ["--disable: unknown plugin 'grpc'"]),
        (["--log-level", "loud"], {}, ["--log-level must be one of"]),
        (["--config", "nope.toml"], {}, ["config file nope.toml: no such file"]),
        ([], {"VECTORIZER_PORTS": "qdrant_rest=x"}, ["VECTORIZER_PORTS: qdrant_rest must be"]),
        ([], {"VECTORIZER_DISABLED_PLUGINS": "x"}, ["VECTORIZER_DISABLED_PLUGINS: unknown"]),
    ],
)
def test_bad_flags_and_env_are_one_line_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], fragments: list[str]
) -> None:
    proc = run_cli("serve", *args, cwd=tmp_path, **env)
    assert_one_line_error(proc, *fragments)
    assert not (tmp_path / "vectorizer_data").exists()


def test_serve_help_shows_the_defaults() -> None:
    code, out, _ = invoke("serve", "--help")
    assert code == 0
    for text in ("--port NAME=PORT", "--disable NAME", "127.0.0.1", "./vectorizer_data"):
        assert text in out
