"""Every style's server, started together and stopped together."""

from __future__ import annotations

import functools

from mock_servers import grpc as grpc_server
from mock_servers import jsonrpc, rest, runner, soap, websocket_server
from mock_servers import xmlrpc as xmlrpc_server
from mock_servers.compare.styles import INTERVAL, NAMES, STYLES


class Servers:
    """Every style's server, started together: ``servers["rest"].url``; ``stop()`` ends all."""

    def __init__(self, servers: dict[str, runner.RunningServer], interval: float) -> None:
        self._servers = servers
        self.interval = interval

    def __getitem__(self, style: str) -> runner.RunningServer:
        return self._servers[style]

    def __iter__(self):
        return iter(self._servers)

    @property
    def running(self) -> bool:
        return all(server.running for server in self._servers.values())

    def stop(self) -> None:
        """Stop every server; idempotent."""
        for server in self._servers.values():
            server.stop()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "\n".join(f"{NAMES[style]:<10} {self[style].url}" for style in self)


def start_all(
    host: str = "127.0.0.1", *, interval: float = INTERVAL, language: str = "en"
) -> Servers:
    """Start the server of every style; ``interval`` is the pushing servers' pace in seconds,
    ``language`` the one their messages and weather descriptions are in (the Russian lesson
    asks for "ru": the same bytes a Russian learner's app would get).

    The WebSocket server sends no keepalive pings, so that none ever lands in
    a measurement.  The servers are always this process's own, even when the
    learner has joined a room (``own=True``): a fair measurement needs the same
    quiet conditions for every style, which a teacher's shared server cannot give.
    """
    mine = {"language": language, "own": True}
    starters = {
        "rest": functools.partial(rest.start, **mine),
        "soap": functools.partial(soap.start, **mine),
        "xmlrpc": functools.partial(xmlrpc_server.start, **mine),
        "jsonrpc": functools.partial(jsonrpc.start, **mine),
        "grpc": functools.partial(grpc_server.start, interval=interval, **mine),
        "websocket": functools.partial(
            websocket_server.start, push_interval=interval, ping_interval=None, **mine
        ),
    }
    servers: dict[str, runner.RunningServer] = {}
    try:
        for style in STYLES:
            servers[style] = starters[style](host)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return Servers(servers, interval)
