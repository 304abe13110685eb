"""Settings loading: defaults < config file < VECTORIZER_* env vars < CLI flags, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorizer.host.settings import ConfigError, Settings, load_settings

KNOWN = ["hello", "qdrant_grpc", "qdrant_rest", "vectorizer_api"]


def write(tmp_path: Path, text: str, name: str = "vectorizer.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults() -> None:
    settings = load_settings({}, None, {})
    assert settings == Settings()
    assert settings.host == "127.0.0.1"
    assert settings.data_dir == Path("vectorizer_data")
    assert settings.ports == {} and settings.disabled == [] and settings.plugins == {}
    assert (settings.storage, settings.log_level) == ("sqlite", "info")


def test_config_file_sets_everything(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
host = "0.0.0.0"
data_dir = "data"
storage = "memory"
log_level = "DEBUG"
disabled = ["qdrant_grpc"]

[ports]
qdrant_rest = 7333

[plugins.hello]
greeting = "hi"
""",
    )
    settings = load_settings({}, path, {})
    assert settings.host == "0.0.0.0"
    assert settings.data_dir == tmp_path / "data"  # relative to the config file
    assert settings.storage == "memory"
    assert settings.log_level == "debug"
    assert settings.disabled == ["qdrant_grpc"]
    assert settings.ports == {"qdrant_rest": 7333}
    assert settings.plugin_config("hello") == {"greeting": "hi"}
    assert settings.plugin_config("other") == {}
    assert settings.config_file == path


def test_env_overrides_file_and_cli_overrides_env(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'host = "10.0.0.1"\nstorage = "memory"\nlog_level = "error"\ndata_dir = "/file"\n'
        "[ports]\nqdrant_rest = 1111\nqdrant_grpc = 2222\n",
    )
    env = {
        "VECTORIZER_HOST": "10.0.0.2",
        "VECTORIZER_LOG_LEVEL": "warning",
        "VECTORIZER_DATA_DIR": "/env",
        "VECTORIZER_PORTS": "qdrant_grpc=3333, vectorizer_api=4444",
    }
    settings = load_settings({}, path, env)
    assert settings.host == "10.0.0.2"  # env over file
    assert settings.storage == "memory"  # file over default
    assert settings.log_level == "warning"
    assert settings.data_dir == Path("/env")
    # ports merge per name: file's qdrant_rest stays, env's qdrant_grpc wins
    assert settings.ports == {"qdrant_rest": 1111, "qdrant_grpc": 3333, "vectorizer_api": 4444}

    cli = {"host": "10.0.0.3", "data_dir": Path("/cli"), "ports": ["qdrant_grpc=5555"]}
    settings = load_settings({**cli, "log_level": None, "storage": None}, path, env)
    assert settings.host == "10.0.0.3"  # CLI over env
    assert settings.data_dir == Path("/cli")
    assert settings.log_level == "warning"  # None means "flag not given"
    assert settings.ports == {"qdrant_rest": 1111, "qdrant_grpc": 5555, "vectorizer_api": 4444}


def test_disabled_is_the_union_of_every_layer(tmp_path: Path) -> None:
    path = write(tmp_path, 'disabled = ["qdrant_grpc"]\n')
    env = {"VECTORIZER_DISABLED_PLUGINS": "vectorizer_api, qdrant_grpc"}
    settings = load_settings({"disabled": ["hello"]}, path, env)
    assert settings.disabled == ["qdrant_grpc", "vectorizer_api", "hello"]


def test_config_path_from_env(tmp_path: Path) -> None:
    path = write(tmp_path, 'storage = "memory"\n')
    settings = load_settings({}, None, {"VECTORIZER_CONFIG": str(path)})
    assert settings.storage == "memory" and settings.config_file == path
    # an explicit path (--config) wins over $VECTORIZER_CONFIG
    other = write(tmp_path, 'storage = "sqlite"\n', "other.toml")
    assert load_settings({}, other, {"VECTORIZER_CONFIG": str(path)}).storage == "sqlite"


