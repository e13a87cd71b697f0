"""Run one mock server in the foreground, for a workshop, curl or Postman.

    python -m mock_servers rest --port 8000
    python -m mock_servers soap --host 0.0.0.0 --port 8001   # reachable from other machines
    python -m mock_servers room --host 0.0.0.0               # every style, both languages:
                                                             # a shared room (room_server)

It prints every address a client can use (with ``--host 0.0.0.0``, one per
network interface) in the style's own form, then one line per request
(``--quiet``: none, for a projected screen).  Typing ``reset`` and Enter, or
``--reset-every MINUTES``, gives the room fresh data: the server restarts on
the same port with the lesson's initial data.  Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import ipaddress
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from mock_servers import STYLES, limits, runner

# Other addresses of a style worth knowing, as suffixes of its URL.
EXTRAS = {
    "rest": [("/docs", "interactive documentation"), ("/openapi.json", "OpenAPI document")],
    "soap": [("?wsdl", "WSDL")],
}

RESET_WORDS = {"reset", "сброс"}


def available_styles() -> list[str]:
    return [name for name, module in STYLES.items() if importlib.util.find_spec(module)]


# --------------------------------------------------------------------------
# Addresses


def interface_addresses(host: str) -> list[tuple[str, str]]:
    """(interface, address) pairs a server listening on ``host`` answers at.

    For a wildcard host (0.0.0.0, ::) that is every address of every network
    interface, the loopback last; otherwise ``host`` itself.
    """
    if host not in ("0.0.0.0", "::", ""):
        return [("", host)]
    families = {socket.AF_INET} if host == "0.0.0.0" else {socket.AF_INET, socket.AF_INET6}
    found: list[tuple[str, str]] = []
    try:
        import psutil  # installed with JupyterLab (ipykernel needs it)

        for name, addresses in psutil.net_if_addrs().items():
            for item in addresses:
                if item.family in families:
                    found.append((name, item.address.split("%")[0]))
    except ImportError:
        found = [("", address) for address in _addresses_without_psutil(families)]
    usable = [(name, a) for name, a in found if not ipaddress.ip_address(a).is_link_local]
    usable = list(dict.fromkeys(usable))  # no duplicates, order kept
    return sorted(usable, key=lambda pair: ipaddress.ip_address(pair[1]).is_loopback)


def _addresses_without_psutil(families: set[int]) -> list[str]:
    addresses = []
    try:
        for family, *_rest, sockaddr in socket.getaddrinfo(socket.gethostname(), None):
            if family in families:
                addresses.append(sockaddr[0])
    except OSError:
        pass
    # The address of the way out (no packet is sent by connecting a UDP socket).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            addresses.append(probe.getsockname()[0])
        except OSError:
            pass
    addresses.append("127.0.0.1")
    return addresses


def with_host(url: str, host: str) -> str:
    """``url`` (``scheme://host:port/path`` or gRPC's ``host:port``) at another host."""
    shown = runner.format_host(host)
    if "://" not in url:
        return f"{shown}:{url.rsplit(':', 1)[1]}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{shown}:{parts.port}"))


def banner(style: str, server: runner.RunningServer, *, quiet: bool) -> list[str]:
    """What the teacher sees first: where learners connect, and how to reset and stop."""
    places = interface_addresses(server.host)
    if len(places) == 1 and places[0][1] == server.host:
        lines = [f"{style} weather server at {server.url}  (Ctrl-C to stop)"]
    else:
        lines = [f"{style} weather server on port {server.port}; learners use one of:"]
        width = max(len(with_host(server.url, address)) for _name, address in places)
        for name, address in places:
            url = with_host(server.url, address)
            where = "this machine only" if ipaddress.ip_address(address).is_loopback else name
            lines.append(f"  {url:<{width}}  {where}".rstrip())
    first = with_host(server.url, places[0][1])
    for suffix, what in EXTRAS.get(style, []):
        lines.append(f"  {what}: {first}{suffix}")
    if not quiet:
        room = limits.active()
        lines.append(
            f"Room limits: {room.max_connections} connections, idle ones closed after "
            f"{room.idle_timeout:g} s, slow requests after {room.request_timeout:g} s."
        )
    lines.append('Type "reset" and Enter for fresh data (restarts the server); Ctrl-C stops it.')
    return lines


# --------------------------------------------------------------------------
# Running


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["room"]:
        from mock_servers import room_server

        return room_server.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m mock_servers",
        description="Run a mock weather server until Ctrl-C.",
        epilog="python -m mock_servers room --help: the shared room, every style in "
        "English and in Russian for a class.",
    )
    parser.add_argument("style", choices=available_styles(), help="which API style to serve")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 opens it to the network, so use it on a trusted network only)",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument(
        "--quiet", action="store_true", help="print no line per request (for a projector)"
    )
    parser.add_argument(
        "--reset-every",
        type=float,
        metavar="MINUTES",
        help="give the room fresh data this often (the server restarts on its port)",
    )
    parser.add_argument(
        "--cors",
        action="store_true",
        help="rest only: let web pages from any origin call the API (CORS)",
    )
    args = parser.parse_args(argv)
    if args.cors and args.style != "rest":
        parser.error("--cors applies to the rest style only")
    if args.reset_every is not None and not args.reset_every > 0:
        parser.error("--reset-every takes a positive number of minutes")

    module = importlib.import_module(STYLES[args.style])
    options = {"cors": True} if args.cors else {}

    def start(port: int) -> runner.RunningServer:
        server = module.start(host=args.host, port=port, own=True, **options)
        if not args.quiet:
            server.log.echo = lambda line: print(line, flush=True)
        return server

    try:
        server = start(args.port)
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(banner(args.style, server, quiet=args.quiet)), flush=True)

    def reset() -> None:
        nonlocal server
        server.stop()
        server = start(server.port)
        print(f"reset: fresh data at {time.strftime('%H:%M:%S')}", flush=True)

    try:
        serve_until_stopped(reset, args.reset_every)
    except OSError as error:
        print(f"error: cannot restart: {error}", file=sys.stderr)
        return 1
    server.stop()
    print("stopped")
    return 0


def serve_until_stopped(reset: Callable[[], None], reset_every: float | None) -> None:
    """Wait for Ctrl-C (or SIGTERM); call ``reset`` when "reset" is typed, and every
    ``reset_every`` minutes if given."""
    stopped, reset_asked = threading.Event(), threading.Event()
    # Set both handlers explicitly: a process started in the background of a
    # script inherits an ignored SIGINT, and Ctrl-C would then do nothing.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopped.set())
    threading.Thread(target=_read_commands, args=(reset_asked,), daemon=True).start()

    period = reset_every * 60 if reset_every else None
    next_reset = time.monotonic() + period if period else None
    while not stopped.wait(0.2):
        if next_reset is not None and time.monotonic() >= next_reset:
            next_reset += period
            reset_asked.set()
        if reset_asked.is_set():
            reset_asked.clear()
            reset()


def _read_commands(reset_asked: threading.Event) -> None:
    """Lines typed into the terminal: "reset" asks for fresh data."""
    try:
        for line in sys.stdin:
            if line.strip().lower() in RESET_WORDS:
                reset_asked.set()
            elif line.strip():
                print('(type "reset" and Enter for fresh data, Ctrl-C to stop)', flush=True)
    except (OSError, ValueError):
        pass  # no terminal (started in the background): Ctrl-C and --reset-every still work


if __name__ == "__main__":
    sys.exit(main())
