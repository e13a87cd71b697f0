"""The runner's backend for a ``websockets.sync.server.Server``."""

from __future__ import annotations


class WebSocketBackend:
    """A ``websockets.sync.server.Server``.  From websockets 17 on, its
    shutdown() also closes open connections (code 1001) and joins their
    threads; ``mock_servers.websocket_server`` extends this for older versions."""

    def __init__(self, server) -> None:
        self.server = server

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        pass
