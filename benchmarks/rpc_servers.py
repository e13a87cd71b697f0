"""How fast the three RPC mock servers start, stop and answer, on 127.0.0.1.

    PYTHONPATH=. python benchmarks/rpc_servers.py

For each of XML-RPC, JSON-RPC and gRPC: the median time of start() + stop()
over 50 rounds, and the median round trip of one get_forecast call over 200
calls on one kept-open connection (after a few warm-up calls).

Then gRPC in a shared room: the median and slowest GetForecast while
``MAX_STREAMS`` WatchWeather streams hold their workers, and what happens to
the streams asked for beyond them (refused at once with RESOURCE_EXHAUSTED).
"""

from __future__ import annotations

import time
import xmlrpc.client

import grpc
import requests
from timing import call_times, median, start_stop_times

from mock_servers import grpc as weather_grpc
from mock_servers import jsonrpc
from mock_servers import xmlrpc as weather_xmlrpc

STARTS = 50
CALLS = 200
WARM_UP = 10


def median_ms(samples: list[float]) -> float:
    return median(samples) * 1000


def time_start_stop(module) -> list[float]:
    starts, stops = start_stop_times(module.start, STARTS)
    return [start + stop for start, stop in zip(starts, stops)]


def time_calls(call) -> list[float]:
    return call_times(call, CALLS, WARM_UP)


def xmlrpc_round_trips() -> list[float]:
    with weather_xmlrpc.start() as server, xmlrpc.client.ServerProxy(server.url) as proxy:
        return time_calls(lambda: proxy.get_forecast("moscow", "2026-06-01"))


def jsonrpc_round_trips() -> list[float]:
    request = {
        "jsonrpc": "2.0",
        "method": "get_forecast",
        "params": ["moscow", "2026-06-01"],
        "id": 1,
    }
    with jsonrpc.start() as server, requests.Session() as session:
        return time_calls(lambda: session.post(server.url, json=request, timeout=5).json())


def grpc_round_trips() -> list[float]:
    pb = weather_grpc.weather_pb2
    request = pb.GetForecastRequest(city="moscow", date="2026-06-01")
    with weather_grpc.start() as server, grpc.insecure_channel(server.url) as channel:
        stub = weather_grpc.weather_pb2_grpc.WeatherStub(channel)
        return time_calls(lambda: stub.GetForecast(request))


def grpc_unary_while_streams_run() -> tuple[float, float, int, float]:
    """GetForecast times with every stream slot taken; refusals and how fast they come."""
    pb, services = weather_grpc.weather_pb2, weather_grpc.weather_pb2_grpc
    request = pb.GetForecastRequest(city="moscow", date="2026-06-01")
    watch = pb.WatchWeatherRequest(city="sochi", count=100)
    with weather_grpc.start(interval=5) as server, grpc.insecure_channel(server.url) as channel:
        stub = services.WeatherStub(channel)
        streams = [stub.WatchWeather(watch) for _ in range(weather_grpc.MAX_STREAMS)]
        for stream in streams:
            next(stream)  # each now holds a worker for 5 s
        times = call_times(lambda: stub.GetForecast(request, timeout=5), CALLS, WARM_UP)
        refused, refusal_times = 0, []
        for _ in range(10):
            extra = stub.WatchWeather(watch, timeout=5)
            began = time.perf_counter()
            try:
                next(extra)
            except grpc.RpcError as error:
                refused += error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            refusal_times.append(time.perf_counter() - began)
        for stream in streams:
            stream.cancel()
    return median(times) * 1000, max(times) * 1000, refused, median(refusal_times) * 1000


def main() -> None:
    rows = [
        ("XML-RPC", weather_xmlrpc, xmlrpc_round_trips),
        ("JSON-RPC", jsonrpc, jsonrpc_round_trips),
        ("gRPC", weather_grpc, grpc_round_trips),
    ]
    print(f"{'server':<10}{'start+stop, median':>22}{'get_forecast, median':>24}")
    for name, module, round_trips in rows:
        start_stop = median_ms(time_start_stop(module))
        call = median_ms(round_trips())
        print(f"{name:<10}{start_stop:>19.2f} ms{call:>21.3f} ms")
    print(f"({STARTS} starts and stops, {CALLS} calls each, 127.0.0.1)")
    middle, slowest, refused, refusal = grpc_unary_while_streams_run()
    print(
        f"gRPC with {weather_grpc.MAX_STREAMS} WatchWeather streams running: GetForecast "
        f"median {middle:.3f} ms, slowest {slowest:.3f} ms; "
        f"{refused} of 10 more streams refused (RESOURCE_EXHAUSTED) in {refusal:.3f} ms"
    )


if __name__ == "__main__":
    main()
