"""The gRPC weather service: every method, status codes, streaming, deadlines, start/stop.

Also: the three RPC servers (XML-RPC, JSON-RPC, gRPC) tell the same facts.
"""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
import sys
import threading
import time
import xmlrpc.client

import grpc
import pytest
import requests
from waiting import QUICK, wait_until  # tests/waiting.py

from mock_servers import grpc as weather_grpc
from mock_servers import jsonrpc, runner, weather
from mock_servers import xmlrpc as weather_xmlrpc

pb = weather_grpc.weather_pb2
services = weather_grpc.weather_pb2_grpc
DAY = weather.DATES[0]
INTERVAL = 0.02
SLOW = 30.0  # seconds between readings of a slow server: longer than any test waits
FORECAST_FIELDS = list(weather.forecast("moscow", DAY))


@pytest.fixture
def server():
    with weather_grpc.start(interval=INTERVAL) as running:
        yield running


@pytest.fixture
def stub(server):
    with grpc.insecure_channel(server.url) as channel:
        yield services.WeatherStub(channel)


def as_dict(message, fields) -> dict:
    return {field: getattr(message, field) for field in fields}


def status_of(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


# --------------------------------------------------------------------------
# The contract and the generated code


def test_the_module_uses_the_real_grpc_library():
    assert weather_grpc.grpc is grpc
    assert hasattr(weather_grpc.grpc, "insecure_channel")


def test_the_proto_declares_weather_v1():
    service = pb.DESCRIPTOR.services_by_name["Weather"]
    assert service.full_name == "weather.v1.Weather"
    assert set(service.methods_by_name) == {
        "ListCities",
        "GetForecast",
        "GetWeek",
        "WatchWeather",
        "SaveObservation",
    }
    assert service.methods_by_name["WatchWeather"].server_streaming
    assert not service.methods_by_name["GetForecast"].server_streaming
    assert list(pb.Forecast.DESCRIPTOR.fields_by_name) == FORECAST_FIELDS


def test_the_generated_modules_are_importable_from_the_package():
    from mock_servers import weather_pb2, weather_pb2_grpc

    assert weather_pb2 is pb and weather_pb2_grpc is services
    assert weather_grpc.PROTO_FILE.is_file()
    assert "package weather.v1;" in weather_grpc.PROTO_FILE.read_text(encoding="utf-8")


def test_the_stubs_are_made_from_any_working_directory(tmp_path):
    root = pathlib.Path(weather_grpc.__file__).resolve().parent.parent
    code = (
        "from mock_servers import grpc as g; import grpc; "
        "s = g.start(); ch = grpc.insecure_channel(s.url); "
        "stub = g.weather_pb2_grpc.WeatherStub(ch); "
        "print(len(stub.ListCities(g.weather_pb2.ListCitiesRequest()).cities)); "
        "ch.close(); s.stop()"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(weather.CITIES))


# --------------------------------------------------------------------------
# Unary methods


def test_get_forecast_is_the_weather_fact(stub):
    forecast = stub.GetForecast(pb.GetForecastRequest(city="moscow", date=DAY))
    assert as_dict(forecast, FORECAST_FIELDS) == weather.forecast("moscow", DAY)


def test_list_cities(stub):
    cities = stub.ListCities(pb.ListCitiesRequest()).cities
    fields = list(weather.city("moscow"))
    assert [as_dict(city, fields) for city in cities] == weather.cities()


def test_get_week(stub):
    forecasts = stub.GetWeek(pb.GetWeekRequest(city="london")).forecasts
    assert [as_dict(day, FORECAST_FIELDS) for day in forecasts] == weather.week("london")


def test_save_observation_stores_it_in_the_servers_store(server, stub):
    request = pb.SaveObservationRequest(city="moscow", date=DAY, temperature=20.5)
    assert stub.SaveObservation(request).id == 1
    note = pb.SaveObservationRequest(
        city="kazan", date=weather.DATES[2], temperature=0, note="снег"
    )
    assert stub.SaveObservation(note).id == 2
    assert server.observations.list() == [
        {"id": 1, "city": "moscow", "date": DAY, "temperature": 20.5},
        {"id": 2, "city": "kazan", "date": weather.DATES[2], "temperature": 0, "note": "снег"},
    ]
    with weather_grpc.start() as other, grpc.insecure_channel(other.url) as channel:
        assert services.WeatherStub(channel).SaveObservation(request).id == 1
        assert len(other.observations) == 1


def test_a_full_store_is_resource_exhausted(server, stub):
    server.observations.limit = 0
    request = pb.SaveObservationRequest(city="moscow", date=DAY, temperature=20.5)
    error = status_of(lambda: stub.SaveObservation(request))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "stores 0 observations" in error.details()
    error = status_of(lambda: stub.SaveObservation(request, metadata=RU))
    assert error.details().startswith("На сервере уже 0 наблюдений")


FORECAST = pb.GetForecastRequest
SAVE = pb.SaveObservationRequest
NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("method", "request_message", "code", "words"),
    [
        ("GetForecast", FORECAST(city="atlantis", date=DAY), NOT_FOUND, "atlantis"),
        ("GetForecast", FORECAST(city="moscow", date="2026-07-01"), NOT_FOUND, "2026-06-07"),
        ("GetForecast", FORECAST(city="moscow", date="tomorrow"), INVALID, "YYYY-MM-DD"),
        ("GetForecast", FORECAST(city="moscow"), INVALID, "YYYY-MM-DD"),
        ("GetForecast", FORECAST(date=DAY), INVALID, "city is required"),
        ("GetWeek", pb.GetWeekRequest(city="atlantis"), NOT_FOUND, "known cities: moscow"),
        ("GetWeek", pb.GetWeekRequest(), INVALID, "city is required"),
        ("SaveObservation", SAVE(city="atlantis", date=DAY), NOT_FOUND, "atlantis"),
        ("SaveObservation", SAVE(date=DAY), INVALID, "city: required"),
        ("SaveObservation", SAVE(city="moscow"), INVALID, "date: required"),
        ("SaveObservation", SAVE(city="moscow", date="x"), INVALID, "date like 2026-06-01"),
        ("SaveObservation", SAVE(city="moscow", date="2025-01-01"), INVALID, "2026-06-07"),
        ("SaveObservation", SAVE(city="moscow", date=DAY, temperature=61), INVALID, "-90 and 60"),
        ("SaveObservation", SAVE(city="moscow", date=DAY, temperature=math.nan), INVALID, "-90"),
        ("SaveObservation", SAVE(city="moscow", date=DAY, note="x" * 501), INVALID, "500"),
    ],
)
def test_status_codes_with_details(stub, method, request_message, code, words):
    error = status_of(lambda: getattr(stub, method)(request_message))
    assert error.code() == code
    assert words in error.details()
    assert "Traceback" not in error.details()


