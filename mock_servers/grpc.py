"""The weather service over gRPC (grpcio).

gRPC is contract first: ``weather.proto`` (next to this file) declares the
service ``weather.v1.Weather``, its methods and its messages, and code for the
server and for clients in any language is generated from it.  Calls travel
over HTTP/2 as compact Protocol Buffers binary messages, not text.

===============  =================  ===============================================
method           kind               answers
===============  =================  ===============================================
ListCities       unary              ListCitiesResponse (repeated City)
GetForecast      unary              Forecast for (city, date)
GetWeek          unary              GetWeekResponse (the 7 Forecasts of a city)
WatchWeather     server streaming   WeatherUpdate readings, one every ``interval``
SaveObservation  unary              SaveObservationResponse (the new id)
===============  =================  ===============================================

A call that fails ends with a status code and a details text instead of a
response:

* ``INVALID_ARGUMENT`` -- a city missing, a date not in YYYY-MM-DD form, a
  count or temperature out of range;
* ``NOT_FOUND`` -- an unknown city, or no forecast for that date;
* ``DEADLINE_EXCEEDED`` -- the client's deadline passed (set on the client:
  ``stub.WatchWeather(request, timeout=2)``);
* ``CANCELLED`` -- the client gave up on the call.

A client needs the generated classes too; this module makes them from
``weather.proto`` when it is imported and exposes them::

    import grpc
    from mock_servers import grpc as weather_grpc

    pb, services = weather_grpc.weather_pb2, weather_grpc.weather_pb2_grpc
    server = weather_grpc.start()              # server.url is "127.0.0.1:PORT"
    with grpc.insecure_channel(server.url) as channel:
        stub = services.WeatherStub(channel)
        forecast = stub.GetForecast(pb.GetForecastRequest(city="moscow", date="2026-06-01"))

``PROTO_FILE`` is the path of weather.proto, to read it.  Use these classes
rather than generating your own from the same file in the same process: two
sets of classes for one proto package clash ("duplicate symbol 'weather.v1.City'").

The classes are generated at import time by grpc_tools' protoc rather than
kept as generated files in the package: generated code only runs with a
protobuf and grpcio at least as new as the generator's, so checked-in files
would break on an older installation, while code generated here always fits
the installed versions.  (``grpc.protos_and_services()`` does the same, but
finds the file through ``sys.path`` and needs every entry of it to be ASCII,
which a Windows home folder with a Cyrillic name is not.)
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import pathlib
import sys
import tempfile
import threading
from concurrent import futures

import grpc
from google.protobuf import text_format

from mock_servers import runner, weather

PROTO_FILE = pathlib.Path(__file__).resolve().with_name("weather.proto")
UPDATE_INTERVAL = 0.5  # seconds between two WatchWeather readings
DEFAULT_COUNT = 10  # readings a WatchWeather call gets when it does not say
MAX_COUNT = 100
MAX_MESSAGE_BYTES = 1024 * 1024
WORKERS = 4  # calls served at the same time; a running WatchWeather holds one


# --------------------------------------------------------------------------
# Generated classes


def _generate_modules():
    """Compile weather.proto into the modules ``<package>.weather_pb2`` and ``..._pb2_grpc``."""
    package = __package__ or "mock_servers"
    names = (f"{package}.weather_pb2", f"{package}.weather_pb2_grpc")
    if all(name in sys.modules for name in names):
        return tuple(sys.modules[name] for name in names)  # a reload: reuse them

    from grpc_tools import protoc

    package_dir = PROTO_FILE.parent
    # The proto is named by its path from the package's parent folder, so the
    # generated service module imports "from <package> import weather_pb2".
    proto = f"{package_dir.name}/weather.proto"
    with tempfile.TemporaryDirectory() as out:
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"--proto_path={package_dir.parent}",
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                proto,
            ]
        )
        if status != 0:
            raise ImportError(f"protoc could not compile {PROTO_FILE}")
        modules = []
        for name in names:
            path = pathlib.Path(out, package_dir.name, name.rpartition(".")[2] + ".py")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            setattr(sys.modules[package], name.rpartition(".")[2], module)
            modules.append(module)
    return tuple(modules)


weather_pb2, weather_pb2_grpc = _generate_modules()


# --------------------------------------------------------------------------
# The service


class Failure(Exception):
    """A call that ends with a gRPC status code other than OK."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


def describe(request) -> str:
    """A request as one short line of text, for the log."""
    text = text_format.MessageToString(request, as_one_line=True, as_utf8=True)
    return text if len(text) <= 70 else text[:67] + "..."


def unary(method):
    """Log a unary call in one line and turn a Failure into its status code."""

    @functools.wraps(method)
    def call(self, request, context):
        line = f"{method.__name__}({describe(request)})"
        try:
            response = method(self, request, context)
        except Failure as failure:
            self.log.record(f"{line} → {failure.code.name}")
            context.abort(failure.code, failure.details)
        except Exception as error:
            # A bug: answer INTERNAL instead of letting grpc log a traceback.
            self.log.record(f"{line} → INTERNAL ({type(error).__name__}: {error})")
            context.abort(grpc.StatusCode.INTERNAL, "a bug in the weather server; see its log")
        self.log.record(f"{line} → OK")
        return response

    return call


