"""The JSON-RPC 2.0 weather service: the specification's examples, every method and error, HTTP."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from waiting import QUICK  # tests/waiting.py

from mock_servers import jsonrpc, weather

DAY = weather.DATES[0]
MOSCOW = weather.forecast("moscow", DAY)
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def server():
    with jsonrpc.start() as running:
        yield running


@pytest.fixture
def send(server):
    """send(text) -> requests.Response of POSTing the text as JSON."""

    def post(body, headers=JSON):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return requests.post(server.url, data=data, headers=headers, timeout=5)

    return post


@pytest.fixture
def call(send):
    """call(method, params) -> the parsed response of a request with id 1."""

    def rpc(method, params=None):
        request = {"jsonrpc": "2.0", "method": method, "id": 1}
        if params is not None:
            request["params"] = params
        response = send(request)
        assert response.status_code == 200
        body = response.json()
        assert ("result" in body) != ("error" in body)
        assert body["jsonrpc"] == "2.0" and body["id"] == 1
        return body

    return rpc


def unordered(responses):
    """A batch answer may come in any order; compare it as a sorted list."""
    return sorted(responses, key=lambda response: json.dumps(response, sort_keys=True))


# --------------------------------------------------------------------------
# The examples of https://www.jsonrpc.org/specification, section 7.
# Requests that name methods are mapped onto weather methods:
#   subtract → get_forecast, update / notify_hello / notify_sum → save_observation
#   (as notifications), sum and get_data → list_cities / get_week;
#   foobar and foo.get stay: they name methods that do not exist.

FORECAST_POSITIONAL = (
    '{"jsonrpc": "2.0", "method": "get_forecast", "params": ["moscow", "2026-06-01"]'
)
FORECAST_NAMED = (
    '{"jsonrpc": "2.0", "method": "get_forecast",'
    ' "params": {"date": "2026-06-01", "city": "moscow"}'
)
NOTIFY = '{"jsonrpc": "2.0", "method": "save_observation", "params": ["moscow", "2026-06-01", 21]}'
NOT_FOUND = {"code": -32601, "message": "Method not found"}
PARSE = {"code": -32700, "message": "Parse error"}
INVALID = {"code": -32600, "message": "Invalid Request"}


def without_data(response):
    """A response with the error's helpful (implementation-defined) data left out."""
    if isinstance(response, list):
        return [without_data(item) for item in response]
    if "error" in response:
        response = {
            **response,
            "error": {k: v for k, v in response["error"].items() if k != "data"},
        }
    return response


SPEC_EXAMPLES = [
    # rpc call with positional parameters (subtract [42, 23])
    (FORECAST_POSITIONAL + ', "id": 1}', {"jsonrpc": "2.0", "result": MOSCOW, "id": 1}),
    (FORECAST_POSITIONAL + ', "id": 2}', {"jsonrpc": "2.0", "result": MOSCOW, "id": 2}),
    # rpc call with named parameters (subtract {"subtrahend": 23, "minuend": 42})
    (FORECAST_NAMED + ', "id": 3}', {"jsonrpc": "2.0", "result": MOSCOW, "id": 3}),
    (FORECAST_NAMED + ', "id": 4}', {"jsonrpc": "2.0", "result": MOSCOW, "id": 4}),
    # a Notification (update [1,2,3,4,5])
    (NOTIFY, None),
    # a Notification of a method that does not exist: still no answer
    ('{"jsonrpc": "2.0", "method": "foobar"}', None),
    # rpc call of non-existent method
    (
        '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
        {"jsonrpc": "2.0", "error": NOT_FOUND, "id": "1"},
    ),
    # rpc call with invalid JSON (verbatim)
    (
        '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
        {"jsonrpc": "2.0", "error": PARSE, "id": None},
    ),
    # rpc call with invalid Request object (verbatim)
    (
        '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
        {"jsonrpc": "2.0", "error": INVALID, "id": None},
    ),
    # rpc call Batch, invalid JSON (verbatim)
    (
        '[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n'
        '  {"jsonrpc": "2.0", "method"\n]',
        {"jsonrpc": "2.0", "error": PARSE, "id": None},
    ),
    # rpc call with an empty Array (verbatim): one error object, not an array
    ("[]", {"jsonrpc": "2.0", "error": INVALID, "id": None}),
    # rpc call with an invalid Batch, but not empty (verbatim)
    ("[1]", [{"jsonrpc": "2.0", "error": INVALID, "id": None}]),
    # rpc call with invalid Batch (verbatim)
    ("[1,2,3]", [{"jsonrpc": "2.0", "error": INVALID, "id": None}] * 3),
    # rpc call Batch (sum, notify_hello, subtract, {"foo": "boo"}, foo.get, get_data)
    (
        "["
        '{"jsonrpc": "2.0", "method": "list_cities", "id": "1"},'
        + NOTIFY
        + ","
        + FORECAST_POSITIONAL
        + ', "id": "2"},'
        '{"foo": "boo"},'
        '{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},'
        '{"jsonrpc": "2.0", "method": "get_week", "params": ["moscow"], "id": "9"}'
        "]",
        [
            {"jsonrpc": "2.0", "result": weather.cities(), "id": "1"},
            {"jsonrpc": "2.0", "result": MOSCOW, "id": "2"},
            {"jsonrpc": "2.0", "error": INVALID, "id": None},
            {"jsonrpc": "2.0", "error": NOT_FOUND, "id": "5"},
            {"jsonrpc": "2.0", "result": weather.week("moscow"), "id": "9"},
        ],
    ),
    # rpc call Batch (all notifications: notify_sum, notify_hello)
    ("[" + NOTIFY + "," + NOTIFY + "]", None),
]


