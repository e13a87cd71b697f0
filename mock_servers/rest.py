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

Requests that change state carry the API key in the ``X-API-Key`` header:
``learner-key``, the demo key, or ``learner-<name>``, a learner's own space of
observations on a shared server (see ``rest_spaces``).
The server keeps no session for a client: every request carries all that is
needed to answer it.  GET responses have an ``ETag``; sending it back in
``If-None-Match`` gets ``304 Not Modified``, and ``If-Match`` on a write
protects against overwriting someone else's change (``412``).

Every error is ``application/problem+json`` (RFC 9457)::

    {"type": "...", "title": "Not Found", "status": 404, "detail": "..."}

with ``title`` and ``detail`` in English or Russian (``?lang=``, then
``Accept-Language``, then ``start(language=...)``; see ``rest_problems``).

Observations follow the rules every style shares and live in a bounded store
(``mock_servers.observations``); a full store answers 507.  ``If-Match`` is
compared and the write done under the store's lock, so two writers holding the
same ETag cannot both succeed, and a PUT never recreates what a DELETE removed.
``/docs`` and CORS (``start(cors=True)``) are in ``rest_docs``; the request
helpers the routes share in ``rest_requests``.
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mock_servers import http_server, observations, rest_docs, rest_spaces, runner, spaces, weather
from mock_servers.rest_problems import (  # noqa: F401  (Problem and PROBLEM_BASE: public names)
    LANGUAGES,
    PROBLEM_BASE,
    Problem,
    json_response,
    problem_response,
)
from mock_servers.rest_requests import (  # noqa: F401  (public names of rest)
    ACCEPTED_BODIES,
    API_KEY,
    JSON_TYPES,
    MAX_BODY_BYTES,
    OFFSET_MAX,
    PAGE_LIMIT_MAX,
    SEED,
    AnyPath,
    date_param,
    description_language,
    etag_of,
    if_match,
    int_param,
    invalid_problem,
    json_body,
    known_city,
    merge_patch,
    page,
    page_url,
    require_api_key,
    store_problem,
    validate_observation,
    with_language,
)

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
    # /learners/<name>/... is that learner's space; routes see the path under it.
    app.wsgi_app = spaces.LearnerPrefix(app.wsgi_app)
    learner_spaces = rest_spaces.Spaces(SEED)
    app.extensions["observations"] = learner_spaces.default
    app.extensions["spaces"] = learner_spaces
    rest_docs.add_docs(app)
    if cors:
        rest_docs.allow_cross_origin(app)

    @app.get("/")
    def index():
        root = request.script_root  # a learner's prefix, if any
        return json_response(
            {
                "service": "Weather service (course mock)",
                "links": {
                    "cities": f"{root}/cities",
                    "observations": f"{root}/observations",
                    "echo": f"{root}/anything",
                    "openapi": f"{root}/openapi.json",
                    "docs": f"{root}/docs",
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
            day
            for day in weather.week(city_id, chosen)
            if (first is None or day["date"] >= first) and (last is None or day["date"] <= last)
        ]
        return with_language(page(days, default_limit=weather.DAYS), chosen)

    @app.get("/cities/<city_id>/forecast/<date>")
    def get_forecast(city_id, date):
        known_city(city_id)
        chosen = description_language()
        try:
            forecast = weather.forecast(city_id, date, chosen)
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
        return with_language(json_response(forecast), chosen)

    @app.get("/observations")
    def list_observations():
        city = request.args.get("city")
        if city is not None:
            known_city(city)
        return page(learner_spaces.for_request().list(city))

    @app.post("/observations")
    def create_observation():
        require_api_key()
        fields = validate_observation(json_body())
        try:
            observation = learner_spaces.for_request().add(fields, one_per_day=True)
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
                existing=f"{request.script_root}/observations/{duplicate.existing}",
            ) from None
        except observations.Error as error:
            raise store_problem(error) from None
        response = json_response(observation, 201)
        # Under a learner's prefix, the new resource's path keeps it.
        response.headers["Location"] = f"{request.script_root}/observations/{observation['id']}"
        return response

    @app.get("/observations/<int:observation_id>")
    def get_observation(observation_id):
        try:
            return json_response(learner_spaces.for_request().get(observation_id))
        except observations.Error as error:
            raise store_problem(error) from None

    @app.put("/observations/<int:observation_id>")
    def replace_observation(observation_id):
        require_api_key()
        body = json_body()
        check = if_match()
        try:
            # Checked and written under the store's lock: nothing comes between.
            changed = learner_spaces.for_request().replace(
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
            changed = learner_spaces.for_request().replace(observation_id, patched, check=check)
        except observations.Error as error:
            raise store_problem(error) from None
        return json_response(changed)

    @app.delete("/observations/<int:observation_id>")
    def delete_observation(observation_id):
        require_api_key()
        try:
            learner_spaces.for_request().delete(observation_id, check=if_match())
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
                "path": request.script_root + request.path,  # as received
                "query": request.args.to_dict(flat=False),
                "headers": dict(request.headers),
                "body": body,
                "json": parsed,
            }
        )

    @app.get("/openapi.json")
    def openapi():
        document = openapi_document()
        # The file's relative server URLs, made absolute: this space first
        # (a learner's prefix included), so a tool calls where the document came from.
        host = request.host_url.rstrip("/")
        here = {"url": host + request.script_root}
        document["servers"] = [here] + [
            {**entry, "url": host + entry["url"].rstrip("/")}
            for entry in document.get("servers", [])
            if "{" in entry["url"]
        ]
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
    # The path as the client sent it, a learner's prefix included.
    root = request.script_root
    path, method = root + request.path, request.method
    if error.code == 404:
        return (
            f"There is nothing at {path}. GET {root}/ lists what there is.",
            f"По адресу {path} ничего нет. Что есть, перечисляет GET {root}/.",
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
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    language: str = "en",
    cors: bool = False,
    own: bool = False,
) -> runner.RunningServer:
    """Start the REST weather API in a background thread; ``.url`` is its base URL.

    ``language`` ("en" or "ru") answers requests that ask for no language
    (no ``?lang=``, no ``Accept-Language``); ``cors=True`` answers browser pages
    from other origins (CORS).  ``server.observations`` is the server's
    ``observations.Store`` (the default space); ``server.spaces`` holds it and
    every learner's (``rest_spaces``).

    When this learner has joined a room (``python -m mock_servers.room join
    URL``) and host and port are the defaults, this returns the room's shared
    server instead (``mock_servers.room``); ``own=True`` always starts one here,
    and so does ``cors=True`` (the room's server answers no other origins).
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    shared = spaces.room_server("rest", language, host, port, own or cors)
    if shared is not None:
        return shared
    app = create_app(language=language, cors=cors)
    server = http_server.start_wsgi("rest", app, host, port)
    server.observations = app.extensions["observations"]  # the default space
    server.spaces = app.extensions["spaces"]  # learners' own spaces (rest_spaces)
    return server
