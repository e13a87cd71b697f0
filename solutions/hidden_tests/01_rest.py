"""Hidden tests of homework 01 (REST), for 01_rest_en and 01_rest_ru.

Each check is one behaviour the task text promises.  The learner's code talks to the judge's
REST server through the judge's tap, so a check reads what really crossed the wire (the query
string, the JSON body, the headers, the status) and never trusts the learner's kernel for it.
"""

import json
from urllib.parse import parse_qs, urlsplit

import requests
from grading.hidden import LearnerError, check, fail
from grading.hidden_helpers import expect_equal, expect_raised, header, learner_call

from mock_servers import wire

SERVERS = ("rest",)
KEY = {"X-API-Key": "learner-key"}


def setup(ctx):
    ctx.learner.run(f"base = {ctx.url('rest')!r}")


# --------------------------------------------------------------------------
# Helpers: what crossed the wire, the judge's own view of the server


def exchanges(ctx):
    """The (request, response) pairs recorded since the last tap.clear()."""
    messages = [m for m in ctx.tap("rest").read() if m.kind == "HTTP"]
    sent = [m for m in messages if m.direction == wire.TO_SERVER]
    answered = [m for m in messages if m.direction == wire.TO_CLIENT]
    return list(zip(sent, answered + [None] * (len(sent) - len(answered))))


def on_the_wire(ctx, action, *args):
    """``action(ctx, *args)`` and the (request, response) pairs it put on the wire."""
    ctx.tap("rest").clear()
    result = action(ctx, *args)
    return result, exchanges(ctx)


def start_line(message):
    return message.summary if message is not None else "(no answer)"


def statuses(pairs):
    """The status code of each answer, as a one-item list (empty for a status line without one)."""
    return [start_line(a).split(" ")[1:2] for _, a in pairs]


def seen(pairs):
    return "; ".join(f"{start_line(r)} → {start_line(a)}" for r, a in pairs) or "nothing"


def direct(ctx, method, path, **kwargs):
    """A request of the judge itself, straight to its server (not through the tap)."""
    return requests.request(method, ctx.server("rest").url + path, timeout=10, **kwargs)


def forget_observations(ctx, city):
    for item in direct(ctx, "GET", "/observations", params={"city": city}).json()["items"]:
        direct(ctx, "DELETE", f"/observations/{item['id']}", headers=KEY)


def expect_fields(problem, truth, call):
    got = {key: problem.attrs.get(key) for key in ("status", "title", "detail")}
    want = {key: truth[key] for key in ("status", "title", "detail")}
    if got != want:
        fail(
            en=f"{call}: ApiProblem should carry the problem's {want}, got {got}",
            ru=f"{call}: в ApiProblem должны быть поля ответа {want}, получено {got}",
        )


def expect_forecast_problem(ctx, city, date):
    """get_forecast(city, date) raises ApiProblem with the fields of the problem the judge's
    server answers."""
    truth = direct(ctx, "GET", f"/cities/{city}/forecast/{date}").json()
    problem = expect_raised(ctx, "ApiProblem", "get_forecast", city, date)
    expect_fields(problem, truth, f"get_forecast({city!r}, {date!r})")


# --------------------------------------------------------------------------
# Task 1: the forecast for a few days


@check(task=1, points=1, en="Returns the days asked for", ru="Возвращает запрошенные дни")
def forecast_days(ctx):
    days = learner_call(ctx, "forecast_descriptions", "kazan", "2026-06-02", "2026-06-04", "ru")
    expected = {"2026-06-02": "Ясно", "2026-06-03": "Переменная облачность", "2026-06-04": "Гроза"}
    expect_equal(days, expected, "Kazan, 2 to 4 June, lang='ru'", "Казань, 2–4 июня, lang='ru'")


@check(
    task=1,
    points=1,
    en="The server picks the days: from, to and lang in the query",
    ru="Дни выбирает сервер: from, to и lang в строке запроса",
)
def forecast_query(ctx):
    _, pairs = on_the_wire(
        ctx, learner_call, "forecast_descriptions", "tokyo", "2026-06-04", "2026-06-06", "en"
    )
    wanted = {"from": ["2026-06-04"], "to": ["2026-06-06"], "lang": ["en"]}
    for request, _ in pairs:
        method, target = request.summary.split(" ")[:2]
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if method == "GET" and parts.path == "/cities/tokyo/forecast":
            if all(query.get(name) == value for name, value in wanted.items()):
                return
    fail(
        en="Tokyo, 4 to 6 June: expected GET /cities/tokyo/forecast with the query parameters "
        f"from=2026-06-04, to=2026-06-06, lang=en; the server saw {seen(pairs)}",
        ru="Токио, 4–6 июня: ожидался GET /cities/tokyo/forecast с параметрами запроса "
        f"from=2026-06-04, to=2026-06-06, lang=en; сервер получил {seen(pairs)}",
    )


