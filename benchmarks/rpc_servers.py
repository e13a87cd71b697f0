"""How fast the three RPC mock servers start, stop and answer, on 127.0.0.1.

    PYTHONPATH=. python benchmarks/rpc_servers.py

For each of XML-RPC, JSON-RPC and gRPC: the median time of start() + stop()
over 50 rounds, and the median round trip of one get_forecast call over 200
calls on one kept-open connection (after a few warm-up calls).
"""

from __future__ import annotations

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


if __name__ == "__main__":
    main()
