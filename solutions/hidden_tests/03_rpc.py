"""Hidden tests of homework 03 (RPC), for 03_rpc_en and 03_rpc_ru.

XML-RPC and JSON-RPC calls go to the judge's servers through the judge's taps, so the checks read
the calls, ids and notifications that crossed the wire.  Where a check needs data or behaviour the
course servers do not have (a week with two equally warm days, a batch answered in another order,
a stream slow enough to pass any deadline), it starts a small server of its own, here in the judge
process, out of the learner's reach.
"""

import http.server
import json
import xmlrpc.client
import xmlrpc.server

import requests
from grading.hidden import LearnerError, check, fail
from grading.hidden_helpers import (
    expect_equal,
    http_posts,
    learner_call,
    learner_global,
    serving,
)

from mock_servers import grpc as weather_grpc
from mock_servers import weather

SERVERS = ("xmlrpc", "jsonrpc", "grpc")


def setup(ctx):
    ctx.learner.run(
        f"weather = xmlrpc.client.ServerProxy({ctx.url('xmlrpc')!r})\n"
        f"channel = grpc.insecure_channel({ctx.url('grpc')!r})\n"
        "stub = weather_pb2_grpc.WeatherStub(channel)\n"
    )


# --------------------------------------------------------------------------
# Helpers


def posted(ctx, style):
    """The bodies of the HTTP POST requests recorded on a tap since its last clear()."""
    return [message.payload for message in http_posts(ctx.tap(style))]


def xmlrpc_methods(bodies):
    names = []
    for body in bodies:
        try:
            names.append(xmlrpc.client.loads(body)[1])
        except Exception:
            names.append("(not XML-RPC)")
    return names


# --------------------------------------------------------------------------
# Task 1: a remote call


def expected_warmest(week):
    warmest = max(week, key=lambda day: day["temp_max"])  # max keeps the first of equals
    return [warmest["date"], warmest["temp_max"]]


@check(task=1, points=1, en="The warmest day and its high", ru="Самый тёплый день и его максимум")
def warmest(ctx):
    for city in ("tokyo", "kazan", "saint-petersburg"):
        expected = expected_warmest(weather.week(city))
        answer = learner_call(ctx, "warmest_day", city)
        call = f"warmest_day({city!r})"
        expect_equal(answer, expected, call, call, shown=tuple(expected))


@check(task=1, points=1, en="One remote call, get_week", ru="Один удалённый вызов, get_week")
def one_call(ctx):
    ctx.tap("xmlrpc").clear()
    learner_call(ctx, "warmest_day", "sochi")
    methods = xmlrpc_methods(posted(ctx, "xmlrpc"))
    if methods != ["get_week"]:
        fail(
            en=f"warmest_day('sochi') should make one call, get_week; the server got {methods}",
            ru=f"warmest_day('sochi') должна сделать один вызов, get_week; "
            f"сервер получил {methods}",
        )


@check(
    task=1,
    points=1,
    en="Of equally warm days, the first",
    ru="Из одинаково тёплых дней — первый",
)
def first_of_equal_days(ctx):
    week = [dict(day) for day in weather.week("moscow")]
    for day, high in zip(week, [20, 24, 27, 22, 27, 19, 27]):
        day["temp_max"] = high
    expected = expected_warmest(week)  # 3 June, the first of three days with 27 °C

    server = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
    server.register_function(lambda city: week, "get_week")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with serving(server), learner_global(ctx, "weather", f"xmlrpc.client.ServerProxy({url!r})"):
        try:
            answer = ctx.learner.call("warmest_day", "moscow")
        except LearnerError as error:
            answer = f"{error.type}: {error.message}"
    if answer != expected:
        highs = [day["temp_max"] for day in week]
        fail(
            en=f"A week with the highs {highs}: expected the first warmest day "
            f"{tuple(expected)}, got {answer!r}",
            ru=f"Неделя с максимумами {highs}: ожидался первый самый тёплый день "
            f"{tuple(expected)}, получено {answer!r}",
        )


# --------------------------------------------------------------------------
# Task 2: a fault