def known_city(city_id: str) -> dict:
    if not city_id:
        raise Failure(grpc.StatusCode.INVALID_ARGUMENT, "city is required, e.g. 'moscow'")
    try:
        return weather.city(city_id)
    except weather.UnknownCity:
        known = ", ".join(weather.CITIES)
        raise Failure(
            grpc.StatusCode.NOT_FOUND, f"unknown city {city_id!r}; known cities: {known}"
        ) from None


def valid_date(date: str) -> str:
    try:
        return weather.parse_date(date).isoformat()
    except ValueError:
        raise Failure(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"date {date!r} is not in YYYY-MM-DD form, e.g. {weather.DATES[0]}",
        ) from None


class WeatherService(weather_pb2_grpc.WeatherServicer):
    """The methods of weather.v1.Weather; one instance per server."""

    def __init__(self, log: runner.RequestLog, interval: float) -> None:
        self.log = log
        self.interval = interval
        self._observation_ids = itertools.count(1)
        self._lock = threading.Lock()

    @unary
    def ListCities(self, request, context):
        cities = [weather_pb2.City(**city) for city in weather.cities()]
        return weather_pb2.ListCitiesResponse(cities=cities)

    @unary
    def GetForecast(self, request, context):
        known_city(request.city)
        date = valid_date(request.date)
        try:
            return weather_pb2.Forecast(**weather.forecast(request.city, date))
        except weather.NoForecast:
            raise Failure(
                grpc.StatusCode.NOT_FOUND,
                f"no forecast for {request.city} on {date}; "
                f"forecasts cover {weather.DATES[0]} to {weather.DATES[-1]}",
            ) from None

    @unary
    def GetWeek(self, request, context):
        known_city(request.city)
        forecasts = [weather_pb2.Forecast(**day) for day in weather.week(request.city)]
        return weather_pb2.GetWeekResponse(forecasts=forecasts)

    @unary
    def SaveObservation(self, request, context):
        known_city(request.city)
        valid_date(request.date)
        if not -90 <= request.temperature <= 60:  # also false for NaN
            raise Failure(grpc.StatusCode.INVALID_ARGUMENT, "temperature must be -90 to 60 °C")
        if len(request.note) > 500:
            raise Failure(grpc.StatusCode.INVALID_ARGUMENT, "note must be at most 500 characters")
        with self._lock:
            return weather_pb2.SaveObservationResponse(id=next(self._observation_ids))

    def WatchWeather(self, request, context):
        line = f"WatchWeather({describe(request)})"
        try:
            known_city(request.city)
            count = request.count or DEFAULT_COUNT
            if count > MAX_COUNT:
                raise Failure(grpc.StatusCode.INVALID_ARGUMENT, f"count must be 1 to {MAX_COUNT}")
        except Failure as failure:
            self.log.record(f"{line} → {failure.code.name}")
            context.abort(failure.code, failure.details)

        # Set when the call ends for any reason (the client cancels, its
        # deadline passes, the server stops), so the wait below ends at once.
        ended = threading.Event()
        context.add_callback(ended.set)
        sent = 0
        try:
            for update in itertools.islice(weather.updates(request.city), count):
                if sent and ended.wait(self.interval):
                    break
                yield weather_pb2.WeatherUpdate(**update)
                sent += 1
        finally:
            if sent == count:
                outcome = "OK"
            elif context.time_remaining() == 0:
                outcome = "DEADLINE_EXCEEDED"
            else:
                outcome = "CANCELLED"
            self.log.record(f"{line} → {outcome} after {sent} of {count}")


# --------------------------------------------------------------------------
# Starting


class Backend(runner.GrpcBackend):
    """Also ends the worker threads, which a stopped grpc.Server leaves waiting."""

    def __init__(self, server: grpc.Server, executor: futures.ThreadPoolExecutor) -> None:
        super().__init__(server)
        self.executor = executor

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def start(
    host: str = "127.0.0.1", port: int = 0, *, interval: float = UPDATE_INTERVAL
) -> runner.RunningServer:
    """Start the gRPC weather service; ``.url`` is the target for ``grpc.insecure_channel``.

    ``interval`` is the time in seconds between two WatchWeather readings.
    """
    if port:
        runner.stop_servers_on(host, port)
    log = runner.RequestLog()
    executor = futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="mock-grpc-worker")
    server = grpc.server(
        executor,
        options=[
            # Without this, Linux lets two servers listen on one port.
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    weather_pb2_grpc.add_WeatherServicer_to_server(WeatherService(log, interval), server)
    address = f"{runner.format_host(host)}:{port}"
    try:
        actual_port = server.add_insecure_port(address)
    except RuntimeError:
        actual_port = 0  # newer grpcio raises, older ones return 0
    if not actual_port:
        server.stop(None)
        executor.shutdown(wait=False)
        raise OSError(f"cannot listen on {address}")
    server.start()
    url = f"{runner.format_host(host)}:{actual_port}"
    return runner.run(
        "grpc", Backend(server, executor), host=host, port=actual_port, url=url, log=log
    )
