"""Run one mock server in the foreground, for a workshop, curl or Postman.

    python -m mock_servers rest --port 8000
    python -m mock_servers soap --host 0.0.0.0 --port 8001   # reachable from other machines

Ctrl-C stops it.  Every request is printed as it arrives.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import signal
import sys
import threading

STYLES = {
    "rest": "mock_servers.rest",
    "soap": "mock_servers.soap",
    "xmlrpc": "mock_servers.xmlrpc",
    "jsonrpc": "mock_servers.jsonrpc",
    "grpc": "mock_servers.grpc",
    "websocket": "mock_servers.websocket_server",
}


def available_styles() -> list[str]:
    return [name for name, module in STYLES.items() if importlib.util.find_spec(module)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mock_servers",
        description="Run a mock weather server until Ctrl-C.",
    )
    parser.add_argument("style", choices=available_styles(), help="which API style to serve")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 opens it to the network, so use it on a trusted network only)",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--quiet", action="store_true", help="do not print each request")
    args = parser.parse_args(argv)

    module = importlib.import_module(STYLES[args.style])
    try:
        server = module.start(host=args.host, port=args.port)
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        server.log.echo = lambda line: print(line, flush=True)
    print(f"{args.style} weather server at {server.url}  (Ctrl-C to stop)", flush=True)

    stopped = threading.Event()
    # Set both handlers explicitly: a process started in the background of a
    # script inherits an ignored SIGINT, and Ctrl-C would then do nothing.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopped.set())
    while not stopped.wait(0.2):
        pass
    server.stop()
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
