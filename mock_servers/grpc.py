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
SaveObservation  unary              SaveObservationResponse (the id it is stored under)
===============  =================  ===============================================

A call that fails ends with a status code and a details text instead of a
response:

* ``INVALID_ARGUMENT`` -- a city missing, a date not in YYYY-MM-DD form, a
  count out of range, an observation that breaks the rules of
  ``mock_servers.observations`` (the same for every style);
* ``NOT_FOUND`` -- an unknown city, or no forecast for that date;
* ``DEADLINE_EXCEEDED`` -- the client's deadline passed (set on the client:
  ``stub.WatchWeather(request, timeout=2)``);
* ``CANCELLED`` -- the client gave up on the call;
* ``RESOURCE_EXHAUSTED`` -- a message over 1 MiB, too many streaming calls
  open at once (see "A shared room" below), or the store of observations full.

The details text, and a forecast's or an update's description, are in
English, or in Russian when the call's metadata ``accept-language`` prefers
Russian (``metadata=[("accept-language", "ru")]``, the same header and
q-values as HTTP's Accept-Language); ``start(language="ru")`` makes Russian
the default for calls that do not say.

Tools find their way in without the ``.proto``: the server offers server
reflection (``grpcurl -plaintext 127.0.0.1:PORT list``) and the standard
health service ``grpc.health.v1.Health`` (``Check`` answers ``SERVING``).

A shared room: a ``WatchWeather`` call holds a worker thread for up to 50 s,
so at most ``MAX_STREAMS`` streaming calls run at once (one more is refused
with ``RESOURCE_EXHAUSTED`` at once) and ``UNARY_WORKERS`` further workers are
always left for the short unary calls.  Threads are made only when needed, so
a single learner's server stays small.

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
(``mock_servers.grpc_proto`` says how they are made.)
"""

from __future__ import annotations

import functools
import itertools
import threading
from concurrent import futures

import grpc
from google.protobuf import text_format
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mock_servers import languages, observations, runner, spaces, weather
from mock_servers.grpc_proto import PROTO_FILE as PROTO_FILE  # re-exported for lessons
from mock_servers.grpc_proto import weather_pb2, weather_pb2_grpc

SERVICE_NAME = "weather.v1.Weather"
UPDATE_INTERVAL = 0.5  # seconds between two WatchWeather readings
DEFAULT_COUNT = 10  # readings a WatchWeather call gets when it does not say
MAX_COUNT = 100
MAX_MESSAGE_BYTES = 1024 * 1024

# Limits for a shared room.  Each streaming call holds a worker thread for its
# whole life; unary calls take milliseconds.  So streams get their own bound
# and the pool is larger by UNARY_WORKERS, which streams can never take.
MAX_STREAMS = 64  # streaming calls at once (WatchWeather, reflection)
UNARY_WORKERS = 8  # the pool has MAX_STREAMS + UNARY_WORKERS threads at most
MAX_CALLS = 512  # calls running or queued; grpc refuses more with RESOURCE_EXHAUSTED
# No per-connection bound (grpc.max_concurrent_streams): in grpcio 1.85 a call
# whose message does not deserialize keeps its HTTP/2 stream counted, so 100 bad
# messages would make a connection refuse every later call (found by
# tests/fuzzing_streams.py).  MAX_CALLS bounds the server as a whole instead.
IDLE_CONNECTION_MS = (
    10 * 60 * 1000
)  # an idle connection gets GOAWAY; channels reconnect by themselves
LANGUAGES = languages.LANGUAGES


# --------------------------------------------------------------------------
# Error texts, in the caller's language

MESSAGES = {
    "city_required": {
        "en": "city is required, e.g. 'moscow'",
        "ru": "не указан город (city), например «moscow»",
    },
    "unknown_city": {
        "en": "unknown city {city!r}; known cities: {known}",
        "ru": "неизвестный город «{city}»; известные города: {known}",
    },
    "bad_date": {
        "en": "date {date!r} is not in YYYY-MM-DD form, e.g. {example}",
        "ru": "дата «{date}» не в виде ГГГГ-ММ-ДД (YYYY-MM-DD), например {example}",
    },
    "no_forecast": {
        "en": "no forecast for {city} on {date}; forecasts cover {first} to {last}",
        "ru": "нет прогноза для {city} на {date}; прогнозы есть с {first} по {last}",
    },
    "count": {
        "en": "count must be 1 to {most}",
        "ru": "число показаний (count) должно быть от 1 до {most}",
    },
    "too_many_streams": {
        "en": "too many streaming calls at once (at most {most}); try again in a few seconds",
        "ru": "слишком много потоковых вызовов (streaming calls) сразу (не больше {most}); "
        "повторите через несколько секунд",
    },
    "bug": {
        "en": "a bug in the weather server; see its log",
        "ru": "ошибка в самом сервере погоды; подробности в его журнале",
    },
}


def language_of(context, default: str) -> str:
    """The language a call asks for in its ``accept-language`` metadata."""
    for key, value in context.invocation_metadata() or ():
        if key == "accept-language":
            return languages.pick(value, default)
    return default


# --------------------------------------------------------------------------
# The service


class Failure(Exception):
    """A call that ends with a gRPC status code other than OK.

    ``message`` names a text of ``MESSAGES``; ``values`` fill it in.  Or
    ``text`` gives the details in a language (``observations.Error.message``).
    """

    def __init__(self, code: grpc.StatusCode, message: str = "", *, text=None, **values) -> None:
        self.code = code
        self.message = message
        self.values = values
        self.text = text
        super().__init__(self.details("en"))

    def details(self, language: str) -> str:
        if self.text is not None:
            return self.text(language)
        return MESSAGES[self.message][language].format(**self.values)


def observation_failure(error: observations.Error) -> Failure:
    """The status code for what the observation rules or the store refused."""
    if isinstance(error, observations.Full):
        return Failure(grpc.StatusCode.RESOURCE_EXHAUSTED, text=error.message)
    if isinstance(error, observations.Invalid) and error.code == "unknown-city":
        # As for every other method: a city nobody knows is NOT_FOUND.
        return Failure(grpc.StatusCode.NOT_FOUND, text=error.message)
    return Failure(grpc.StatusCode.INVALID_ARGUMENT, text=error.message)


def describe(request) -> str:
    """A request as one short line of text, for the log.

    text_format escapes control characters, so a request cannot write escape
    sequences to the terminal of an instructor who follows the log.
    """
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
            context.abort(failure.code, failure.details(language_of(context, self.language)))
        except Exception as error:
            # A bug: answer INTERNAL instead of letting grpc log a traceback.
            self.log.record(f"{line} → INTERNAL ({type(error).__name__}: {error})")
            details = MESSAGES["bug"][language_of(context, self.language)]
            context.abort(grpc.StatusCode.INTERNAL, details)
        self.log.record(f"{line} → OK")
        return response

    return call


def known_city(city_id: str) -> dict:
    if not city_id:
        raise Failure(grpc.StatusCode.INVALID_ARGUMENT, "city_required")
    try:
        return weather.city(city_id)
    except weather.UnknownCity:
        known = ", ".join(weather.CITIES)
        raise Failure(
            grpc.StatusCode.NOT_FOUND, "unknown_city", city=city_id, known=known
        ) from None


def valid_date(date: str) -> str:
    try:
        return weather.parse_date(date).isoformat()
    except ValueError:
        raise Failure(
            grpc.StatusCode.INVALID_ARGUMENT, "bad_date", date=date, example=weather.DATES[0]
        ) from None


class WeatherService(weather_pb2_grpc.WeatherServicer):
    """The methods of weather.v1.Weather; one instance per server, with its observations."""

    def __init__(
        self,
        log: runner.RequestLog,
        interval: float,
        language: str = "en",
        store: observations.Store | None = None,
    ) -> None:
        self.log = log
        self.interval = interval
        self.language = language
        self.observations = store if store is not None else observations.Store()

    @unary
    def ListCities(self, request, context):
        cities = [weather_pb2.City(**city) for city in weather.cities()]
        return weather_pb2.ListCitiesResponse(cities=cities)

    @unary
    def GetForecast(self, request, context):
        known_city(request.city)
        date = valid_date(request.date)
        try:
            language = language_of(context, self.language)
            return weather_pb2.Forecast(**weather.forecast(request.city, date, language))
        except weather.NoForecast:
            raise Failure(
                grpc.StatusCode.NOT_FOUND,
                "no_forecast",
                city=request.city,
                date=date,
                first=weather.DATES[0],
                last=weather.DATES[-1],
            ) from None

    @unary
    def GetWeek(self, request, context):
        known_city(request.city)
        week = weather.week(request.city, language_of(context, self.language))
        forecasts = [weather_pb2.Forecast(**day) for day in week]
        return weather_pb2.GetWeekResponse(forecasts=forecasts)

    @unary
    def SaveObservation(self, request, context):
        """Store the observation in this server's ``observations.Store`` (the
        rules every style shares); answer its id."""
        # proto3 cannot tell an empty string from a field not sent: both mean
        # "missing" here.  An unset temperature is 0.0, a valid reading.
        fields = {
            "city": request.city or None,
            "date": request.date or None,
            "temperature": request.temperature,
            "note": request.note or None,
        }
        try:
            saved = self.observations.add(observations.validate(fields))
        except observations.Error as error:
            raise observation_failure(error) from None
        return weather_pb2.SaveObservationResponse(id=saved["id"])

    def WatchWeather(self, request, context):
        line = f"WatchWeather({describe(request)})"
        try:
            known_city(request.city)
            count = request.count or DEFAULT_COUNT
            if count > MAX_COUNT:
                raise Failure(grpc.StatusCode.INVALID_ARGUMENT, "count", most=MAX_COUNT)
        except Failure as failure:
            self.log.record(f"{line} → {failure.code.name}")
            context.abort(failure.code, failure.details(language_of(context, self.language)))

        # Set when the call ends for any reason (the client cancels, its
        # deadline passes, the server stops), so the wait below ends at once.
        ended = threading.Event()
        if not context.add_callback(ended.set):
            ended.set()  # it ended before it reached this handler: free the worker now
        sent = 0
        try:
            readings = weather.updates(request.city, language_of(context, self.language))
            for update in itertools.islice(readings, count):
                if ended.wait(self.interval if sent else 0):
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
# A bound on streaming calls


class StreamLimit(grpc.ServerInterceptor):
    """Refuse a streaming call with RESOURCE_EXHAUSTED while ``most`` are running.

    A running stream holds a worker thread; the bound keeps the pool's last
    ``UNARY_WORKERS`` threads free for unary calls.  The health service's Watch
    is left out: it holds no thread (grpcio-health-checking answers it without
    blocking).
    """

    UNBOUNDED = {"/grpc.health.v1.Health/Watch"}

    def __init__(self, most: int, log: runner.RequestLog, language: str) -> None:
        self.most = most
        self.log = log
        self.language = language
        self._slots = threading.BoundedSemaphore(most)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler_call_details.method in self.UNBOUNDED:
            return handler
        if handler.unary_stream is not None:
            behavior = self._bounded(handler.unary_stream, handler_call_details.method)
            return grpc.unary_stream_rpc_method_handler(
                behavior, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_stream is not None:
            behavior = self._bounded(handler.stream_stream, handler_call_details.method)
            return grpc.stream_stream_rpc_method_handler(
                behavior, handler.request_deserializer, handler.response_serializer
            )
        return handler

    def _bounded(self, behavior, method: str):
        def call(request, context):
            if not self._slots.acquire(blocking=False):
                self.log.record(f"{method.rsplit('/', 1)[-1]} → RESOURCE_EXHAUSTED (streams)")
                details = MESSAGES["too_many_streams"][language_of(context, self.language)]
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, details.format(most=self.most))
            released = threading.Lock()

            def release() -> None:
                # Called once when the call ends, however it ends.
                if released.acquire(blocking=False):
                    self._slots.release()

            if not context.add_callback(release):
                release()  # the call already ended
            return behavior(request, context)

        return call


# --------------------------------------------------------------------------
# Starting


class Backend:
    """A started ``grpc.Server``: gRPC runs its own threads, this one only waits.

    Stopping also ends the worker threads, which a stopped grpc.Server leaves
    waiting, and tells health watchers NOT_SERVING first.
    """

    def __init__(
        self,
        server: grpc.Server,
        executor: futures.ThreadPoolExecutor,
        health_servicer: health.HealthServicer,
    ) -> None:
        self.server = server
        self.executor = executor
        self.health = health_servicer

    def serve_forever(self) -> None:
        self.server.wait_for_termination()

    def shutdown(self) -> None:
        self.health.enter_graceful_shutdown()
        # grace=0 cancels calls in flight; wait() returns once all is closed.
        self.server.stop(grace=0).wait(runner.STOP_TIMEOUT)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    interval: float = UPDATE_INTERVAL,
    language: str = "en",
    own: bool = False,
) -> runner.RunningServer:
    """Start the gRPC weather service; ``.url`` is the target for ``grpc.insecure_channel``.

    ``interval`` is the time in seconds between two WatchWeather readings.
    ``language`` ("en" or "ru") is the language of error details for calls
    whose ``accept-language`` metadata does not choose one.
    ``server.observations`` is the ``observations.Store`` SaveObservation fills.

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``; it has no learners' spaces: the
    lessons only read over gRPC); ``own=True`` always starts one here.
    """
    languages.checked(language)
    shared = spaces.room_server("grpc", language, host, port, own)
    if shared is not None:
        return shared

    store = observations.Store()

    def bind(host: str, port: int, log: runner.RequestLog) -> tuple[Backend, int]:
        executor = futures.ThreadPoolExecutor(
            MAX_STREAMS + UNARY_WORKERS, thread_name_prefix="mock-grpc-worker"
        )
        server = grpc.server(
            executor,
            interceptors=[StreamLimit(MAX_STREAMS, log, language)],
            maximum_concurrent_rpcs=MAX_CALLS,
            options=[
                # Without this, Linux lets two servers listen on one port.
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_connection_idle_ms", IDLE_CONNECTION_MS),
            ],
        )
        weather_pb2_grpc.add_WeatherServicer_to_server(
            WeatherService(log, interval, language, store), server
        )
        health_servicer = health.HealthServicer()
        for name in ("", SERVICE_NAME):  # "" is the whole server
            health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        address = runner.address(host, port, scheme="")
        try:
            actual_port = server.add_insecure_port(address)
        except RuntimeError:
            actual_port = 0  # newer grpcio raises, older ones return 0
        if not actual_port:
            server.stop(None)
            executor.shutdown(wait=False)
            raise OSError(f"cannot listen on {address}")
        server.start()
        return Backend(server, executor, health_servicer), actual_port

    running = runner.start("grpc", host, port, bind, scheme="")
    running.observations = store  # what SaveObservation stored
    return running