@pytest.mark.parametrize(("request_text", "expected"), SPEC_EXAMPLES)
def test_the_specification_examples(send, request_text, expected):
    response = send(request_text)
    if expected is None:
        assert response.status_code == 204
        assert response.content == b""
        assert "Content-Type" not in response.headers
        return
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    answer = without_data(response.json())
    if isinstance(expected, list):
        assert isinstance(answer, list)
        assert unordered(answer) == unordered(expected)
    else:
        assert answer == expected


def test_notifications_run_even_though_nothing_answers(send, call):
    assert send(NOTIFY).status_code == 204
    assert send("[" + NOTIFY + "," + NOTIFY + "]").status_code == 204
    assert call("save_observation", ["moscow", DAY, 20])["result"] == 4


def test_a_failing_notification_is_not_answered_but_logged(server, send):
    response = send({"jsonrpc": "2.0", "method": "get_forecast", "params": ["atlantis", DAY]})
    assert response.status_code == 204 and response.content == b""
    assert server.log.lines[-1] == (
        'get_forecast("atlantis", "2026-06-01") notification → error 1001, not sent'
    )


# --------------------------------------------------------------------------
# The weather methods


def test_get_forecast_positional_and_named(call):
    assert call("get_forecast", ["moscow", DAY])["result"] == MOSCOW
    assert call("get_forecast", {"city": "moscow", "date": DAY})["result"] == MOSCOW


def test_list_cities_and_get_week(call):
    assert call("list_cities")["result"] == weather.cities()
    assert call("list_cities", [])["result"] == weather.cities()
    assert call("get_week", ["sochi"])["result"] == weather.week("sochi")
    assert call("get_week", {"city": "sochi"})["result"] == weather.week("sochi")


def test_save_observation_counts_ids_per_server(call):
    assert call("save_observation", ["moscow", DAY, 20.5])["result"] == 1
    params = {"city": "kazan", "date": "2026-06-07", "temperature": -12, "note": "снег"}
    assert call("save_observation", params)["result"] == 2
    with jsonrpc.start() as other:
        request = {"jsonrpc": "2.0", "method": "save_observation", "id": 1}
        request["params"] = ["moscow", DAY, 1]
        assert requests.post(other.url, json=request, timeout=5).json()["result"] == 1


def test_unknown_city_is_an_application_error_with_helpful_data(call):
    error = call("get_forecast", ["atlantis", DAY])["error"]
    assert error["code"] == jsonrpc.UNKNOWN_CITY == 1001
    assert error["data"] == {"city": "atlantis", "known_cities": list(weather.CITIES)}
    assert call("get_week", ["atlantis"])["error"]["code"] == 1001
    assert call("save_observation", ["atlantis", DAY, 1])["error"]["code"] == 1001


