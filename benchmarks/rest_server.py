"""Start, stop and round-trip times of the REST mock server.

    python benchmarks/rest_server.py

Prints the median of 50 starts and 50 stops, and the median of 200 GET
round trips with requests (a new connection each time, as the server closes
every connection after its response).
"""

from __future__ import annotations

import requests
from timing import call_times, median, ms, start_stop_times

from mock_servers import rest

RUNS = 50
CALLS = 200


def main() -> None:
    starts, stops = start_stop_times(rest.start, RUNS)
    with rest.start() as server:
        url = server.url + "/cities/moscow/forecast/2026-06-01"
        trips = call_times(lambda: requests.get(url, timeout=5).raise_for_status(), CALLS)

    print(f"REST server start, median of {RUNS}: {ms(median(starts))}")
    print(f"REST server stop,  median of {RUNS}: {ms(median(stops))}")
    print(f"REST server stop,  slowest of {RUNS}: {ms(max(stops))}")
    print(f"REST GET round trip, median of {CALLS}: {ms(median(trips))}")


if __name__ == "__main__":
    main()