def test_storage_from_env_and_cli() -> None:
    env = {"VECTORIZER_STORAGE": "memory"}
    assert load_settings({}, None, env).storage == "memory"
    assert load_settings({"storage": "sqlite"}, None, env).storage == "sqlite"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('host = "a', "not valid TOML"),
        ('hots = "a"', "unknown key 'hots'"),
        ("host = 1", "host must be a non-empty string"),
        ('log_level = "loud"', "log_level must be one of"),
        ("[ports]\nqdrant_rest = 70000", "ports.qdrant_rest must be a port number 0-65535"),
        ('[ports]\nqdrant_rest = "x"', "ports.qdrant_rest must be a port number"),
        ("[ports]\nqdrant_rest = true", "ports.qdrant_rest must be a port number"),
        ("ports = 6333", "ports must be a table"),
        ('disabled = "qdrant_grpc"', "disabled must be a list"),
        ("disabled = [1]", "disabled item must be a non-empty string"),
        ("plugins = 1", "plugins must hold [plugins.NAME] tables"),
    ],
)
def test_bad_config_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings({}, path, {})
    error = str(info.value)
    assert error.startswith(f"config file {path}: ")
    assert message in error
    assert "\n" not in error


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml: no such file"):
        load_settings({}, tmp_path / "nope.toml", {})
    with pytest.raises(ConfigError, match="no such file"):
        load_settings({}, None, {"VECTORIZER_CONFIG": str(tmp_path / "nope.toml")})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VECTORIZER_PORTS": "qdrant_rest=99999"}, "VECTORIZER_PORTS: qdrant_rest must be a port"),
        ({"VECTORIZER_PORTS": "qdrant_rest"}, "VECTORIZER_PORTS: expected NAME=PORT"),
        ({"VECTORIZER_LOG_LEVEL": "loud"}, "VECTORIZER_LOG_LEVEL must be one of"),
        ({"VECTORIZER_HOST": " "}, "VECTORIZER_HOST must be a non-empty string"),
    ],
)
def test_bad_env(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({}, None, env)


@pytest.mark.parametrize(
    ("cli", "message"),
    [
        ({"ports": ["qdrant_rest=x"]}, "--port: qdrant_rest must be a port number"),
        ({"ports": ["=1"]}, "--port: expected NAME=PORT"),
        ({"log_level": "loud"}, "--log-level must be one of"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_bad_cli(cli: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(cli, None, {})


def test_unknown_plugin_names_name_their_source(tmp_path: Path) -> None:
    path = write(tmp_path, "[plugins.nope]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"config file .*: plugins: unknown plugin 'nope'"):
        load_settings({}, path, {}, known_plugins=KNOWN)
    with pytest.raises(ConfigError, match="VECTORIZER_PORTS: unknown plugin 'grpc'"):
        load_settings({}, None, {"VECTORIZER_PORTS": "grpc=1"}, known_plugins=KNOWN)
    with pytest.raises(ConfigError, match="VECTORIZER_DISABLED_PLUGINS: unknown plugin 'x'"):
        load_settings({}, None, {"VECTORIZER_DISABLED_PLUGINS": "x"}, known_plugins=KNOWN)
    with pytest.raises(ConfigError) as info:
        load_settings({"ports": ["rest=1"]}, None, {}, known_plugins=KNOWN)
    assert str(info.value) == (
        "--port: unknown plugin 'rest' (known: hello, qdrant_grpc, qdrant_rest, vectorizer_api)"
    )
    # without known_plugins, names are not checked (e.g. for in-process test plugins)
    assert load_settings({"ports": ["rest=1"]}, None, {}).ports == {"rest": 1}


def test_qdrant_version_from_file_and_env(tmp_path: Path) -> None:
    path = tmp_path / "v.toml"
    path.write_text('qdrant_version = "1.14.1"\n')
    assert load_settings({}, None, {}).qdrant_version is None
    assert load_settings({}, path, {}).qdrant_version == "1.14.1"
    env = {"VECTORIZER_QDRANT_VERSION": " 1.18.3 "}
    assert load_settings({}, path, env).qdrant_version == "1.18.3"
    with pytest.raises(ConfigError) as info:
        load_settings({}, None, {"VECTORIZER_QDRANT_VERSION": "v1.19"})
    assert str(info.value) == (
        "environment variable VECTORIZER_QDRANT_VERSION must be a version "
        "MAJOR.MINOR.PATCH, got 'v1.19'"
    )