@check(
    task=1,
    points=1,
    en="Both ends included: one day when first equals last",
    ru="Оба конца включены: один день, если first и last совпадают",
)
def forecast_one_day(ctx):
    days = learner_call(ctx, "forecast_descriptions", "sochi", "2026-06-07", "2026-06-07", "en")
    expect_equal(days, {"2026-06-07": "Clear sky"}, "Sochi, 7 to 7 June", "Сочи, с 7 по 7 июня")


# --------------------------------------------------------------------------
# Task 2: errors as exceptions


@check(task=2, points=1, en="Returns the whole forecast", ru="Возвращает весь прогноз")
def forecast_of_a_day(ctx):
    truth = direct(ctx, "GET", "/cities/london/forecast/2026-06-05").json()
    forecast = learner_call(ctx, "get_forecast", "london", "2026-06-05")
    if forecast != truth:
        fail(
            en=f"London, 5 June: expected the whole JSON forecast {truth}, got {forecast}",
            ru=f"Лондон, 5 июня: ожидался весь прогноз из JSON {truth}, получено {forecast}",
        )


@check(
    task=2,
    points=1,
    en="Unknown city: ApiProblem with the problem's status, title and detail",
    ru="Неизвестный город: ApiProblem со status, title и detail ответа",
)
def unknown_city(ctx):
    expect_forecast_problem(ctx, "atlantis", "2026-06-01")


@check(
    task=2,
    points=1,
    en="A date outside the week: ApiProblem 404 with the server's detail",
    ru="Дата вне недели: ApiProblem 404 с detail сервера",
)
def date_outside_week(ctx):
    expect_forecast_problem(ctx, "moscow", "2026-07-01")


@check(
    task=2,
    points=1,
    en="Not a date: ApiProblem 400 Bad Request",
    ru="Не дата: ApiProblem 400 Bad Request",
)
def not_a_date(ctx):
    expect_forecast_problem(ctx, "moscow", "tomorrow")


# --------------------------------------------------------------------------
# Task 3: save an observation


def post_bodies(pairs):
    """The JSON bodies of the POST /observations requests (None for a body that is not JSON)."""
    bodies = []
    for request, _ in pairs:
        if request.summary.startswith("POST /observations"):
            try:
                bodies.append(json.loads(request.payload))
            except ValueError:
                bodies.append(None)
    return bodies


@check(
    task=3,
    points=1,
    en="Saves with the API key and returns the Location header",
    ru="Сохраняет с ключом API и возвращает заголовок Location",
)
def saves_and_returns_location(ctx):
    forget_observations(ctx, "tokyo")
    location, pairs = on_the_wire(
        ctx, learner_call, "save_observation", "tokyo", "2026-06-02", 24, "Humid"
    )
    created = [a for r, a in pairs if a is not None and a.summary.split(" ")[1:2] == ["201"]]
    forget_observations(ctx, "tokyo")
    if not created:
        fail(
            en="Tokyo, 2 June, 24 °C, note 'Humid': expected a POST answered 201 Created "
            f"(is X-API-Key sent?); the server saw {seen(pairs)}",
            ru="Токио, 2 июня, 24 °C, заметка 'Humid': ожидался POST с ответом 201 Created "
            f"(заголовок X-API-Key отправлен?); сервер получил {seen(pairs)}",
        )
    sent = header(created[0], "Location")
    if location != sent:
        fail(
            en=f"save_observation should return the Location header {sent!r}, got {location!r}",
            ru=f"save_observation должна вернуть заголовок Location {sent!r}, "
            f"получено {location!r}",
        )
    saved = json.loads(created[0].payload)
    fields = {key: saved.get(key) for key in ("city", "date", "temperature", "note")}
    expected = {"city": "tokyo", "date": "2026-06-02", "temperature": 24, "note": "Humid"}
    if fields != expected:
        fail(
            en=f"Tokyo, 2 June, 24 °C, note 'Humid': the server saved {saved}",
            ru=f"Токио, 2 июня, 24 °C, заметка 'Humid': сервер сохранил {saved}",
        )