def test_no_forecast_is_an_application_error_with_the_dates_there_are(call):
    error = call("get_forecast", ["moscow", "2026-07-01"])["error"]
    assert error["code"] == jsonrpc.NO_FORECAST == 1002
    assert error["data"]["dates"] == list(weather.DATES)
    # Application errors stay out of the range JSON-RPC 2.0 reserves.
    assert not -32768 <= error["code"] <= -32000


@pytest.mark.parametrize(
    ("method", "params", "words"),
    [
        ("get_forecast", ["moscow"], "missing a required argument: 'date'"),
        ("get_forecast", ["moscow", DAY, "extra"], "too many positional arguments"),
        ("get_forecast", {"city": "moscow", "day": DAY}, "date"),
        ("list_cities", ["moscow"], "too many positional arguments"),
        ("get_forecast", ["moscow", 20260601], "must be a string, not number"),
        ("get_forecast", [None, DAY], "must be a string, not null"),
        ("get_forecast", ["moscow", "tomorrow"], "YYYY-MM-DD"),
        ("get_forecast", ["moscow", "2026-02-30"], "YYYY-MM-DD"),
        ("get_week", [], "missing a required argument: 'city'"),
        ("save_observation", ["moscow", DAY, "21"], "must be a number, not string"),
        ("save_observation", ["moscow", DAY, True], "must be a number, not boolean"),
        ("save_observation", ["moscow", DAY, 99], "between -90 and 60"),
        ("save_observation", ["moscow", "2026-07-01", 1], "day of the week"),
        ("save_observation", ["moscow", DAY, 1, "x" * 501], "at most 500"),
        ("save_observation", ["moscow", DAY, 1, ["note"]], "must be a string, not array"),
    ],
)
def test_invalid_params(call, method, params, words):
    error = call(method, params)["error"]
    assert error["code"] == jsonrpc.INVALID_PARAMS == -32602
    assert error["message"] == "Invalid params"
    assert words in json.dumps(error["data"])


def test_wrong_arguments_show_the_signature(call):
    error = call("save_observation", {"city": "moscow"})["error"]
    assert error["data"] == {
        "message": "missing a required argument: 'date'",
        "signature": "save_observation(city, date, temperature, note='')",
    }


def test_method_not_found_lists_the_methods(call):
    error = call("forecast", ["moscow", DAY])["error"]
    assert error == {
        "code": -32601,
        "message": "Method not found",
        "data": {
            "method": "forecast",
            "known_methods": ["get_forecast", "list_cities", "get_week", "save_observation"],
        },
    }