def test_a_bug_is_internal_without_a_traceback(server, stub, monkeypatch):
    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(weather, "cities", broken)
    error = status_of(lambda: stub.ListCities(pb.ListCitiesRequest()))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in error.details()
    assert server.log.lines[-1] == "ListCities() → INTERNAL (RuntimeError: secret detail)"


def test_an_unknown_method_is_unimplemented(server):
    with grpc.insecure_channel(server.url) as channel:
        call = channel.unary_unary("/weather.v1.Weather/GetClimate")
        assert status_of(lambda: call(b"")).code() == grpc.StatusCode.UNIMPLEMENTED


def test_a_message_that_is_not_protobuf_is_refused(server):
    with grpc.insecure_channel(server.url) as channel:
        call = channel.unary_unary("/weather.v1.Weather/GetForecast")
        error = status_of(lambda: call(b"\xff\xff\xff"))
        assert error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)


def test_a_message_over_one_megabyte_is_refused(stub):
    request = pb.GetWeekRequest(city="x" * (weather_grpc.MAX_MESSAGE_BYTES + 1))
    assert status_of(lambda: stub.GetWeek(request)).code() == grpc.StatusCode.RESOURCE_EXHAUSTED


# --------------------------------------------------------------------------
# Server streaming


def test_watch_weather_streams_the_deterministic_updates(stub):
    started = time.perf_counter()
    updates = list(stub.WatchWeather(pb.WatchWeatherRequest(city="sochi", count=3)))
    elapsed = time.perf_counter() - started
    fields = ["city", "sequence", "temperature", "wind_speed_ms", "condition", "description"]
    expected = [update for _, update in zip(range(3), weather.updates("sochi"))]
    assert [as_dict(update, fields) for update in updates] == expected
    assert elapsed >= 2 * INTERVAL  # one interval between two readings