def expect_codes(ctx, cases):
    for city, date, expected in cases:
        try:
            answer, kind = ctx.learner.eval(
                f"(lambda r: [r, type(r).__name__])(fault_code({city!r}, {date!r}))"
            )
        except LearnerError as error:
            answer, kind = f"{error.type}: {error.message}", "exception"
        if answer != expected or (expected is not None and kind != "int"):
            fail(
                en=f"fault_code({city!r}, {date!r}): expected {expected!r}, "
                f"got {answer!r} ({kind})",
                ru=f"fault_code({city!r}, {date!r}): ожидалось {expected!r}, "
                f"получено {answer!r} ({kind})",
            )


@check(task=2, points=1, en="None when the call succeeds", ru="None, если вызов удался")
def no_fault(ctx):
    expect_codes(ctx, [("kazan", "2026-06-07", None)])


@check(task=2, points=1, en="404 for what does not exist", ru="404 для того, чего нет")
def not_found_codes(ctx):
    expect_codes(ctx, [("nowhere", "2026-06-03", 404), ("moscow", "2026-07-01", 404)])


@check(task=2, points=1, en="400 for bad parameters", ru="400 для неверных параметров")
def bad_parameter_codes(ctx):
    expect_codes(ctx, [("moscow", "1 June", 400), ("moscow", 20260601, 400)])


# --------------------------------------------------------------------------
# Task 3: a JSON-RPC batch


def batches(ctx):
    """The JSON bodies POSTed to the JSON-RPC server since the tap's last clear()."""
    found = []
    for body in posted(ctx, "jsonrpc"):
        try:
            found.append(json.loads(body))
        except ValueError:
            found.append(None)
    return found


def batch_call(ctx, city, dates, observed, url=None):
    ctx.tap("jsonrpc").clear()
    answer = learner_call(ctx, "forecast_batch", url or ctx.url("jsonrpc"), city, dates, observed)
    return answer, batches(ctx)


def the_batch(sent):
    """The one batch the learner sent; fails the check if it was not exactly one array."""
    if len(sent) != 1 or not isinstance(sent[0], list):
        fail(
            en=f"Expected one POST whose body is a JSON array (a batch); the server got {sent}",
            ru=f"Ожидался один POST с массивом JSON (пакетом) в теле; сервер получил {sent}",
        )
    return [call for call in sent[0] if isinstance(call, dict)]


def forecast_calls(batch):
    return [call for call in batch if call.get("method") == "get_forecast"]


@check(
    task=3,
    points=1,
    en="One HTTP request: a batch with a get_forecast call for each date",
    ru="Один HTTP-запрос: пакет с вызовом get_forecast на каждую дату",
)
def one_batch(ctx):
    dates = ["2026-06-02", "2026-06-04", "2026-06-06"]
    _, sent = batch_call(ctx, "kazan", dates, 18.0)
    calls = forecast_calls(the_batch(sent))
    params = [call.get("params") for call in calls]
    wanted = [["kazan", date] for date in dates]
    by_name = [{"city": "kazan", "date": date} for date in dates]
    if sorted(map(json.dumps, params)) not in (
        sorted(map(json.dumps, wanted)),
        sorted(map(json.dumps, by_name)),
    ) or not all("id" in call for call in calls):
        fail(
            en=f"Expected a get_forecast call with an id for each of {dates}; "
            f"the batch held {calls}",
            ru=f"Ожидался вызов get_forecast с id на каждую из дат {dates}; в пакете {calls}",
        )


@check(
    task=3,
    points=1,
    en="Results and error objects in the order of the dates",
    ru="Результаты и объекты ошибок в порядке дат",
)
def results_in_order(ctx):
    dates = ["2026-06-03", "2026-07-01", "2026-06-05", "3 June"]
    answer, _ = batch_call(ctx, "sochi", dates, 24.5)
    if not isinstance(answer, list) or len(answer) != len(dates):
        fail(
            en=f"Four dates: expected a list of four items, got {answer!r}",
            ru=f"Четыре даты: ожидался список из четырёх элементов, получено {answer!r}",
        )
    expected = truth(ctx, "sochi", dates)
    if answer != expected:
        fail(
            en=f"Sochi, {dates}: expected the forecasts of 3 and 5 June and the error objects "
            f"of 1 July (no forecast) and '3 June' (not a date), in that order: {expected}, "
            f"got {answer!r}",
            ru=f"Сочи, {dates}: ожидались прогнозы на 3 и 5 июня и объекты ошибок для 1 июля "
            f"(прогноза нет) и '3 June' (не дата), в этом порядке: {expected}, "
            f"получено {answer!r}",
        )


