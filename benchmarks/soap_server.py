"""How fast the SOAP mock server starts, stops and answers a zeep call.

Run from the repository root:

    PYTHONPATH=. python benchmarks/soap_server.py

Everything stays on 127.0.0.1; the loops are bounded.
"""

from __future__ import annotations

import statistics
import time

import zeep

from mock_servers import soap, weather

STARTS = 50
CALLS = 200


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def start_and_stop() -> tuple[list[float], list[float]]:
    starts, stops = [], []
    for _ in range(STARTS):
        began = time.perf_counter()
        server = soap.start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - began)
    return starts, stops


def round_trips() -> list[float]:
    with soap.start() as server:
        client = zeep.Client(server.url + "?wsdl")
        client.service.GetForecast("moscow", "2026-06-01")  # warm up
        times = []
        for n in range(CALLS):
            date = weather.DATES[n % len(weather.DATES)]
            began = time.perf_counter()
            client.service.GetForecast("moscow", date)
            times.append(time.perf_counter() - began)
    return times


def main() -> None:
    starts, stops = start_and_stop()
    times = round_trips()
    print(f"SOAP server start, median of {STARTS}: {milliseconds(statistics.median(starts))}")
    print(f"SOAP server stop, median of {STARTS}:  {milliseconds(statistics.median(stops))}")
    print(
        f"zeep GetForecast round trip, median of {CALLS}: "
        f"{milliseconds(statistics.median(times))} "
        f"(90th percentile {milliseconds(statistics.quantiles(times, n=10)[-1])})"
    )


if __name__ == "__main__":
    main()