@check(
    task=3,
    points=1,
    en="Without a note the body has no 'note' key (not even null)",
    ru="Без заметки в теле нет ключа 'note' (даже null)",
)
def no_note_key(ctx):
    forget_observations(ctx, "sochi")
    _, pairs = on_the_wire(ctx, learner_call, "save_observation", "sochi", "2026-06-03", 26)
    bodies = post_bodies(pairs)
    forget_observations(ctx, "sochi")
    if not bodies:
        fail(
            en="Sochi, 3 June, 26 °C: no POST /observations reached the server",
            ru="Сочи, 3 июня, 26 °C: до сервера не дошёл ни один POST /observations",
        )
    body = bodies[-1]
    expected = {"city": "sochi", "date": "2026-06-03", "temperature": 26}
    if body != expected:
        fail(
            en=f"Sochi, 3 June, 26 °C, no note: expected the JSON body {expected}, got {body}",
            ru=f"Сочи, 3 июня, 26 °C, без заметки: ожидалось тело JSON {expected}, получено {body}",
        )


@check(
    task=3,
    points=1,
    en="422: ApiProblem with the problem's errors list",
    ru="422: ApiProblem со списком errors из ответа",
)
def unprocessable_errors(ctx):
    truth = direct(
        ctx,
        "POST",
        "/observations",
        json={"city": "tokyo", "date": "2026-06-03", "temperature": 99},
        headers=KEY,
    ).json()
    problem = expect_raised(ctx, "ApiProblem", "save_observation", "tokyo", "2026-06-03", 99)
    forget_observations(ctx, "tokyo")
    expect_fields(problem, truth, "save_observation('tokyo', '2026-06-03', 99)")
    if problem.attrs.get("errors") != truth["errors"]:
        fail(
            en=f"ApiProblem.errors should be the problem's errors {truth['errors']}, "
            f"got {problem.attrs.get('errors')!r}",
            ru=f"В ApiProblem.errors должен быть список errors ответа {truth['errors']}, "
            f"получено {problem.attrs.get('errors')!r}",
        )


@check(
    task=3,
    points=1,
    en="409: an observation that exists already raises ApiProblem",
    ru="409: повторное наблюдение за тот же день выбрасывает ApiProblem",
)
def conflict(ctx):
    forget_observations(ctx, "london")
    direct(
        ctx,
        "POST",
        "/observations",
        json={"city": "london", "date": "2026-06-04", "temperature": 17.5},
        headers=KEY,
    )
    truth = direct(
        ctx,
        "POST",
        "/observations",
        json={"city": "london", "date": "2026-06-04", "temperature": 18},
        headers=KEY,
    ).json()
    problem = expect_raised(ctx, "ApiProblem", "save_observation", "london", "2026-06-04", 18)
    forget_observations(ctx, "london")
    expect_fields(problem, truth, "save_observation('london', '2026-06-04', 18)")


# --------------------------------------------------------------------------
# Task 4: conditional GET
#
# The cache is a dictionary in the learner's kernel (the function keeps it between calls),
# so these checks call cached_get with an expression instead of ctx.learner.call.

CACHE = "_judge_cache"


def cached(ctx, path):
    try:
        return ctx.learner.eval(f"cached_get({path!r}, {CACHE})")
    except LearnerError as error:
        fail(
            en=f"cached_get({path!r}, cache) raised {error.type}: {error.message}",
            ru=f"cached_get({path!r}, cache) выбросила {error.type}: {error.message}",
        )


def cache_entry(ctx, path):
    return ctx.learner.eval(f"list({CACHE}[{path!r}]) if {path!r} in {CACHE} else None")


