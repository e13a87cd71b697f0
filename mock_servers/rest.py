"""The weather service as a REST API (Flask).

Resources
---------
==========================================  ====================================================
``GET  /``                                  links to everything below
``GET  /cities``                            the cities (``?country=RU``, ``?limit=`` / ``?offset=``)
``GET  /cities/{city}``                     one city
``GET  /cities/{city}/forecast``            its daily forecasts (``?from=``, ``?to=``, paging)
``GET  /cities/{city}/forecast/{date}``     one day's forecast
``GET  /observations``                      weather observations people saved (``?city=``, paging)
``POST /observations``                      save one (needs the API key)
``GET|PUT|PATCH|DELETE /observations/{id}`` read, replace, change, delete one (writes: key)
``ANY  /anything[/...]``                    echoes what the server received, like httpbin
``GET  /openapi.json``                      this API described in OpenAPI 3
``GET  /docs``                              that description as a page to read and try (Swagger UI)
==========================================  ====================================================

Requests that change state carry the API key in the ``X-API-Key`` header.
The server keeps no session for a client: every request carries all that is
needed to answer it.  GET responses have an ``ETag``; sending it back in
``If-None-Match`` gets ``304 Not Modified``, and ``If-Match`` on a write
protects against overwriting someone else's change (``412``).

Every error is ``application/problem+json`` (RFC 9457)::

    {"type": "...", "title": "Not Found", "status": 404, "detail": "..."}
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Flask, Response, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.http import generate_etag
from werkzeug.routing import PathConverter

from mock_servers import http_server, observations, rest_docs, runner, weather
from mock_servers.rest_problems import (  # noqa: F401  (Problem and PROBLEM_BASE: public names)
    LANGUAGES,
    PROBLEM_BASE,
    Problem,
    json_response,
    language,
    problem_response,
)

API_KEY = "learner-key"
MAX_BODY_BYTES = 64 * 1024
PAGE_LIMIT_MAX = 100
OFFSET_MAX = 10**6
JSON_TYPES = ("application/json", "application/merge-patch+json")
# The header that tells a client which bodies a method accepts (RFC 5789 for PATCH).
ACCEPTED_BODIES = {
    "PATCH": [("Accept-Patch", ", ".join(JSON_TYPES))],
    "POST": [("Accept-Post", "application/json")],
}


def etag_of(data) -> str:
    """The ETag a GET of ``data`` carries (a hash of exactly those bytes)."""
    return generate_etag(json_response(data).get_data())


# --------------------------------------------------------------------------
# Observations: the one resource clients can change (rules and store: observations.py)

SEED = {"city": "moscow", "date": "2026-06-01", "temperature": 20.5, "note": "Sunny afternoon"}


def validate_observation(data) -> dict:
    """The observation fields of ``data``, or a 422 problem listing every mistake."""
    try:
        return observations.validate(data)
    except observations.Invalid as invalid:
        raise invalid_problem(invalid.mistakes) from None


def invalid_problem(mistakes: list[observations.Mistake]) -> Problem:
    """The 422 problem listing every mistake, in the client's language."""
    return Problem(
        422,
        (
            "The observation is not valid; see errors.",
            "Наблюдение не прошло проверку; подробности — в errors.",
        ),
        "validation-error",
        errors=lambda lang: [{"field": m.field, "message": m.message(lang)} for m in mistakes],
    )


def store_problem(error: observations.Error) -> Problem:
    """The problem a refusal of the store is answered with."""
    if isinstance(error, observations.NotFound):
        return Problem(404, (error.message("en"), error.message("ru")), error.code)
    if isinstance(error, observations.Duplicate):
        return Problem(
            409,
            (error.message("en"), error.message("ru")),
            error.code,
            existing=f"/observations/{error.existing}",
        )
    if isinstance(error, observations.Full):
        return Problem(507, (error.message("en"), error.message("ru")), error.code)
    raise error


def merge_patch(target: dict, patch: dict) -> dict:
    """Apply a JSON Merge Patch (RFC 7396): null removes a member."""
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = value
    return result


# --------------------------------------------------------------------------
# Request helpers