def truth(ctx, city, dates):
    """What the judge's server answers for these dates: each result or error object."""
    batch = [
        {"jsonrpc": "2.0", "method": "get_forecast", "params": [city, date], "id": number}
        for number, date in enumerate(dates)
    ]
    answers = requests.post(ctx.server("jsonrpc").url, json=batch, timeout=10).json()
    by_id = {answer["id"]: answer for answer in answers}
    return [by_id[n].get("result", by_id[n].get("error")) for n in range(len(dates))]


@check(
    task=3,
    points=1,
    en="save_observation goes once, as a notification with the right arguments",
    ru="save_observation уходит один раз, уведомлением с нужными аргументами",
)
def notification(ctx):
    _, sent = batch_call(ctx, "tokyo", ["2026-06-05", "2026-06-06"], 27.5)
    notes = [call for call in the_batch(sent) if call.get("method") == "save_observation"]
    good = (
        ["tokyo", "2026-06-05", 27.5],
        {"city": "tokyo", "date": "2026-06-05", "temperature": 27.5},
    )
    if len(notes) != 1 or "id" in notes[0] or notes[0].get("params") not in good:
        fail(
            en="Expected one save_observation without an id (a notification) with the params "
            f"['tokyo', '2026-06-05', 27.5]; the batch held {notes}",
            ru="Ожидался один save_observation без id (уведомление) с параметрами "
            f"['tokyo', '2026-06-05', 27.5]; в пакете {notes}",
        )


@check(
    task=3,
    points=1,
    en="Each call has an id of its own, even when dates repeat",
    ru="У каждого вызова свой id, даже если даты повторяются",
)
def unique_ids(ctx):
    dates = ["2026-06-01", "2026-06-02", "2026-06-01"]
    answer, sent = batch_call(ctx, "moscow", dates, 19.0)
    ids = [json.dumps(call.get("id")) for call in forecast_calls(the_batch(sent))]
    if len(ids) != 3 or len(set(ids)) != 3:
        fail(
            en=f"Dates {dates}: expected three get_forecast calls with three different ids, "
            f"the batch had the ids {ids}",
            ru=f"Даты {dates}: ожидались три вызова get_forecast с тремя разными id, "
            f"в пакете id {ids}",
        )
    expected = [weather.forecast("moscow", date) for date in dates]
    expect_equal(answer, expected, f"Dates {dates}", f"Даты {dates}")


class ReversingRelay(http.server.BaseHTTPRequestHandler):
    """Passes a JSON-RPC request on and answers with the batch's responses reversed."""

    target = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = requests.post(
            self.target, data=body, headers={"Content-Type": "application/json"}, timeout=10
        )
        data = answer.json() if answer.content else None
        out = json.dumps(data[::-1] if isinstance(data, list) else data).encode()
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@check(
    task=3,
    points=1,
    en="Responses matched by id when the server answers in another order",
    ru="Ответы сопоставлены по id, когда сервер отвечает в другом порядке",
)
def matched_by_id(ctx):
    relay = type("Relay", (ReversingRelay,), {"target": ctx.url("jsonrpc")})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), relay)
    dates = ["2026-06-01", "2026-06-02", "2026-06-03"]
    with serving(server):
        url = f"http://127.0.0.1:{server.server_address[1]}/jsonrpc"
        answer, _ = batch_call(ctx, "tokyo", dates, 22.0, url=url)
    expected = [weather.forecast("tokyo", date) for date in dates]
    if answer != expected:
        fail(
            en="The server answered the batch in reverse order; match each response to its call "
            f"by id. Expected Tokyo's forecasts for {dates} in that order, got {answer!r}",
            ru="Сервер ответил на пакет в обратном порядке; сопоставляйте ответы с вызовами "
            f"по id. Ожидались прогнозы Токио на {dates} в этом порядке, получено {answer!r}",
        )


