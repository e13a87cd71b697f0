"""Embedded mock servers of a weather service, one module per API style.

Each style module has ``start(host="127.0.0.1", port=0)``, which returns a
running server (see :mod:`mock_servers.runner`)::

    from mock_servers import rest

    server = rest.start()        # a free port, picked by the operating system
    print(server.url)            # http://127.0.0.1:PORT
    server.stop()                # or: with rest.start() as server: ...

All of them serve the same facts, from :mod:`mock_servers.weather`.  For a
room, ``python -m mock_servers STYLE --host 0.0.0.0`` runs one in the
foreground (see :mod:`mock_servers.__main__`), within the bounds of
:mod:`mock_servers.limits`; ``python -m mock_servers room`` runs every style
for a whole class (:mod:`mock_servers.room_server`), and a learner who has run
``python -m mock_servers.room join URL`` gets the room's servers from
``start()`` (:mod:`mock_servers.room`; ``start(own=True)``: a server of one's own).
"""

from mock_servers.runner import running_servers, stop_all

# Each style's module, by the name the command line and the grader use.
STYLES = {
    "rest": "mock_servers.rest",
    "soap": "mock_servers.soap",
    "xmlrpc": "mock_servers.xmlrpc",
    "jsonrpc": "mock_servers.jsonrpc",
    "grpc": "mock_servers.grpc",
    "websocket": "mock_servers.websocket_server",
}
# Each style's name as people write it.
NAMES = {
    "rest": "REST",
    "soap": "SOAP",
    "xmlrpc": "XML-RPC",
    "jsonrpc": "JSON-RPC",
    "grpc": "gRPC",
    "websocket": "WebSocket",
}

__all__ = ["NAMES", "STYLES", "running_servers", "stop_all"]
