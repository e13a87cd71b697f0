"""Start, stop and round-trip times of the REST mock server.

    python benchmarks/rest_server.py

Prints the median of 50 starts and 50 stops, and the median of 200 GET
round trips with requests (a new connection each time, as the server closes
every connection after its response).
"""

from __future__ import annotations

import statistics
import time

import requests

from mock_servers import rest

RUNS = 50
CALLS = 200


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    starts, stops = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        server = rest.start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - began)

    with rest.start() as server:
        url = server.url + "/cities/moscow/forecast/2026-06-01"
        requests.get(url, timeout=5)  # warm up
        trips = []
        for _ in range(CALLS):
            began = time.perf_counter()
            requests.get(url, timeout=5).raise_for_status()
            trips.append(time.perf_counter() - began)

    print(f"REST server start, median of {RUNS}: {ms(statistics.median(starts))}")
    print(f"REST server stop,  median of {RUNS}: {ms(statistics.median(stops))}")
    print(f"REST server stop,  slowest of {RUNS}: {ms(max(stops))}")
    print(f"REST GET round trip, median of {CALLS}: {ms(statistics.median(trips))}")


if __name__ == "__main__":
    main()