def test_watch_weather_sends_ten_when_count_is_not_set(stub):
    updates = list(stub.WatchWeather(pb.WatchWeatherRequest(city="moscow")))
    assert [update.sequence for update in updates] == list(range(1, 11))


@pytest.mark.parametrize(
    ("request_message", "code"),
    [
        (pb.WatchWeatherRequest(city="atlantis"), grpc.StatusCode.NOT_FOUND),
        (pb.WatchWeatherRequest(), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.WatchWeatherRequest(city="moscow", count=101), grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
def test_watch_weather_errors(stub, request_message, code):
    assert status_of(lambda: list(stub.WatchWeather(request_message))).code() == code


def test_a_tiny_deadline_on_the_stream_is_deadline_exceeded():
    # 5 s between readings: the client's deadline must not wait for the next one, and the
    # server's log line may (when the deadline passed before the call reached its handler,
    # the handler notices only at its next reading), which still comes within WAIT.
    interval = 5.0
    with weather_grpc.start(interval=interval) as slow, grpc.insecure_channel(slow.url) as channel:
        stream = services.WeatherStub(channel).WatchWeather(
            pb.WatchWeatherRequest(city="moscow", count=50), timeout=0.1
        )
        received = []
        started = time.perf_counter()
        error = status_of(lambda: received.extend(stream))
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.perf_counter() - started < interval - 0.5  # not after the next reading
        assert len(received) <= 1  # the first reading comes at once, the next after 5 s
        assert wait_until(lambda: "→ DEADLINE_EXCEEDED after" in repr(slow.log))


def test_cancelling_the_stream_ends_it_on_the_server(server, stub):
    stream = stub.WatchWeather(pb.WatchWeatherRequest(city="kazan", count=100))
    assert next(stream).sequence == 1
    stream.cancel()
    assert wait_until(lambda: "CANCELLED after" in repr(server.log))


class EndedCall:
    """The context of a call that ended before its handler ran: add_callback says False."""

    def add_callback(self, callback) -> bool:
        return False

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> float:
        return 0

    def invocation_metadata(self):
        return ()


def test_the_handler_of_an_ended_stream_sends_nothing_and_returns_at_once():
    # grpcio stops taking readings once a send fails, but the handler must not rely on it: a
    # reading taken would hold the worker until the next one (SLOW: 30 s).
    log = runner.RequestLog()
    service = weather_grpc.WeatherService(log, SLOW)
    readings = service.WatchWeather(pb.WatchWeatherRequest(city="moscow", count=5), EndedCall())
    finished = threading.Event()
    taken = []

    def take_all() -> None:
        taken.extend(readings)
        finished.set()

    threading.Thread(target=take_all, daemon=True).start()
    assert wait_until(finished.is_set, what="the handler to return")
    assert taken == []
    assert "→ DEADLINE_EXCEEDED after 0 of 5" in repr(log)


@pytest.mark.parametrize("how", ["cancel", "deadline"])
def test_a_stream_that_ended_before_its_first_reading_frees_its_worker_at_once(monkeypatch, how):
    # The call ends (the client cancels, or its deadline passes) after it reached the server
    # but before the handler asked to hear of its end: the handler must still stop at once,
    # not hold a worker until its next reading, 30 s later.
    entered = threading.Event()
    watch = weather_grpc.WeatherService.WatchWeather

    def after_the_call_ended(self, request, context):
        entered.set()
        ends = time.monotonic() + 10
        while context.is_active() and time.monotonic() < ends:
            time.sleep(0.01)
        yield from watch(self, request, context)

    monkeypatch.setattr(weather_grpc.WeatherService, "WatchWeather", after_the_call_ended)
    with weather_grpc.start(interval=SLOW) as slow, grpc.insecure_channel(slow.url) as channel:
        request = pb.WatchWeatherRequest(city="moscow", count=50)
        if how == "cancel":
            stream = services.WeatherStub(channel).WatchWeather(request)
            assert entered.wait(10)
            stream.cancel()
            outcome = "CANCELLED"
        else:
            stream = services.WeatherStub(channel).WatchWeather(request, timeout=0.5)
            assert status_of(lambda: list(stream)).code() == grpc.StatusCode.DEADLINE_EXCEEDED
            outcome = "DEADLINE_EXCEEDED"
        assert wait_until(lambda: f"→ {outcome} after 0 of 50" in repr(slow.log))


def test_stop_ends_a_running_stream_fast():
    running = weather_grpc.start(interval=SLOW)
    with grpc.insecure_channel(running.url) as channel:
        stream = services.WeatherStub(channel).WatchWeather(pb.WatchWeatherRequest(city="tokyo"))
        assert next(stream).sequence == 1
        started = time.perf_counter()
        running.stop()
        assert time.perf_counter() - started < QUICK  # not after the interval
        error = status_of(lambda: next(stream))
        assert error.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)


# --------------------------------------------------------------------------
# Error details in the caller's language


RU = (("accept-language", "ru-RU,ru;q=0.9,en;q=0.8"),)


def test_details_are_russian_when_the_metadata_prefers_russian(stub):
    error = status_of(lambda: stub.GetWeek(pb.GetWeekRequest(city="atlantis"), metadata=RU))
    assert error.code() == NOT_FOUND
    assert error.details().startswith("неизвестный город «atlantis»; известные города: moscow")
    stream = stub.WatchWeather(pb.WatchWeatherRequest(city="moscow", count=101), metadata=RU)
    error = status_of(lambda: list(stream))
    assert "число показаний (count) должно быть от 1 до 100" in error.details()


def test_every_message_has_both_languages_and_the_same_values():
    import string

    for name, texts in weather_grpc.MESSAGES.items():
        assert set(texts) == set(weather_grpc.LANGUAGES), name
        fields = [
            {field for _, field, _, _ in string.Formatter().parse(text) if field}
            for text in texts.values()
        ]
        assert fields[0] == fields[1], name
        assert not any("a" <= ch <= "z" for ch in texts["ru"].split("(")[0][:3]), name


def test_start_language_sets_the_default_and_metadata_still_wins():
    with weather_grpc.start(language="ru") as running, grpc.insecure_channel(running.url) as ch:
        stub = services.WeatherStub(ch)
        request = pb.GetForecastRequest(city="moscow", date="tomorrow")
        assert "не в виде ГГГГ-ММ-ДД" in status_of(lambda: stub.GetForecast(request)).details()
        english = (("accept-language", "en"),)
        details = status_of(lambda: stub.GetForecast(request, metadata=english)).details()
        assert details == "date 'tomorrow' is not in YYYY-MM-DD form, e.g. 2026-06-01"


def test_an_unknown_language_is_refused_at_start():
    with pytest.raises(ValueError, match="language"):
        weather_grpc.start(language="de")


# --------------------------------------------------------------------------
# Tools that know nothing of weather.proto: reflection and health


def test_reflection_lists_the_services_to_an_independent_client(server):
    from google.protobuf import descriptor_pool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    with grpc.insecure_channel(server.url) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert set(database.get_services()) == {
            "weather.v1.Weather",
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        }
        # A fresh pool, not the one this process generated: the server's own
        # description is enough to know the methods and their fields.
        pool = descriptor_pool.DescriptorPool(database)
        service = pool.FindServiceByName("weather.v1.Weather")
        assert set(service.methods_by_name) == set(
            pb.DESCRIPTOR.services_by_name["Weather"].methods_by_name
        )
        forecast = pool.FindMessageTypeByName("weather.v1.Forecast")
        assert [field.name for field in forecast.fields] == FORECAST_FIELDS


def test_the_standard_health_service_answers_serving(server):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(server.url) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "weather.v1.Weather"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        error = status_of(
            lambda: health.Check(health_pb2.HealthCheckRequest(service="weather.v2.Nope"))
        )
        assert error.code() == NOT_FOUND
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()


# --------------------------------------------------------------------------
# A shared room: streams cannot starve unary calls


def first_reading_when_a_slot_is_free(stub, request):
    """Open a stream, again while refused for lack of a slot (a slot is given
    back when the server has finished the call, just after the client knows)."""
    opened = []

    def attempt() -> bool:
        stream = stub.WatchWeather(request)
        try:
            opened.append((stream, next(stream)))
            return True
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            return False

    assert wait_until(attempt)
    return opened[-1]


def test_streams_beyond_the_bound_are_refused_and_unary_calls_still_answer(monkeypatch):
    monkeypatch.setattr(weather_grpc, "MAX_STREAMS", 2)
    monkeypatch.setattr(weather_grpc, "UNARY_WORKERS", 1)
    with weather_grpc.start(interval=5) as slow, grpc.insecure_channel(slow.url) as channel:
        stub = services.WeatherStub(channel)
        long_request = pb.WatchWeatherRequest(city="moscow", count=100)
        streams = [stub.WatchWeather(long_request) for _ in range(2)]
        assert [next(stream).sequence for stream in streams] == [1, 1]
        third = stub.WatchWeather(long_request, metadata=RU)
        error = status_of(lambda: next(third))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "не больше 2" in error.details()
        assert "WatchWeather → RESOURCE_EXHAUSTED (streams)" in slow.log.lines
        # The two streams hold two workers; the third worker answers unary calls.
        for _ in range(5):
            assert stub.ListCities(pb.ListCitiesRequest(), timeout=5).cities
        # A stream that ends gives its place back.
        streams[0].cancel()
        again, reading = first_reading_when_a_slot_is_free(stub, long_request)
        assert reading.sequence == 1
        for stream in (streams[1], again):
            stream.cancel()


def test_finished_and_failed_streams_give_their_slot_back(monkeypatch):
    monkeypatch.setattr(weather_grpc, "MAX_STREAMS", 1)
    with weather_grpc.start(interval=INTERVAL) as running:
        with grpc.insecure_channel(running.url) as channel:
            stub = services.WeatherStub(channel)
            one = pb.WatchWeatherRequest(city="moscow", count=1)
            for _ in range(5):
                stream, reading = first_reading_when_a_slot_is_free(stub, one)
                assert reading.sequence == 1 and list(stream) == []
                assert wait_until(lambda: "→ OK after 1 of 1" in repr(running.log))
                running.log.clear()
                error = status_of(lambda: list(stub.WatchWeather(pb.WatchWeatherRequest())))
                assert error.code() in (INVALID, grpc.StatusCode.RESOURCE_EXHAUSTED)


# --------------------------------------------------------------------------
# Starting and stopping


def mock_grpc_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("mock-grpc")]


def test_url_is_a_grpc_target_on_loopback(server):
    assert server.url == f"127.0.0.1:{server.port}"
    assert server.style == "grpc"


def test_start_and_stop_are_fast_and_leave_no_python_thread():
    started = time.perf_counter()
    running = weather_grpc.start()
    with grpc.insecure_channel(running.url) as channel:
        services.WeatherStub(channel).ListCities(pb.ListCitiesRequest())
        assert mock_grpc_threads()
        running.stop()
    assert time.perf_counter() - started < QUICK  # figures: benchmarks/rpc_servers.py
    assert not running.running
    assert wait_until(lambda: not mock_grpc_threads())


def test_stopped_server_frees_its_port():
    running = weather_grpc.start()
    running.stop()
    with runner.listen("127.0.0.1", running.port):
        pass


def test_the_same_explicit_port_twice_replaces_the_first_server():
    with runner.listen("127.0.0.1", 0) as probe:
        port = probe.getsockname()[1]
    first = weather_grpc.start(port=port)
    second = weather_grpc.start(port=port)
    assert not first.running and second.running
    second.stop()


def test_a_port_someone_else_listens_on_is_an_error():
    # grpc.so_reuseport = 0: without it, Linux would let both listen on one port.
    with runner.listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=str(port)):
            weather_grpc.start(port=port)
    assert not mock_grpc_threads()


