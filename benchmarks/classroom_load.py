"""A room against shared servers: one server of each style, a room of learners,
hundreds of idle connections, on this machine only.

    python benchmarks/classroom_load.py                      # 60 learners, 60 s, 500 idle
    python benchmarks/classroom_load.py --learners 20 --seconds 20

Each server runs as the teacher would run it, ``python -m mock_servers STYLE
--quiet``, in a process of its own (so its memory is its own).  Learner ``i``
does what lesson ``01 + i % 4`` does, call after call, with a pause of 0.5 to
1.5 s between calls (a person running cells; seeded, so every run is alike):

* 01 REST: cities, one city, a forecast and the same forecast again with
  If-None-Match (304), then an observation created, read back and deleted
  (a city and day of the learner's own, so learners never collide);
* 02 SOAP: ListCities, GetForecast, GetWeek (the envelopes zeep sends,
  posted with requests so the client's own work does not hide the server's);
* 03 RPC: XML-RPC, JSON-RPC and gRPC calls of the same functions;
* 04 WebSocket: one connection that subscribes to a city and asks for
  forecasts while the updates arrive; a question's time is until its reply.

Meanwhile ``--idle`` TCP connections that never send a byte are held open,
spread over the servers; one closed by a server (its idle timeout) is opened
again.  The script prints per style the calls, errors, p50 and p99 latency,
and each server's memory (RSS) before the load, after the warm-up (the first
minute, or the first third of a shorter run) and at the end.  Goal: 0 errors,
p99 under 100 ms for every request/response style, memory within 10 % from
warm-up to end.  Every connection goes to 127.0.0.1; the run stops by itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections import defaultdict
from collections.abc import Callable

import grpc as grpc_library
import psutil
import requests
from websockets.sync.client import connect

from mock_servers import grpc, weather

STYLES = ("rest", "soap", "xmlrpc", "jsonrpc", "grpc", "websocket")
LESSONS = ("01 REST", "02 SOAP", "03 RPC", "04 WebSocket")
HOST = "127.0.0.1"
TIMEOUT = 10.0  # seconds a call may take before it counts as an error
API_KEY = "learner-key"
DATE = weather.DATES[1]
SOAP_NS = "urn:weather-course:weather"


# --------------------------------------------------------------------------
# Servers, each in its own process


class Server:
    def __init__(self, style: str) -> None:
        self.style = style
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_servers", style, "--host", HOST, "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self.process.stdout.readline()
        if " at " not in first:
            self.process.kill()
            raise RuntimeError(f"{style} did not start: {first!r} {self.process.stderr.read()}")
        self.url = first.split(" at ", 1)[1].split()[0]
        self.port = int(self.url.split("://")[-1].split("/")[0].rsplit(":", 1)[1])
        # Its later lines (none with --quiet) must not fill the pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.memory = psutil.Process(self.process.pid)

    def rss(self) -> int:
        return self.memory.memory_info().rss

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --------------------------------------------------------------------------
# What a learner does


class Record:
    """Every call's time, and every error, per style."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def call(self, style: str, action: Callable[[], None]) -> None:
        began = time.perf_counter()
        try:
            action()
        except Exception as error:  # every failure is a figure here
            with self.lock:
                self.errors[style].append(f"{type(error).__name__}: {error}"[:200])
            return
        with self.lock:
            self.times[style].append(time.perf_counter() - began)


def expect(response: requests.Response, status: int) -> requests.Response:
    if response.status_code != status:
        raise AssertionError(f"{response.request.method} {response.url} → {response.status_code}")
    return response


def rest_calls(url: str, city: str, date: str) -> list[tuple[str, Callable[[], None]]]:
    session = requests.Session()
    state = {}

    def forecast():
        answer = expect(session.get(f"{url}/cities/{city}/forecast/{DATE}", timeout=TIMEOUT), 200)
        state["etag"] = answer.headers["ETag"]

    def forecast_again():
        headers = {"If-None-Match": state.get("etag", '"none"')}
        session.get(f"{url}/cities/{city}/forecast/{DATE}", headers=headers, timeout=TIMEOUT)

    def create():
        new = {"city": city, "date": date, "temperature": 21.5, "note": "benchmark"}
        headers = {"X-API-Key": API_KEY}
        answer = session.post(f"{url}/observations", json=new, headers=headers, timeout=TIMEOUT)
        state["location"] = expect(answer, 201).headers["Location"]

    def read_back():
        expect(session.get(_absolute(url, state["location"]), timeout=TIMEOUT), 200)

    def delete():
        headers = {"X-API-Key": API_KEY}
        location = _absolute(url, state.pop("location"))
        expect(session.delete(location, headers=headers, timeout=TIMEOUT), 204)

    return [
        ("rest", lambda: expect(session.get(f"{url}/cities", timeout=TIMEOUT), 200)),
        ("rest", lambda: expect(session.get(f"{url}/cities/{city}", timeout=TIMEOUT), 200)),
        ("rest", forecast),
        ("rest", forecast_again),
        ("rest", create),
        ("rest", read_back),
        ("rest", delete),
    ]


