"""The teacher's shared room: every style's server, in English and in Russian, in one process.

    python -m mock_servers room --host 0.0.0.0 --port 8000 [--quiet] [--reset-every MINUTES]

One command starts twelve servers, with the settings the lessons use (the
WebSocket pushes every 0.2 s, as lesson 04 starts it):

=========  ========  ========  =============================================
style      English   Russian   a learner's address (NAME: the learner's name)
=========  ========  ========  =============================================
REST       P         P+10      ``http://HOST:PORT/learners/NAME``
SOAP       P+1       P+11      ``http://HOST:PORT/learners/NAME/soap``
XML-RPC    P+2       P+12      ``http://HOST:PORT/learners/NAME/RPC2``
JSON-RPC   P+3       P+13      ``http://HOST:PORT/learners/NAME/jsonrpc``
gRPC       P+4       P+14      ``HOST:PORT`` (no spaces: the lessons only read)
WebSocket  P+5       P+15      ``ws://HOST:PORT/learners/NAME/weather``
=========  ========  ========  =============================================

One server per language, as many sites do: the XML-RPC, JSON-RPC, SOAP and
gRPC clients of the lessons send no Accept-Language, and a gRPC target cannot
carry a language.  Each learner runs ``python -m mock_servers.room join
http://ADDRESS:P`` once; from then on the lessons' ``start()`` calls return
these servers, and every request carries the learner's prefix
``/learners/<name>``: a space of their own on every server (see
:mod:`mock_servers.spaces`), so the lessons' fixed examples never collide and
nobody changes another's data.

The command prints every address a learner can use (with ``--host 0.0.0.0``,
one per network interface) with the learner's command for it, and the ports
of the styles; then a line per request unless ``--quiet`` (for a projected
screen).  Typing ``reset`` (or ``сброс``) and Enter, or ``--reset-every
MINUTES``, gives every server fresh data, in place: connections stay open.
Ctrl-C stops the room.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import socket
import sys
import time

from mock_servers import (
    NAMES,
    grpc,
    jsonrpc,
    limits,
    rest,
    runner,
    soap,
    spaces,
    websocket_server,
    xmlrpc,
)
from mock_servers.room_layout import LANGUAGE_OFFSETS, PORTS, port_of

# Each style's module, and how it starts in the room (as the lessons start it); its port is
# room_layout's.
STYLES = {
    "rest": (rest, {}),
    "soap": (soap, {}),
    "xmlrpc": (xmlrpc, {}),
    "jsonrpc": (jsonrpc, {}),
    "grpc": (grpc, {}),
    "websocket": (websocket_server, {"push_interval": 0.2}),  # lesson 04's pace
}
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}
# A learner's address on each style, HOST:PORT filled in by the learner's tools.
SPACE_FORMS = {
    "rest": "http://HOST:PORT/learners/NAME",
    "soap": "http://HOST:PORT/learners/NAME/soap   (WSDL: + ?wsdl)",
    "xmlrpc": "http://HOST:PORT/learners/NAME/RPC2",
    "jsonrpc": "http://HOST:PORT/learners/NAME/jsonrpc",
    "grpc": "HOST:PORT   (one for all: the lessons only read)",
    "websocket": "ws://HOST:PORT/learners/NAME/weather",
}
DEFAULT_PORT = 8000


class PortTaken(OSError):
    """A port of the room could not be had."""

    def __init__(self, port: int, style: str, language: str, reason: str) -> None:
        super().__init__(reason)
        self.port, self.style, self.language, self.reason = port, style, language, reason

    def __str__(self) -> str:
        return (
            f"port {self.port} ({NAMES[self.style]}, {LANGUAGE_NAMES[self.language]}) "
            f"is not available: {self.reason}"
        )


class Room:
    """The room's running servers, by (style, language)."""

    def __init__(self, host: str, port: int, servers: dict[tuple[str, str], runner.RunningServer]):
        self.host, self.port, self.servers = host, port, servers

    def __getitem__(self, key: tuple[str, str]) -> runner.RunningServer:
        return self.servers[key]

    def reset(self) -> None:
        """Fresh data on every server: learners' spaces gone, default stores as new."""
        for server in self.servers.values():
            spaces = getattr(server, "spaces", None)
            if spaces is not None:
                spaces.clear()
            elif getattr(server, "observations", None) is not None:
                server.observations.reset()  # gRPC: one store, no spaces

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Room:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_room(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> Room:
    """Start every style in both languages on ports ``port`` to ``port + 15``.

    Raises PortTaken, naming the port and its style, when one is not free;
    the servers already started are stopped again.
    """
    servers: dict[tuple[str, str], runner.RunningServer] = {}
    try:
        for language in LANGUAGE_OFFSETS:
            for style, (module, options) in STYLES.items():
                wanted = port_of(port, style, language)
                try:
                    servers[style, language] = module.start(
                        host, wanted, language=language, own=True, **options
                    )
                except OSError as error:
                    reason = error.strerror or str(error)  # without "[Errno 98]"
                    raise PortTaken(wanted, style, language, reason) from None
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return Room(host, port, servers)


def free_base_port(host: str = "127.0.0.1", first: int = DEFAULT_PORT, last: int = 65535) -> int:
    """The lowest base port from ``first`` whose 16 ports are all free on ``host`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    base = first
    while base + PORTS - 1 <= last:
        for offset in range(PORTS):
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind((host, base + offset))
                except OSError:
                    break
        else:
            return base
        base += offset + 1
    raise OSError(f"no {PORTS} free ports in a row from {first} on {host}")


# --------------------------------------------------------------------------
# What the teacher sees


def banner(room: Room, *, quiet: bool) -> list[str]:
    """Where learners join, the styles' ports, and how to reset and stop."""
    from mock_servers.__main__ import interface_addresses  # the single-style command's

    last = room.port + PORTS - 1
    lines = [
        f"Weather course room: every API style in English and in Russian, ports "
        f"{room.port}-{last}.",
        "Each learner joins once, with the address of this machine they can reach:",
    ]
    places = interface_addresses(room.host)
    joins = [f"http://{runner.format_host(address)}:{room.port}" for _name, address in places]
    width = max(len(url) for url in joins)
    for (name, address), url in zip(places, joins):
        where = "this machine only" if ipaddress.ip_address(address).is_loopback else name
        lines.append(f"  python -m mock_servers.room join {url:<{width}}  {where}".rstrip())
    lines.append("Each learner's requests use their own space, /learners/NAME, on every server:")
    lines.append(f"  {'style':<10} {'English':>7}  {'Russian':>7}  a learner's address")
    for style in STYLES:
        english, russian = port_of(room.port, style, "en"), port_of(room.port, style, "ru")
        lines.append(f"  {NAMES[style]:<10} {english:>7}  {russian:>7}  {SPACE_FORMS[style]}")
    if not quiet:
        room_limits = limits.active()
        lines.append(
            f"Limits of each server: {room_limits.max_connections} connections, "
            f"{limits.MAX_LEARNER_SPACES} learners' spaces of "
            f"{limits.OBSERVATIONS_PER_LEARNER} observations."
        )
    lines.append(
        'Type "reset" (or "сброс") and Enter for fresh data on every server; Ctrl-C stops the room.'
    )
    return lines


def echo_requests(room: Room) -> None:
    """Print each server's requests as they come, tagged with style and language,
    and with the learner's name where the line itself does not show the path."""
    for (style, language), server in room.servers.items():
        tag = f"[{NAMES[style]} {language}]"
        # SOAP, XML-RPC and JSON-RPC log calls, not paths; the server thread
        # that records the line knows whose request it answers (spaces.current).
        by_call = style in ("soap", "xmlrpc", "jsonrpc")

        def echo(line: str, tag: str = tag, by_call: bool = by_call) -> None:
            learner = spaces.current() if by_call else None
            print(f"{tag} {learner + ': ' if learner else ''}{line}", flush=True)

        server.log.echo = echo


# --------------------------------------------------------------------------
# Running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mock_servers room",
        description="Run the shared room: every style's server in English and in Russian, "
        "until Ctrl-C.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 opens the room to the network: use it on a trusted network only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"the first of the room's {PORTS} ports (default {DEFAULT_PORT}; "
        f"0: the first free block from {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print no line per request (for a projector)"
    )
    parser.add_argument(
        "--reset-every",
        type=float,
        metavar="MINUTES",
        help="give every server fresh data this often",
    )
    args = parser.parse_args(argv)
    if args.reset_every is not None and not args.reset_every > 0:
        parser.error("--reset-every takes a positive number of minutes")
    if not 0 <= args.port <= 65536 - PORTS:
        parser.error(f"--port takes a port from 1 to {65536 - PORTS} (the room uses {PORTS})")

    try:
        port = args.port or free_base_port(args.host)
        room = start_room(args.host, port)
    except PortTaken as taken:
        print(f"error: {taken}", file=sys.stderr)
        print(_another_port(args.host, args.port), file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(banner(room, quiet=args.quiet)), flush=True)
    if not args.quiet:
        echo_requests(room)
    with room:
        _serve(room, args.reset_every)
    print("stopped", flush=True)
    return 0


def _another_port(host: str, asked: int) -> str:
    """A suggestion for --port: a block of free ports from a round number past this one."""
    first = asked - asked % 100 + 100
    if first < asked + PORTS:
        first += 100
    with contextlib.suppress(OSError):
        return (
            f"The room needs ports {asked} to {asked + PORTS - 1} free; "
            f"try --port {free_base_port(host, first)}."
        )
    return f"The room needs {PORTS} free ports in a row; try another --port."


def _serve(room: Room, reset_every: float | None) -> None:
    """Wait for Ctrl-C, resetting the data when asked or when it is time."""
    from mock_servers.__main__ import serve_until_stopped

    def reset() -> None:
        room.reset()
        print(f"reset: fresh data on every server at {time.strftime('%H:%M:%S')}", flush=True)

    serve_until_stopped(reset, reset_every)