def test_one_log_line_per_call(server, stub):
    stub.GetForecast(pb.GetForecastRequest(city="moscow", date=DAY))
    status_of(lambda: stub.GetWeek(pb.GetWeekRequest(city="atlantis")))
    list(stub.WatchWeather(pb.WatchWeatherRequest(city="moscow", count=2)))
    assert wait_until(lambda: len(server.log) == 3)
    assert server.log.lines == [
        'GetForecast(city: "moscow" date: "2026-06-01") → OK',
        'GetWeek(city: "atlantis") → NOT_FOUND',
        'WatchWeather(city: "moscow" count: 2) → OK after 2 of 2',
    ]


def test_the_server_never_prints(capsys, server, stub, monkeypatch):
    status_of(lambda: stub.GetWeek(pb.GetWeekRequest(city="atlantis")))
    monkeypatch.setattr(weather, "cities", lambda: 1 / 0)
    status_of(lambda: stub.ListCities(pb.ListCitiesRequest()))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --------------------------------------------------------------------------
# The three RPC servers agree


def test_the_three_rpc_servers_tell_the_same_facts():
    expected = weather.forecast("moscow", "2026-06-01")
    with (
        weather_xmlrpc.start() as xml_server,
        jsonrpc.start() as json_server,
        weather_grpc.start() as grpc_server,
    ):
        with xmlrpc.client.ServerProxy(xml_server.url) as proxy:
            from_xmlrpc = proxy.get_forecast("moscow", "2026-06-01")
        request = {"jsonrpc": "2.0", "method": "get_forecast", "id": 1}
        request["params"] = {"city": "moscow", "date": "2026-06-01"}
        from_jsonrpc = requests.post(json_server.url, json=request, timeout=5).json()["result"]
        with grpc.insecure_channel(grpc_server.url) as channel:
            message = services.WeatherStub(channel).GetForecast(
                pb.GetForecastRequest(city="moscow", date="2026-06-01")
            )
        from_grpc = as_dict(message, FORECAST_FIELDS)
    assert from_xmlrpc == from_jsonrpc == from_grpc == expected


