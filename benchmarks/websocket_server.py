"""Start, stop, round-trip and push figures of the WebSocket mock server.

    python benchmarks/websocket_server.py

Prints the median of 50 starts and 50 stops; the median of 200 request/reply
round trips on one connection (the server's 100-messages-a-second limit is
switched off for this, or it would hang up); how many updates a second the
server pushes to 10 clients that each subscribe to every city with a 1 ms
push interval, for 2 seconds; and how long a stop takes while a client that
never reads is connected.  Clients and server share one process, as they do
in a notebook.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import websocket
from timing import call_times, ms, start_stop_times

from mock_servers import weather, websocket_server

RUNS = 50
CALLS = 200
PUSH_CLIENTS = 10
PUSH_INTERVAL = 0.001
PUSH_SECONDS = 2.0


def start_and_stop() -> tuple[float, float]:
    starts, stops = start_stop_times(websocket_server.start, RUNS)
    return statistics.median(starts), statistics.median(stops)


def round_trip() -> float:
    with websocket_server.start(max_rate=None) as server:
        ws = websocket.create_connection(server.url, timeout=5)
        request = json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"})

        def ask() -> None:
            ws.send(request)
            ws.recv()

        times = call_times(ask, CALLS, warm_up=0)
        ws.close()
    return statistics.median(times)


def pushes_per_second() -> tuple[float, int]:
    """Updates per second received by all clients together, and the slowest client's count."""
    counts = [0] * PUSH_CLIENTS
    with websocket_server.start(push_interval=PUSH_INTERVAL) as server:
        clients = [websocket.create_connection(server.url, timeout=5) for _ in range(PUSH_CLIENTS)]
        for ws in clients:
            for city in weather.CITIES:
                ws.send(json.dumps({"type": "subscribe", "city": city}))
        stop_at = time.monotonic() + PUSH_SECONDS

        def read(number: int, ws) -> None:
            while time.monotonic() < stop_at:
                if json.loads(ws.recv())["type"] == "update":
                    counts[number] += 1

        began = time.monotonic()
        readers = [
            threading.Thread(target=read, args=(number, ws)) for number, ws in enumerate(clients)
        ]
        for thread in readers:
            thread.start()
        for thread in readers:
            thread.join()
        elapsed = time.monotonic() - began
        for ws in clients:
            ws.close()
    return sum(counts) / elapsed, min(counts)


def stop_with_a_silent_client() -> float:
    times = []
    for _ in range(5):
        server = websocket_server.start(push_interval=0.01)
        ws = websocket.create_connection(server.url, timeout=5)
        ws.send(json.dumps({"type": "subscribe", "city": "moscow"}))
        time.sleep(0.1)
        began = time.perf_counter()
        server.stop()
        times.append(time.perf_counter() - began)
        ws.sock.close()
    return statistics.median(times)


def row(label: str, value: str) -> None:
    print(f"{label:<58} {value}")


def main() -> None:
    start, stop = start_and_stop()
    row(f"start (median of {RUNS})", ms(start))
    row(f"stop (median of {RUNS})", ms(stop))
    row(f"round trip (median of {CALLS}, one connection)", ms(round_trip()))
    rate, slowest = pushes_per_second()
    row(
        f"pushed to {PUSH_CLIENTS} clients x {len(weather.CITIES)} cities, "
        f"{PUSH_INTERVAL * 1000:g} ms interval, {PUSH_SECONDS:g} s",
        f"{rate:,.0f} updates/s (slowest client {slowest / PUSH_SECONDS:,.0f}/s)",
    )
    row("stop with a client that does not read (median of 5)", ms(stop_with_a_silent_client()))


if __name__ == "__main__":
    main()