def require_api_key() -> None:
    key = request.headers.get("X-API-Key")
    if key != API_KEY:
        detail = (
            (
                "This request changes data, so it needs the header X-API-Key.",
                "Этот запрос меняет данные, поэтому ему нужен заголовок X-API-Key.",
            )
            if key is None
            else (
                "The API key in X-API-Key is not valid.",
                "Ключ API в заголовке X-API-Key недействителен.",
            )
        )
        raise Problem(
            401,
            detail,
            "api-key-required",
            headers={"WWW-Authenticate": 'APIKey realm="weather", header="X-API-Key"'},
        )


def json_body():
    """The request body parsed as JSON, or the right 415 / 400 problem."""
    if request.mimetype not in JSON_TYPES:
        sent = request.mimetype
        raise Problem(
            415,
            (
                f"Send the body as application/json, not {sent or 'nothing'}.",
                f"Тело запроса должно быть в формате application/json, а не {sent}."
                if sent
                else "Тело запроса должно быть в формате application/json, "
                "а заголовка Content-Type нет.",
            ),
            "unsupported-media-type",
            headers=dict(ACCEPTED_BODIES.get(request.method, [])),
        )
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise Problem(
            400,
            (
                f"The body is not valid JSON: {error}",
                f"Тело запроса — не JSON: ошибка в строке {error.lineno}, позиции {error.colno}.",
            ),
            "malformed-json",
        ) from None
    except (ValueError, RecursionError):
        raise Problem(
            400,
            (
                "The body is not valid JSON: it is not UTF-8 text, or nested too deep.",
                "Тело запроса — не JSON: это не текст в UTF-8 или вложенность слишком глубока.",
            ),
            "malformed-json",
        ) from None


def if_match():
    """A check for ``Store.replace``/``delete`` from If-Match, or None without one.

    The check runs under the store's lock, so no other write can come between
    comparing the ETag and acting on it.  RFC 9110 (13.1.1): the condition is
    true for "*" or a listed tag that matches strongly; otherwise (a stale tag,
    a weak W/ tag, a value that is no entity tag at all) it is false: 412.
    """
    expected = request.headers.get("If-Match")
    if expected is None:
        return None
    tags = {tag.strip() for tag in expected.split(",")}

    def check(current: dict) -> None:
        if "*" not in tags and f'"{etag_of(current)}"' not in tags:
            raise Problem(
                412,
                (
                    "The observation changed since you read it; GET it again and retry.",
                    "Наблюдение изменилось с тех пор, как вы его прочитали; "
                    "получите его заново (GET) и повторите запрос.",
                ),
                "etag-mismatch",
            )

    return check


