"""How fast the SOAP mock server starts, stops and answers a zeep call.

Run from the repository root:

    PYTHONPATH=. python benchmarks/soap_server.py

Everything stays on 127.0.0.1; the loops are bounded.
"""

from __future__ import annotations

import statistics

import zeep
from timing import call_times, ms, start_stop_times

from mock_servers import soap, weather

STARTS = 50
CALLS = 200


def round_trips() -> list[float]:
    with soap.start() as server:
        client = zeep.Client(server.url + "?wsdl")
        dates = iter(weather.DATES * CALLS)
        return call_times(lambda: client.service.GetForecast("moscow", next(dates)), CALLS)


def main() -> None:
    starts, stops = start_stop_times(soap.start, STARTS)
    times = round_trips()
    print(f"SOAP server start, median of {STARTS}: {ms(statistics.median(starts))}")
    print(f"SOAP server stop, median of {STARTS}:  {ms(statistics.median(stops))}")
    print(
        f"zeep GetForecast round trip, median of {CALLS}: "
        f"{ms(statistics.median(times))} "
        f"(90th percentile {ms(statistics.quantiles(times, n=10)[-1])})"
    )


if __name__ == "__main__":
    main()