@check(
    task=4,
    points=1,
    en="First call: a plain GET, (ETag, data) stored in the cache",
    ru="Первый вызов: обычный GET, в кэше сохранены (ETag, данные)",
)
def first_call_fills_cache(ctx):
    ctx.learner.run(f"{CACHE} = {{}}")
    data, pairs = on_the_wire(ctx, cached, "/cities/sochi/forecast")
    truth = direct(ctx, "GET", "/cities/sochi/forecast")
    answers = [a for _, a in pairs if a is not None]
    if len(pairs) != 1 or header(pairs[0][0], "If-None-Match") is not None:
        fail(
            en=f"With an empty cache expected one GET without If-None-Match; saw {seen(pairs)}",
            ru=f"При пустом кэше ожидался один GET без If-None-Match; сервер получил {seen(pairs)}",
        )
    if data != truth.json():
        fail(
            en="The first call should return the JSON data of the answer",
            ru="Первый вызов должен вернуть данные JSON из ответа",
        )
    entry = cache_entry(ctx, "/cities/sochi/forecast")
    etag = header(answers[0], "ETag") if answers else None
    if entry != [etag, truth.json()]:
        fail(
            en=f"cache[path] should be (the ETag header {etag}, the data); it is {entry!r}",
            ru=f"cache[path] должен быть парой (заголовок ETag {etag}, данные); он равен {entry!r}",
        )


@check(
    task=4,
    points=1,
    en="Second call: If-None-Match sent, 304 answered, cached data returned",
    ru="Второй вызов: отправлен If-None-Match, ответ 304, возвращены данные из кэша",
)
def second_call_not_modified(ctx):
    path = "/cities/moscow"
    ctx.learner.run(f"{CACHE} = {{}}")
    first = cached(ctx, path)
    again, pairs = on_the_wire(ctx, cached, path)
    if statuses(pairs) != [["304"]]:
        fail(
            en=f"The second call should send If-None-Match and get 304; saw {seen(pairs)}",
            ru=f"Второй вызов должен отправить If-None-Match и получить 304; "
            f"сервер получил {seen(pairs)}",
        )
    if again != first:
        fail(
            en=f"On 304 cached_get should return the cached data, got {again!r}",
            ru=f"При 304 cached_get должна вернуть данные из кэша, получено {again!r}",
        )


@check(
    task=4,
    points=1,
    en="Out-of-date ETag: 200, new data returned and stored",
    ru="Устаревший ETag: 200, новые данные возвращены и сохранены",
)
def stale_etag(ctx):
    path = "/cities/kazan"
    ctx.learner.run(f'{CACHE} = {{{path!r}: (\'"stale"\', {{"id": "kazan", "name": "old"}})}}')
    data, pairs = on_the_wire(ctx, cached, path)
    truth = direct(ctx, "GET", path)
    if len(pairs) != 1 or header(pairs[0][0], "If-None-Match") != '"stale"':
        fail(
            en=f'The cache holds the ETag "stale": expected one GET with If-None-Match: "stale"; '
            f"saw {seen(pairs)}",
            ru=f'В кэше ETag "stale": ожидался один GET с If-None-Match: "stale"; '
            f"сервер получил {seen(pairs)}",
        )
    if data != truth.json():
        fail(
            en=f"With an out-of-date ETag cached_get should return the new data, got {data!r}",
            ru=f"При устаревшем ETag cached_get должна вернуть новые данные, получено {data!r}",
        )
    entry = cache_entry(ctx, path)
    if entry != [truth.headers["ETag"], truth.json()]:
        fail(
            en=f"With an out-of-date ETag cache[path] should get the new ETag and data, "
            f"got {entry!r}",
            ru=f"При устаревшем ETag в cache[path] должны попасть новый ETag и данные, "
            f"получено {entry!r}",
        )


@check(
    task=4,
    points=1,
    en="Each path has its own cache entry",
    ru="У каждого пути своя запись в кэше",
)
def entry_per_path(ctx):
    ctx.learner.run(f"{CACHE} = {{}}")
    cached(ctx, "/cities/kazan")
    cached(ctx, "/cities/tokyo")
    ctx.tap("rest").clear()
    kazan, tokyo = cached(ctx, "/cities/kazan"), cached(ctx, "/cities/tokyo")
    pairs = exchanges(ctx)
    if statuses(pairs) != [["304"], ["304"]]:
        fail(
            en=f"Both second calls (Kazan, then Tokyo) should get 304; saw {seen(pairs)}",
            ru=f"Оба повторных вызова (Казань, затем Токио) должны получить 304; "
            f"сервер получил {seen(pairs)}",
        )
    ids = (kazan or {}).get("id"), (tokyo or {}).get("id")
    if ids != ("kazan", "tokyo"):
        fail(
            en=f"Each path should return its own data, got {kazan!r} and {tokyo!r}",
            ru=f"Каждый путь должен вернуть свои данные, получено {kazan!r} и {tokyo!r}",
        )
