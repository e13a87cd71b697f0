"""Where each style answers in a shared room: the one table that both the room's servers
(:mod:`mock_servers.room_server`) and a learner's side (:mod:`mock_servers.room`) read.

English REST at the base port P, SOAP P+1, XML-RPC P+2, JSON-RPC P+3, gRPC P+4, WebSocket P+5;
the Russian set the same from P+10 (one set per language: the RPC clients of the lessons send no
Accept-Language, and a gRPC target cannot carry one).
"""

from __future__ import annotations

OFFSETS = {"rest": 0, "soap": 1, "xmlrpc": 2, "jsonrpc": 3, "grpc": 4, "websocket": 5}
LANGUAGE_OFFSETS = {"en": 0, "ru": 10}
PORTS = 16  # the room uses ports P to P+15
# Each style's path in a learner's space, after /learners/<name> (gRPC has no space: the
# lessons only read over it).
PATHS = {
    "rest": "",
    "soap": "/soap",
    "xmlrpc": "/RPC2",
    "jsonrpc": "/jsonrpc",
    "websocket": "/weather",
}


def port_of(base: int, style: str, language: str) -> int:
    """The port of ``style``'s server in ``language`` for a room on base port ``base``."""
    return base + LANGUAGE_OFFSETS[language] + OFFSETS[style]