def int_param(name: str, default: int, minimum: int, maximum: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise Problem(
            400,
            (
                f"Query parameter {name!r} must be a whole number from {minimum} to {maximum}.",
                f"Параметр запроса «{name}» должен быть целым числом от {minimum} до {maximum}.",
            ),
            "invalid-parameter",
            parameter=name,
        )
    return value


def date_param(name: str) -> str | None:
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return weather.parse_date(text).isoformat()
    except ValueError:
        raise Problem(
            400,
            (
                f"Query parameter {name!r} must be a date like 2026-06-01.",
                f"Параметр запроса «{name}» должен быть датой вида 2026-06-01.",
            ),
            "invalid-parameter",
            parameter=name,
        ) from None


def page(items: list, default_limit: int = 20) -> Response:
    """One page of ``items`` with the total count, and Link headers (RFC 8288)."""
    limit = int_param("limit", default_limit, 1, PAGE_LIMIT_MAX)
    offset = int_param("offset", 0, 0, OFFSET_MAX)
    body = {"total": len(items), "limit": limit, "offset": offset}
    body["items"] = items[offset : offset + limit]
    response = json_response(body)
    links = []
    if offset + limit < len(items):
        links.append(f'<{page_url(offset + limit, limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{page_url(max(offset - limit, 0), limit)}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def page_url(offset: int, limit: int) -> str:
    args = request.args.to_dict()
    args.update(offset=str(offset), limit=str(limit))
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def description_language() -> str:
    """``?lang=`` if given, else the best match for Accept-Language, else the default."""
    if request.args.get("lang") not in (None, *LANGUAGES):
        raise Problem(
            400,
            (
                f"Query parameter 'lang' must be one of: {', '.join(LANGUAGES)}.",
                f"Параметр запроса «lang» принимает значения: {', '.join(LANGUAGES)}.",
            ),
            "invalid-parameter",
            parameter="lang",
        )
    return language()


def in_language(forecast: dict, language: str) -> dict:
    description = weather.CONDITIONS[forecast["condition"]][LANGUAGES.index(language)]
    return {**forecast, "description": description}


def with_language(response: Response, language: str) -> Response:
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


def known_city(city_id: str) -> dict:
    try:
        return weather.city(city_id)
    except weather.UnknownCity:
        raise Problem(
            404,
            (
                f"There is no city {city_id!r}. GET /cities lists the known ones.",
                f"Города «{city_id}» нет. Известные города перечисляет GET /cities.",
            ),
            "unknown-city",
        ) from None


class AnyPath(PathConverter):
    """Like ``path``, but also matches a path with a line break in it (%0A)."""

    regex = r"[^/][\s\S]*?"


# --------------------------------------------------------------------------
# The application


def create_app(language: str = "en", cors: bool = False) -> Flask:
    """A new weather API with its own observation store.

    ``language`` ("en" or "ru") is used when a request does not ask for one;
    ``cors`` lets pages from any origin call the API (see ``rest_docs``).
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["LANGUAGE"] = language
    app.url_map.converters["anypath"] = AnyPath
    store = observations.Store()
    store.add(SEED)
    app.extensions["observations"] = store
    rest_docs.add_docs(app)
    if cors:
        rest_docs.allow_cross_origin(app)

    @app.get("/")
    def index():
        return json_response(
            {
                "service": "Weather service (course mock)",
                "links": {
                    "cities": "/cities",
                    "observations": "/observations",
                    "echo": "/anything",
                    "openapi": "/openapi.json",
                    "docs": "/docs",
                },
            }
        )

    @app.get("/cities")
    def list_cities():
        cities = weather.cities()
        country = request.args.get("country")
        if country:
            cities = [c for c in cities if c["country"] == country.upper()]
        return page(cities)

    @app.get("/cities/<city_id>")
    def get_city(city_id):
        return json_response(known_city(city_id))

    @app.get("/cities/<city_id>/forecast")
    def list_forecasts(city_id):
        known_city(city_id)
        first, last = date_param("from"), date_param("to")
        chosen = description_language()
        days = [
            in_language(day, chosen)
            for day in weather.week(city_id)
            if (first is None or day["date"] >= first) and (last is None or day["date"] <= last)
        ]
        return with_language(page(days, default_limit=weather.DAYS), chosen)

    @app.get("/cities/<city_id>/forecast/<date>")
    def get_forecast(city_id, date):
        known_city(city_id)
        chosen = description_language()
        try:
            forecast = weather.forecast(city_id, date)
        except ValueError:
            raise Problem(
                400,
                (
                    f"{date!r} is not a date like 2026-06-01.",
                    f"«{date}» — не дата вида 2026-06-01.",
                ),
                "invalid-date",
            ) from None
        except weather.NoForecast:
            first, last = weather.DATES[0], weather.DATES[-1]
            raise Problem(
                404,
                (
                    f"No forecast for {date}: the forecast covers {first} to {last}.",
                    f"Прогноза на {date} нет: прогноз есть с {first} по {last}.",
                ),
                "no-forecast",
            ) from None
        return with_language(json_response(in_language(forecast, chosen)), chosen)

    @app.get("/observations")
    def list_observations():
        city = request.args.get("city")
        if city is not None:
            known_city(city)
        return page(store.list(city))

    @app.post("/observations")
    def create_observation():
        require_api_key()
        fields = validate_observation(json_body())
        try:
            observation = store.add(fields, one_per_day=True)
        except observations.Duplicate as duplicate:
            city, date = fields["city"], fields["date"]
            raise Problem(
                409,
                (
                    f"{city} already has an observation for {date}; "
                    f"change that one with PUT or PATCH instead.",
                    f"У города {weather.CITIES[city][1]} уже есть наблюдение на {date}; "
                    f"измените его запросом PUT или PATCH.",
                ),
                duplicate.code,
                existing=f"/observations/{duplicate.existing}",
            ) from None
        except observations.Error as error:
            raise store_problem(error) from None
        response = json_response(observation, 201)
        response.headers["Location"] = f"/observations/{observation['id']}"
        return response

    @app.get("/observations/<int:observation_id>")
    def get_observation(observation_id):
        try:
            return json_response(store.get(observation_id))
        except observations.Error as error:
            raise store_problem(error) from None

    @app.put("/observations/<int:observation_id>")
    def replace_observation(observation_id):
        require_api_key()
        body = json_body()
        check = if_match()
        try:
            # Checked and written under the store's lock: nothing comes between.
            changed = store.replace(
                observation_id, lambda current: validate_observation(body), check=check
            )
        except observations.Error as error:
            raise store_problem(error) from None
        return json_response(changed)

    @app.patch("/observations/<int:observation_id>")
    def update_observation(observation_id):
        require_api_key()
        patch = json_body()
        check = if_match()

        def patched(current: dict) -> dict:
            if not isinstance(patch, dict):
                raise Problem(
                    422,
                    (
                        "A merge patch must be a JSON object.",
                        "Патч слияния (merge patch) должен быть объектом JSON.",
                    ),
                    "validation-error",
                )
            # A member the schema does not know is refused even as null, which
            # would remove nothing.
            unknown = sorted(set(map(str, patch)) - set(observations.FIELDS) - {"id"})
            if unknown:
                raise invalid_problem([observations.Mistake(f, "unknown-field") for f in unknown])
            merged = merge_patch(current, patch)
            merged.pop("id", None)
            return validate_observation(merged)

        try:
            changed = store.replace(observation_id, patched, check=check)
        except observations.Error as error:
            raise store_problem(error) from None
        return json_response(changed)

    @app.delete("/observations/<int:observation_id>")
    def delete_observation(observation_id):
        require_api_key()
        try:
            store.delete(observation_id, check=if_match())
        except observations.Error as error:
            raise store_problem(error) from None
        return Response(status=204)

    echo_methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.route("/anything", defaults={"rest": ""}, methods=echo_methods)
    @app.route("/anything/<anypath:rest>", methods=echo_methods)
    def anything(rest):
        body = request.get_data(cache=True).decode("utf-8", errors="replace")
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, RecursionError):
            parsed = None
        return json_response(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(flat=False),
                "headers": dict(request.headers),
                "body": body,
                "json": parsed,
            }
        )

    @app.get("/openapi.json")
    def openapi():
        document = openapi_document()
        document["servers"] = [{"url": request.host_url.rstrip("/")}]
        return json_response(document)

    @app.after_request
    def conditional_get(response: Response) -> Response:
        # Every successful GET carries an ETag of its exact body; a client
        # that sends it back in If-None-Match gets 304 and no body.
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.add_etag()
            response.make_conditional(request)
            # make_conditional adds a Date header, and so does the HTTP server.
            response.headers.remove("Date")
        return response

    @app.errorhandler(Problem)
    def handle_problem(problem: Problem):
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        problem = Problem(status, http_error_detail(error))
        # Keep the headers the error brings, such as Allow on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                problem.headers[name] = value
        return problem_response(problem)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never a traceback on the wire.
        return problem_response(
            Problem(
                500,
                (
                    "The server failed to answer this request.",
                    "Сервер не смог ответить на этот запрос.",
                ),
            )
        )

    return app


def http_error_detail(error: HTTPException) -> tuple[str, str]:
    path, method = request.path, request.method
    if error.code == 404:
        return (
            f"There is nothing at {path}. GET / lists what there is.",
            f"По адресу {path} ничего нет. Что есть, перечисляет GET /.",
        )
    if error.code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        return (
            f"{method} is not allowed on {path}; allowed: {allowed}.",
            f"Метод {method} для {path} не разрешён; разрешены: {allowed}.",
        )
    if error.code == 413:
        return (
            f"The body is larger than {MAX_BODY_BYTES} bytes.",
            f"Тело запроса больше {MAX_BODY_BYTES} байт.",
        )
    return (error.description or error.name, "Сервер не может обработать этот запрос.")


def openapi_document() -> dict:
    text = resources.files("mock_servers").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def start(
    host: str = "127.0.0.1", port: int = 0, *, language: str = "en", cors: bool = False
) -> runner.RunningServer:
    """Start the REST weather API in a background thread; ``.url`` is its base URL.

    ``language`` ("en" or "ru") answers requests that ask for no language
    (no ``?lang=``, no ``Accept-Language``); ``cors=True`` answers browser pages
    from other origins (CORS).  ``server.observations`` is the server's
    ``observations.Store``.
    """
    app = create_app(language=language, cors=cors)
    server = http_server.start_wsgi("rest", app, host, port)
    server.observations = app.extensions["observations"]  # what the server stores
    return server