def test_a_bug_is_an_internal_error(server, call, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(weather, "cities", broken)
    error = call("list_cities")["error"]
    assert error["code"] == jsonrpc.INTERNAL_ERROR == -32603
    assert "boom" not in json.dumps(error)  # the details stay in the server's log
    assert server.log.lines[-1] == "list_cities() id=1 → error -32603 (boom)"


# --------------------------------------------------------------------------
# Request objects: more invalid ones, and ids


@pytest.mark.parametrize(
    ("request_object", "echoed_id"),
    [
        ({"jsonrpc": "1.0", "method": "list_cities", "id": 7}, 7),
        ({"method": "list_cities", "id": "a"}, "a"),
        ({"jsonrpc": "2.0", "id": 8}, 8),
        ({"jsonrpc": "2.0", "method": "list_cities", "params": "x", "id": 9}, 9),
        ({"jsonrpc": "2.0", "method": "list_cities", "params": None, "id": 9}, 9),
        ({"jsonrpc": "2.0", "method": "list_cities", "id": {"n": 1}}, None),
        ({"jsonrpc": "2.0", "method": "list_cities", "id": True}, None),
        ({"jsonrpc": "2.0", "method": "list_cities", "params": 1}, None),
        ('"list_cities"', None),
        ("null", None),
    ],
)
def test_invalid_request_objects_echo_a_valid_id(send, request_object, echoed_id):
    body = send(request_object).json()
    assert body["error"]["code"] == -32600
    assert body["error"]["data"]  # says why
    assert body["id"] == echoed_id
    assert "result" not in body


@pytest.mark.parametrize("request_id", ["abc", 0, -5, 2.5, None, 10**20])
def test_ids_are_echoed_as_they_came(send, request_id):
    request = {"jsonrpc": "2.0", "method": "list_cities", "id": request_id}
    body = send(request).json()
    assert body["id"] == request_id
    assert body["result"] == weather.cities()


def test_a_batch_member_that_is_itself_an_array_is_invalid(send):
    answer = send([[{"jsonrpc": "2.0", "method": "list_cities", "id": 1}]]).json()
    assert without_data(answer) == [{"jsonrpc": "2.0", "error": INVALID, "id": None}]


@pytest.mark.parametrize(
    "body", ["", "   ", "{", "NaN", '{"jsonrpc": "2.0", "id": Infinity}', b"\xff\xfe{}"]
)
def test_parse_errors(send, body):
    answer = send(body).json()
    assert without_data(answer) == {"jsonrpc": "2.0", "error": PARSE, "id": None}


def test_hostile_json_is_answered_not_crashed_on(send):
    deep = send("[" * 100_000 + "]" * 100_000).json()
    assert deep["error"]["code"] == -32700
    huge_id = send('{"jsonrpc": "2.0", "method": "list_cities", "id": 1e400}')
    assert huge_id.json()["error"]["code"] == -32600  # an infinite id cannot be echoed
    request = '{"jsonrpc": "2.0", "method": "save_observation", "id": 2, '
    request += '"params": ["moscow", "2026-06-01", 1e400]}'
    answer = send(request).json()
    assert answer["error"]["data"]["value"] == "inf"
    assert "Infinity" not in json.dumps(answer)


def test_unicode_goes_through_as_utf8(send):
    request = {"jsonrpc": "2.0", "method": "list_cities", "id": "город"}
    response = send(json.dumps(request, ensure_ascii=False).encode())
    assert response.json()["id"] == "город"
    assert "Москва".encode() in response.content  # raw UTF-8, not \\u escapes


# --------------------------------------------------------------------------
# HTTP


def test_only_post_is_allowed(server):
    response = requests.get(server.url, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert "POST" in body["error"]["data"]


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "application/json-rpc"]
)
def test_json_content_types_are_accepted(send, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = send({"jsonrpc": "2.0", "method": "list_cities", "id": 1}, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_other_content_types_are_refused(send, content_type):
    response = send(
        '{"jsonrpc": "2.0", "method": "list_cities", "id": 1}', {"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]["data"]


def test_other_paths_are_not_found(server):
    response = requests.post(server.url.replace("/jsonrpc", "/rpc"), json={}, timeout=5)
    assert response.status_code == 404
    assert "/jsonrpc" in response.json()["error"]["data"]


def test_a_body_over_the_limit_is_refused(send, call):
    response = send("[" + " " * jsonrpc.MAX_REQUEST_BYTES + "]")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == -32600
    assert call("list_cities")["result"]  # the server goes on


# --------------------------------------------------------------------------
# Start, stop, log


def test_url_and_fast_start_stop_without_threads_left():
    started = time.perf_counter()
    server = jsonrpc.start()
    assert server.url == f"http://127.0.0.1:{server.port}/jsonrpc"
    response = requests.post(server.url, json={"jsonrpc": "2.0", "method": "list_cities", "id": 1})
    assert response.status_code == 200
    server.stop()
    assert time.perf_counter() - started < QUICK  # figures: benchmarks/rpc_servers.py
    assert not threads_named(f"mock-jsonrpc-{server.port}")


def test_one_log_line_per_call(server, send, call):
    call("get_forecast", {"city": "moscow", "date": DAY})
    send("[1, " + NOTIFY + "]")
    assert server.log.lines == [
        'get_forecast(city="moscow", date="2026-06-01") id=1 → result',
        "(invalid request) → error -32600",
        'save_observation("moscow", "2026-06-01", 21) notification → result, not sent',
    ]


def test_the_server_never_prints(capsys, send, call, monkeypatch):
    call("nope")
    send("{")
    monkeypatch.setattr(weather, "cities", lambda: 1 / 0)
    call("list_cities")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def threads_named(prefix: str) -> list[threading.Thread]:
    # stop() joins every connection thread, so none may be left the moment it returns.
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


# --------------------------------------------------------------------------
# Messages in the learner's language


RUSSIAN = {"Content-Type": "application/json", "Accept-Language": "ru-RU,ru;q=0.9"}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("{", jsonrpc.PARSE_ERROR, "Ошибка разбора"),
        ("[]", jsonrpc.INVALID_REQUEST, "Некорректный запрос"),
        (
            {"jsonrpc": "2.0", "method": "nope", "id": 1},
            jsonrpc.METHOD_NOT_FOUND,
            "Метод не найден",
        ),
        (
            {"jsonrpc": "2.0", "method": "get_week", "params": [], "id": 1},
            jsonrpc.INVALID_PARAMS,
            "Неверные параметры",
        ),
        (
            {"jsonrpc": "2.0", "method": "get_week", "params": ["atlantis"], "id": 1},
            jsonrpc.UNKNOWN_CITY,
            "Неизвестный город",
        ),
        (
            {
                "jsonrpc": "2.0",
                "method": "get_forecast",
                "params": ["moscow", "2026-07-01"],
                "id": 1,
            },
            jsonrpc.NO_FORECAST,
            "Прогноза на эту дату нет",
        ),
        (
            {
                "jsonrpc": "2.0",
                "method": "save_observation",
                "params": ["moscow", DAY, "x"],
                "id": 1,
            },
            jsonrpc.INVALID_PARAMS,
            "Неверные параметры",
        ),
    ],
)
def test_errors_in_russian_when_the_request_prefers_it(send, body, code, message):
    response = send(body, headers=RUSSIAN)
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (code, message)
    assert response.headers["Content-Language"] == "ru"
    data = error.get("data")
    if isinstance(data, dict) and "message" in data:
        assert not any("a" <= ch.lower() <= "z" for ch in data["message"].split("«")[0]), data
    english = send(body).json()["error"]
    assert english["code"] == code and english["message"] != message


def test_the_servers_default_language():
    with jsonrpc.start(language="ru") as server:
        request = {"jsonrpc": "2.0", "method": "nope", "id": 1}
        plain = requests.post(server.url, json=request, timeout=5).json()
        assert plain["error"]["message"] == "Метод не найден"
        asked = requests.post(
            server.url, json=request, headers={"Accept-Language": "en"}, timeout=5
        ).json()
        assert asked["error"]["message"] == "Method not found"
    with pytest.raises(ValueError):
        jsonrpc.start(language="fr")


def test_descriptions_in_the_language_the_request_prefers(send):
    def result(request, headers=JSON):
        return send({"jsonrpc": "2.0", "id": 1, **request}, headers=headers).json()["result"]

    forecast = {"method": "get_forecast", "params": ["moscow", DAY]}
    week = {"method": "get_week", "params": {"city": "sochi"}}
    assert result(forecast, RUSSIAN)["description"] == weather.description("clear", "ru")
    assert result(forecast)["description"] == MOSCOW["description"] == "Clear sky"
    assert [day["description"] for day in result(week, RUSSIAN)] == [
        day["description"] for day in weather.week("sochi", "ru")
    ]
    # In a batch, every answer follows the request's language.
    batch = [{"jsonrpc": "2.0", "id": n, **forecast} for n in (1, 2)]
    answers = send(batch, headers=RUSSIAN).json()
    assert {answer["result"]["description"] for answer in answers} == {"Ясно"}


def test_the_servers_language_describes_the_weather_too():
    with jsonrpc.start(language="ru") as server:
        request = {"jsonrpc": "2.0", "method": "get_week", "params": ["moscow"], "id": 1}
        week = requests.post(server.url, json=request, timeout=5).json()["result"]
        assert week[2]["description"] == "Дождь"
        asked = requests.post(
            server.url, json=request, headers={"Accept-Language": "en"}, timeout=5
        )
        assert asked.json()["result"][2]["description"] == "Rain"
