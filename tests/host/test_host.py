"""The one-process host, in process: throwaway plugins registered on a plugin manager."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pluggy
import pytest
from litestar import get

from vectorizer import Engine, HttpApi, ServerSpec, hookimpl
from vectorizer.host.plugins import describe_plugins, make_plugin_manager
from vectorizer.host.server import Host, StartupError, serve
from vectorizer.host.settings import ConfigError, Settings

from .helpers import free_port


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A plugin manager with the core's built-ins only (no entry-point plugins)."""
    return make_plugin_manager(load_entry_points=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", storage="memory")


class Events:
    """What happened, in order (engine opened/closed, servers entered/left)."""

    def __init__(self) -> None:
        self.log: list[str] = []


class FakeEngine:
    def __init__(self, events: Events) -> None:
        self.events = events
        events.log.append("engine opened")

    def list_collections(self) -> list[str]:
        return ["fake"]

    def close(self) -> None:
        self.events.log.append("engine closed")


def fake_opener(events: Events) -> Any:
    return lambda settings, pm: FakeEngine(events)


@get("/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    return {"pong": "yes"}


class Throwaway:
    """A plugin registering one HTTP API (route /ping and /collections) and one TCP server."""

    def __init__(self, events: Events | None = None, **api: Any) -> None:
        self.events = events or Events()
        self.api = {"name": "throwaway", "default_port": 0, **api}

    @hookimpl
    def register_http_apis(self, engine: Any, settings: Settings) -> list[HttpApi]:
        @get("/collections", sync_to_thread=False)
        def collections() -> list[str]:
            return engine.list_collections()

        return [HttpApi(route_handlers=[ping, collections], **self.api)]

    @hookimpl
    def register_servers(self, engine: Any, settings: Settings) -> list[ServerSpec]:
        return [ServerSpec(name="echo", default_port=0, factory=self.echo_server)]

    @asynccontextmanager
    async def echo_server(self, host: str, port: int) -> AsyncIterator[None]:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, host, port)
        self.events.log.append("echo started")
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()
            self.events.log.append("echo stopped")


@pytest.fixture
def throwaway(pm: pluggy.PluginManager) -> Iterator[Throwaway]:
    """Register a Throwaway plugin for the test, unregister it afterwards (llm style)."""
    plugin = Throwaway()
    pm.register(plugin, name="throwaway")
    try:
        yield plugin
    finally:
        pm.unregister(name="throwaway")


async def fetch(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}{path}", timeout=10)


async def echo(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hi\n")
    await writer.drain()
    data = await reader.readline()
    writer.close()
    return data


def test_plugin_hooks_are_called_and_served(
    pm: pluggy.PluginManager, throwaway: Throwaway, settings: Settings, caplog: Any
) -> None:
    info = {i.name: i for i in describe_plugins(pm)}["throwaway"]
    assert info.hooks == ["register_http_apis", "register_servers"]

    async def main() -> None:
        async with Host(settings, pm=pm) as host:
            assert set(host.ports) == {"throwaway", "echo"}
            assert all(host.ports.values())  # port 0 became a real port
            response = await fetch(host.ports["throwaway"], "/ping")
            assert response.status_code == 200 and response.json() == {"pong": "yes"}
            # the hook got the real engine, opened on the data dir
            assert isinstance(host.engine, Engine)
            assert (await fetch(host.ports["throwaway"], "/collections")).json() == []
            assert await echo(host.ports["echo"]) == b"hi\n"
        assert "echo stopped" in throwaway.events.log
        with pytest.raises(httpx.ConnectError):
            await fetch(host.ports["throwaway"], "/ping")

    with caplog.at_level(logging.INFO, logger="vectorizer.host.server"):
        asyncio.run(main())
    assert settings.data_dir.is_dir()
    lines = [r.getMessage() for r in caplog.records if "listening" in r.getMessage()]
    assert len(lines) == 2
    assert lines[0].startswith("throwaway listening on http://127.0.0.1:")
    assert lines[1].startswith("echo listening on 127.0.0.1:")


def test_after_unregister_the_hook_is_not_called(
    pm: pluggy.PluginManager, settings: Settings
) -> None:
    pm.register(Throwaway(), name="throwaway")
    pm.unregister(name="throwaway")

    async def main() -> None:
        async with Host(settings, pm=pm) as host:
            assert host.ports == {}

    asyncio.run(main())


def test_configured_port_and_prefix(pm: pluggy.PluginManager, settings: Settings) -> None:
    port = free_port()
    settings.ports = {"throwaway": port}
    pm.register(Throwaway(prefix="/api/v1"), name="throwaway")

    async def main() -> None:
        async with Host(settings, pm=pm) as host:
            assert host.ports["throwaway"] == port
            assert (await fetch(port, "/api/v1/ping")).json() == {"pong": "yes"}
            assert (await fetch(port, "/ping")).status_code == 404

    asyncio.run(main())


def test_shutdown_order(pm: pluggy.PluginManager, settings: Settings) -> None:
    events = Events()
    pm.register(Throwaway(events), name="throwaway")

    async def main() -> None:
        async with Host(settings, pm=pm, engine_opener=fake_opener(events)) as host:
            assert (await fetch(host.ports["throwaway"], "/collections")).json() == ["fake"]
            events.log.append("serving")

    asyncio.run(main())
    assert events.log == [
        "engine opened",
        "echo started",
        "serving",
        "echo stopped",
        "engine closed",
    ]


def test_port_in_use_starts_nothing(pm: pluggy.PluginManager, settings: Settings) -> None:
    events = Events()
    pm.register(Throwaway(events), name="throwaway")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings.ports = {"echo": port}

        async def main() -> None:
            async with Host(settings, pm=pm, engine_opener=fake_opener(events)):
                raise AssertionError("started")

        with pytest.raises(StartupError) as info:
            asyncio.run(main())
    assert str(info.value) == f"echo cannot listen on 127.0.0.1:{port}: address already in use"
    # every socket is bound before anything starts: the echo server never started
    assert events.log == ["engine opened", "engine closed"]


def test_two_listeners_on_one_port_is_a_config_error(
    pm: pluggy.PluginManager, settings: Settings
) -> None:
    pm.register(Throwaway(default_port=6399), name="throwaway")
    settings.ports = {"echo": 6399}

    async def main() -> None:
        async with Host(settings, pm=pm):
            raise AssertionError("started")

    with pytest.raises(ConfigError, match="ports: throwaway and echo both use port 6399"):
        asyncio.run(main())


def test_two_listeners_with_one_name(pm: pluggy.PluginManager, settings: Settings) -> None:
    pm.register(Throwaway(name="echo"), name="throwaway")

    async def main() -> None:
        async with Host(settings, pm=pm):
            raise AssertionError("started")

    with pytest.raises(StartupError, match="two listeners are named 'echo'"):
        asyncio.run(main())


def test_hook_returning_garbage(pm: pluggy.PluginManager, settings: Settings) -> None:
    class Bad:
        @hookimpl
        def register_http_apis(self, engine: Any, settings: Settings) -> list[Any]:
            return ["not an api"]

    pm.register(Bad(), name="bad")

    async def main() -> None:
        async with Host(settings, pm=pm):
            raise AssertionError("started")

    with pytest.raises(StartupError, match="register_http_apis returned 'not an api'"):
        asyncio.run(main())


def test_failing_app_startup(pm: pluggy.PluginManager, settings: Settings) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    events = Events()
    pm.register(Throwaway(events, app_options={"on_startup": [boom]}), name="throwaway")

    async def main() -> None:
        async with Host(settings, pm=pm, engine_opener=fake_opener(events)):
            raise AssertionError("started")

    with pytest.raises(StartupError, match="throwaway failed to start"):
        asyncio.run(main())
    assert events.log == ["engine opened", "engine closed"]


def test_failing_server_factory_stops_the_http_servers(
    pm: pluggy.PluginManager, settings: Settings
) -> None:
    class Broken:
        @hookimpl
        def register_servers(self, engine: Any, settings: Settings) -> list[ServerSpec]:
            @asynccontextmanager
            async def factory(host: str, port: int) -> AsyncIterator[None]:
                raise OSError("no luck")
                yield

            return [ServerSpec(name="broken", default_port=0, factory=factory)]

    events = Events()
    pm.register(Throwaway(events), name="throwaway")
    pm.register(Broken(), name="broken")

    async def main() -> None:
        async with Host(settings, pm=pm, engine_opener=fake_opener(events)):
            raise AssertionError("started")

    port = free_port()
    settings.ports = {"throwaway": port}
    with pytest.raises(StartupError, match=r"broken cannot start on 127\.0\.0\.1:\d+: no luck"):
        asyncio.run(main())
    assert events.log[0] == "engine opened" and events.log[-1] == "engine closed"
    assert ("echo started" in events.log) == ("echo stopped" in events.log)
    with socket.socket() as probe:  # the HTTP server that had started is gone
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("data_dir", "error"),
    [("file", "data dir .*file is not a directory"), ("file/data", "cannot create data dir")],
)
def test_unusable_data_dir(
    pm: pluggy.PluginManager, settings: Settings, tmp_path: Path, data_dir: str, error: str
) -> None:
    (tmp_path / "file").write_text("x")
    settings.data_dir = tmp_path / data_dir
    events = Events()

    async def main() -> None:
        async with Host(settings, pm=pm, engine_opener=fake_opener(events)):
            raise AssertionError("started")

    with pytest.raises(StartupError, match=error):
        asyncio.run(main())
    assert events.log == []  # the engine was never opened


def test_read_only_data_dir(pm: pluggy.PluginManager, settings: Settings, tmp_path: Path) -> None:
    """An existing folder we may not write into (root may write anywhere: use /proc)."""
    settings.data_dir = tmp_path / "ro" if os.geteuid() != 0 else Path("/proc/self")
    if os.geteuid() != 0:
        settings.data_dir.mkdir(mode=0o500)

    async def main() -> None:
        async with Host(settings, pm=pm, engine_opener=fake_opener(Events())):
            raise AssertionError("started")

    with pytest.raises(StartupError, match=f"data dir {settings.data_dir} is not writable"):
        asyncio.run(main())


def test_unknown_storage_backend(pm: pluggy.PluginManager, settings: Settings) -> None:
    settings.storage = "nope"

    async def main() -> None:
        async with Host(settings, pm=pm):
            raise AssertionError("started")

    with pytest.raises(StartupError, match="Unknown storage backend 'nope'"):
        asyncio.run(main())


def test_serve_until_stopped(pm: pluggy.PluginManager, settings: Settings) -> None:
    events = Events()
    pm.register(Throwaway(events), name="throwaway")
    seen: dict[str, int] = {}

    def ready(host: Host) -> None:
        seen.update(host.ports)
        asyncio.get_running_loop().call_later(0.2, host.stop)

    asyncio.run(
        serve(settings, pm=pm, engine_opener=fake_opener(events), ready=ready, handle_signals=False)
    )
    assert set(seen) == {"throwaway", "echo"}
    assert events.log[-1] == "engine closed"