# --------------------------------------------------------------------------
# Task 4: a gRPC stream with a deadline


def readings(city, count):
    updates = weather.updates(city)
    return [[update["sequence"], update["temperature"]] for update in map(next, [updates] * count)]


def outcome(ctx, city, count, timeout):
    """What watch() did: ["returned", value] or [exception class, its text, gRPC status]."""
    ctx.learner.run(
        "def _judge_outcome(*args):\n"
        "    try:\n"
        "        return ['returned', [list(pair) for pair in watch(*args)]]\n"
        "    except grpc.RpcError as error:\n"
        "        return [type(error).__name__, str(error.details()), error.code().name]\n"
        "    except Exception as error:\n"
        "        return [type(error).__name__, str(error), None]\n"
    )
    return ctx.learner.eval(f"_judge_outcome({city!r}, {count!r}, {timeout!r})")


@check(
    task=4,
    points=1,
    en="The readings as (sequence, temperature)",
    ru="Показания как (sequence, temperature)",
)
def stream_readings(ctx):
    expected = readings("kazan", 3)
    result = outcome(ctx, "kazan", 3, 30)
    what_en, what_ru = "Three readings for Kazan", "Три показания для Казани"
    expect_equal(result, ["returned", expected], what_en, what_ru, shown=expected)


@check(
    task=4,
    points=1,
    en="When the deadline passes, the readings that came",
    ru="Когда срок истёк — показания, что успели прийти",
)
def deadline(ctx):
    # A server of the check's own, slow enough that no deadline of 0.5 s can see all 20
    # readings (the last comes after 19 × 0.3 s): the result does not depend on the load.
    server = weather_grpc.start(interval=0.3)
    stub = f"weather_pb2_grpc.WeatherStub(grpc.insecure_channel({server.url!r}))"
    try:
        with learner_global(ctx, "stub", stub):
            result = outcome(ctx, "moscow", 20, 0.5)
    finally:
        server.stop()
    got = result[1] if result[0] == "returned" else None
    if not isinstance(got, list) or len(got) >= 20 or got != readings("moscow", len(got)):
        fail(
            en="watch('moscow', 20, 0.5) with a reading every 0.3 s: expected the first "
            f"readings that came before the deadline (fewer than 20), got {result}",
            ru="watch('moscow', 20, 0.5) при показании раз в 0,3 с: ожидались первые показания, "
            f"пришедшие до срока (меньше 20), получено {result}",
        )


@check(
    task=4,
    points=1,
    en="NOT_FOUND raises CityNotFound with the details",
    ru="NOT_FOUND выбрасывает CityNotFound с текстом details",
)
def city_not_found(ctx):
    result = outcome(ctx, "atlantis", 3, 30)
    if result[0] != "CityNotFound" or "atlantis" not in str(result[1]):
        fail(
            en="There is no city 'atlantis': expected CityNotFound carrying the status's "
            f"details text, got {result}",
            ru="Города 'atlantis' нет: ожидалось CityNotFound с текстом details статуса, "
            f"получено {result}",
        )


@check(
    task=4,
    points=1,
    en="INVALID_ARGUMENT goes through as grpc.RpcError",
    ru="INVALID_ARGUMENT проходит дальше как grpc.RpcError",
)
def invalid_argument(ctx):
    for city, count in (("moscow", 101), ("", 3)):
        result = outcome(ctx, city, count, 30)
        if len(result) != 3 or result[2] != "INVALID_ARGUMENT":
            fail(
                en=f"watch({city!r}, {count}, 30): the server answers INVALID_ARGUMENT, and watch "
                f"should let that grpc.RpcError through unchanged; got {result}",
                ru=f"watch({city!r}, {count}, 30): сервер отвечает INVALID_ARGUMENT, и watch "
                f"должна пропустить эту grpc.RpcError без изменений; получено {result}",
            )