def _absolute(url: str, location: str) -> str:
    return location if "://" in location else url + location


def soap_envelope(operation: str, **fields: str) -> str:
    inner = "".join(f"<w:{name}>{value}</w:{name}>" for name, value in fields.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns:w="{SOAP_NS}"><soap:Body><w:{operation}>{inner}</w:{operation}>'
        "</soap:Body></soap:Envelope>"
    )


def soap_calls(url: str, city: str) -> list[tuple[str, Callable[[], None]]]:
    session = requests.Session()

    def call(operation: str, **fields: str) -> Callable[[], None]:
        body = soap_envelope(operation, **fields).encode()
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{SOAP_NS}/{operation}"',
        }
        return lambda: expect(session.post(url, data=body, headers=headers, timeout=TIMEOUT), 200)

    return [
        ("soap", lambda: expect(session.get(url + "?wsdl", timeout=TIMEOUT), 200)),
        ("soap", call("ListCities")),
        ("soap", call("GetForecast", city=city, date=DATE)),
        ("soap", call("GetWeek", city=city)),
    ]


def rpc_calls(urls: dict[str, str], city: str) -> list[tuple[str, Callable[[], None]]]:
    proxy = xmlrpc.client.ServerProxy(urls["xmlrpc"])
    session = requests.Session()
    channel = grpc_library.insecure_channel(urls["grpc"])
    stub = grpc.weather_pb2_grpc.WeatherStub(channel)

    def jsonrpc(method: str, params: dict) -> Callable[[], None]:
        def call():
            message = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
            answer = expect(session.post(urls["jsonrpc"], json=message, timeout=TIMEOUT), 200)
            if "result" not in answer.json():
                raise AssertionError(f"JSON-RPC {method}: {answer.json()}")

        return call

    return [
        ("xmlrpc", lambda: proxy.list_cities()),
        ("xmlrpc", lambda: proxy.get_forecast(city, DATE)),
        ("jsonrpc", jsonrpc("list_cities", {})),
        ("jsonrpc", jsonrpc("get_forecast", {"city": city, "date": DATE})),
        ("grpc", lambda: stub.ListCities(grpc.weather_pb2.ListCitiesRequest(), timeout=TIMEOUT)),
        (
            "grpc",
            lambda: stub.GetForecast(
                grpc.weather_pb2.GetForecastRequest(city=city, date=DATE), timeout=TIMEOUT
            ),
        ),
        ("grpc", lambda: stub.GetWeek(grpc.weather_pb2.GetWeekRequest(city=city), timeout=TIMEOUT)),
    ]


class WebSocketLearner:
    """One connection for the whole lesson: subscribed, asking now and then."""

    def __init__(self, url: str, city: str) -> None:
        self._connection = connect(url, open_timeout=TIMEOUT)
        self.client = self._connection.__enter__()  # open for the whole lesson
        self.city = city
        self.ids = itertools.count(1)
        self.updates = 0
        self._ask("subscribe", city=city)

    def _ask(self, kind: str, **fields) -> dict:
        request_id = next(self.ids)
        self.client.send(json.dumps({"type": kind, "id": request_id, **fields}))
        while True:
            message = json.loads(self.client.recv(timeout=TIMEOUT))
            if message.get("type") == "update":
                self.updates += 1
            elif message.get("id") == request_id:
                if message.get("type") == "error":
                    raise AssertionError(f"WebSocket {kind}: {message}")
                return message

    def calls(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("websocket", lambda: self._ask("forecast", city=self.city, date=DATE)),
            ("websocket", lambda: self._ask("week", city=self.city)),
        ]

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


