"""Start, stop, round-trip and push figures of the WebSocket mock server.

    python benchmarks/websocket_server.py

Prints the median of 50 starts and 50 stops; the median of 200 request/reply
round trips on one connection (the server's 100-messages-a-second limit is
switched off for this, or it would hang up); how many updates a second the
server pushes to 10 clients that each subscribe to every city with a 1 ms
push interval, for 2 seconds; and how long a stop takes while a client that
never reads is connected.  Then a room's worth of idle connections: the
threads and memory they cost, the CPU the server spends on them while nobody
talks, and a round trip while they are held.  Clients and server share one
process, as they do in a notebook.
"""

from __future__ import annotations

import json
import resource
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


IDLE_CONNECTIONS = 300
IDLE_SECONDS = 5.0


def rss_mib() -> float:
    """This process's resident memory now, from /proc (Linux), else its peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def idle_connections() -> dict[str, str]:
    """What IDLE_CONNECTIONS connections that say nothing cost the server."""
    with websocket_server.start(max_rate=None) as server:
        threads_before, rss_before = threading.active_count(), rss_mib()
        clients = [
            websocket.create_connection(server.url, timeout=5) for _ in range(IDLE_CONNECTIONS)
        ]
        time.sleep(0.5)
        threads = (threading.active_count() - threads_before) / IDLE_CONNECTIONS
        rss = rss_mib() - rss_before
        cpu_before = time.process_time()
        time.sleep(IDLE_SECONDS)
        cpu = (time.process_time() - cpu_before) / IDLE_SECONDS
        ws = clients[0]
        request = json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"})

        def ask() -> None:
            ws.send(request)
            ws.recv()

        trip = statistics.median(call_times(ask, CALLS, warm_up=10))
        for client in clients:
            client.close()
    return {
        "threads per connection": f"{threads:.1f}",
        "memory for all of them": f"{rss:.1f} MiB",
        f"CPU while all are idle ({IDLE_SECONDS:g} s)": f"{cpu * 100:.1f} % of one core",
        "round trip while they are held (median)": ms(trip),
    }


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
    for label, value in idle_connections().items():
        row(f"{IDLE_CONNECTIONS} idle connections: {label}", value)


if __name__ == "__main__":
    main()