def test_many_messages_that_are_not_protobuf_do_not_lock_a_connection(server, stub):
    # Found by the fuzzer: with a per-connection stream bound, grpcio kept each
    # failed call's stream counted, and the 101st call was refused.
    with grpc.insecure_channel(server.url) as channel:
        call = channel.unary_unary("/weather.v1.Weather/GetWeek")
        for _ in range(150):
            status_of(lambda: call(b"\xff\xff", timeout=5))
        good = services.WeatherStub(channel).ListCities(pb.ListCitiesRequest(), timeout=5)
        assert len(good.cities) == len(weather.CITIES)


def test_descriptions_follow_the_calls_language(stub):
    request = pb.GetForecastRequest(city="moscow", date=DAY)
    assert stub.GetForecast(request).description == "Clear sky"
    assert stub.GetForecast(request, metadata=RU).description == "Ясно"
    week = stub.GetWeek(pb.GetWeekRequest(city="moscow"), metadata=RU).forecasts
    assert [day.description for day in week] == [
        day["description"] for day in weather.week("moscow", "ru")
    ]
    stream = stub.WatchWeather(pb.WatchWeatherRequest(city="moscow", count=2), metadata=RU)
    assert [update.description for update in stream] == ["Ясно", "Переменная облачность"]
    with weather_grpc.start(language="ru") as running, grpc.insecure_channel(running.url) as ch:
        russian = services.WeatherStub(ch)
        assert russian.GetForecast(request).description == "Ясно"
        english = (("accept-language", "en"),)
        assert russian.GetForecast(request, metadata=english).description == "Clear sky"