def learner(
    number: int, urls: dict[str, str], record: Record, ends: float, seed: int, totals: dict
) -> None:
    rng = random.Random(seed + number)
    cities = list(weather.CITIES)
    lesson = number % 4
    # Each REST learner writes a city and day of its own: (moscow, first day) is the seed's.
    pairs = [(c, d) for c in cities for d in weather.DATES][1:]
    city, date = pairs[(number // 4) % len(pairs)]
    closer: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if lesson == 0:
            calls = rest_calls(urls["rest"], city, date)
        elif lesson == 1:
            calls = soap_calls(urls["soap"], city)
        elif lesson == 2:
            calls = rpc_calls(urls, city)
        else:
            socket_learner = WebSocketLearner(urls["websocket"], city)
            calls, closer = socket_learner.calls(), socket_learner.close
    except Exception as error:
        record.errors[LESSONS[lesson]].append(f"could not begin: {error}")
        return
    try:
        for style, action in itertools.cycle(calls):
            if time.monotonic() >= ends:
                break
            record.call(style, action)
            time.sleep(rng.uniform(0.5, 1.5))
    finally:
        if lesson == 3:
            with record.lock:
                totals["updates"] += socket_learner.updates
        closer()


# --------------------------------------------------------------------------
# Idle connections


def hold_idle(servers: list[Server], count: int, ends: float, totals: dict) -> None:
    """Keep ``count`` silent connections open until ``ends``; reopen what a server closes."""
    selector = selectors.DefaultSelector()

    def open_one(index: int) -> None:
        server = servers[index % len(servers)]
        try:
            sock = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        except OSError:
            totals["idle_failed"] += 1
            return
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, index)

    for index in range(count):
        open_one(index)
    totals["idle_open"] = len(selector.get_map())
    while time.monotonic() < ends:
        for key, _events in selector.select(timeout=0.5):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed by the server: open another in its place
                selector.unregister(key.fileobj)
                key.fileobj.close()
                totals["idle_reopened"] += 1
                totals[f"closed by {servers[key.data % len(servers)].style}"] += 1
                open_one(key.data)
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    selector.close()


# --------------------------------------------------------------------------
# The run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def raise_open_files_limit(needed: int) -> None:
    try:
        import resource
    except ImportError:
        return  # Windows: no such limit to raise
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--idle", type=int, default=500, help="silent connections held open")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not (0 < args.learners <= 200 and 0 < args.seconds <= 600 and 0 <= args.idle <= 1000):
        parser.error("bounded: 1-200 learners, up to 600 s, up to 1000 idle connections")
    raise_open_files_limit(args.idle + 10 * args.learners + 100)

    servers = [Server(style) for style in STYLES]
    urls = {server.style: server.url for server in servers}
    record = Record()
    totals = defaultdict(int)
    try:
        time.sleep(1.0)  # let every server settle before the first measure
        before = {server.style: server.rss() for server in servers}
        began = time.monotonic()
        ends = began + args.seconds
        warm_at = began + min(60.0, args.seconds / 3)
        holder = threading.Thread(target=hold_idle, args=(servers, args.idle, ends, totals))
        holder.start()
        learners = [
            threading.Thread(
                target=learner, args=(n, urls, record, ends, args.seed, totals), daemon=True
            )
            for n in range(args.learners)
        ]
        for thread in learners:
            thread.start()
            time.sleep(0.02)  # a room does not press Enter in the same millisecond
        time.sleep(max(0.0, warm_at - time.monotonic()))
        warm = {server.style: server.rss() for server in servers}
        for thread in learners:
            thread.join(args.seconds + 2 * TIMEOUT)
        holder.join(TIMEOUT)
        end = {server.style: server.rss() for server in servers}
    finally:
        for server in servers:
            server.stop()

    report(args, record, totals, before, warm, end)
    return 0


def report(args, record: Record, totals: dict, before: dict, warm: dict, end: dict) -> None:
    mb = 1024 * 1024
    print(
        f"{args.learners} learners for {args.seconds:g} s, {args.idle} idle connections "
        f"({totals['idle_open']} opened, {totals['idle_reopened']} reopened after a server "
        f"closed them, {totals['idle_failed']} failed); {totals['updates']} WebSocket updates"
    )
    closed = [f"{key[10:]} {value}" for key, value in totals.items() if key.startswith("closed by")]
    if closed:
        print("  idle connections closed by the servers: " + ", ".join(sorted(closed)))
    print(
        f"{'style':<10} {'calls':>6} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'RSS before':>11} {'warm':>7} {'end':>7} {'growth':>7}"
    )
    worst_p99, errors, worst_growth = 0.0, 0, 0.0
    for style in STYLES:
        times = record.times.get(style, [])
        failed = len(record.errors.get(style, []))
        errors += failed
        growth = end[style] / warm[style] - 1
        worst_growth = max(worst_growth, growth)
        if times:
            p50, p99, most = (
                statistics.median(times) * 1000,
                percentile(times, 0.99) * 1000,
                max(times) * 1000,
            )
            worst_p99 = max(worst_p99, p99)
            figures = f"{p50:7.1f} {p99:7.1f} {most:7.1f}"
        else:
            figures = f"{'-':>7} {'-':>7} {'-':>7}"
        print(
            f"{style:<10} {len(times):>6} {failed:>6} {figures}"
            f" {before[style] / mb:9.1f}MB {warm[style] / mb:5.1f}MB {end[style] / mb:5.1f}MB"
            f" {growth:+7.1%}"
        )
    for where, messages in record.errors.items():
        if where not in STYLES:
            errors += len(messages)
        for message in messages[:3]:
            print(f"  error ({where}): {message}")

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"goal 0 errors: {errors} ({mark(errors == 0)})")
    print(f"goal p99 under 100 ms: worst {worst_p99:.1f} ms ({mark(worst_p99 < 100)})")
    print(
        f"goal memory within 10 % from warm-up to end: worst {worst_growth:+.1%} "
        f"({mark(worst_growth <= 0.10)})"
    )


if __name__ == "__main__":
    sys.exit(main())
