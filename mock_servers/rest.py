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

import copy
import json
import threading
from importlib import resources

from flask import Flask, Response, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.http import generate_etag

from mock_servers import runner, weather

API_KEY = "learner-key"
MAX_BODY_BYTES = 64 * 1024
PAGE_LIMIT_MAX = 100
JSON_TYPES = ("application/json", "application/merge-patch+json")
LANGUAGES = ("en", "ru")  # of a forecast's description
# The header that tells a client which bodies a method accepts (RFC 5789 for PATCH).
ACCEPTED_BODIES = {
    "PATCH": [("Accept-Patch", ", ".join(JSON_TYPES))],
    "POST": [("Accept-Post", "application/json")],
}
PROBLEM_BASE = "https://weather.example/problems/"


class Problem(Exception):
    """An error answered as application/problem+json (RFC 9457)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        kind: str | None = None,
        headers: dict | None = None,
        **extra,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        # "about:blank" means: nothing more to know than the HTTP status itself.
        self.type = PROBLEM_BASE + kind if kind else "about:blank"
        self.headers = headers or {}
        self.extra = extra


def problem_response(problem: Problem) -> Response:
    body = {"type": problem.type, "title": problem.title, "status": problem.status}
    body["detail"] = problem.detail
    body["instance"] = request.full_path.rstrip("?") if request else None
    body.update(problem.extra)
    response = json_response(body, problem.status)
    response.mimetype = "application/problem+json"
    response.headers.update(problem.headers)
    return response


def json_response(data, status: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return Response(text, status=status, mimetype="application/json")


def etag_of(data) -> str:
    """The ETag a GET of ``data`` carries (a hash of exactly those bytes)."""
    return generate_etag(json_response(data).get_data())


# --------------------------------------------------------------------------
# Observations: the one resource clients can change


class ObservationStore:
    """Observations in memory, one store per server; ids count up from 1."""

    FIELDS = {"city", "date", "temperature", "note"}

    def __init__(self) -> None:
        self._items: dict[int, dict] = {}
        self._next_id = 1
        self._lock = threading.Lock()
        self.add(
            {"city": "moscow", "date": "2026-06-01", "temperature": 20.5, "note": "Sunny afternoon"}
        )

    def list(self, city: str | None = None) -> list[dict]:
        with self._lock:
            items = [copy.deepcopy(o) for o in self._items.values()]
        return [o for o in items if city is None or o["city"] == city]

    def get(self, observation_id: int) -> dict:
        with self._lock:
            if observation_id not in self._items:
                raise Problem(
                    404,
                    "Not Found",
                    f"There is no observation {observation_id}.",
                    "unknown-observation",
                )
            return copy.deepcopy(self._items[observation_id])

    def add(self, fields: dict) -> dict:
        with self._lock:
            for existing in self._items.values():
                if (existing["city"], existing["date"]) == (fields["city"], fields["date"]):
                    raise Problem(
                        409,
                        "Conflict",
                        f"{fields['city']} already has an observation for {fields['date']}; "
                        f"change that one with PUT or PATCH instead.",
                        "duplicate-observation",
                        existing=f"/observations/{existing['id']}",
                    )
            observation = {"id": self._next_id, **fields}
            self._items[self._next_id] = observation
            self._next_id += 1
            return copy.deepcopy(observation)

    def replace(self, observation_id: int, fields: dict) -> dict:
        with self._lock:
            for other in self._items.values():
                same_day = (other["city"], other["date"]) == (fields["city"], fields["date"])
                if same_day and other["id"] != observation_id:
                    raise Problem(
                        409,
                        "Conflict",
                        f"Observation {other['id']} already covers "
                        f"{fields['city']} on {fields['date']}.",
                        "duplicate-observation",
                        existing=f"/observations/{other['id']}",
                    )
            self._items[observation_id] = {"id": observation_id, **fields}
            return copy.deepcopy(self._items[observation_id])

    def delete(self, observation_id: int) -> None:
        with self._lock:
            self._items.pop(observation_id, None)


def validate_observation(data) -> dict:
    """The observation fields of ``data``, or a 422 problem listing every mistake."""
    if not isinstance(data, dict):
        raise Problem(
            422, "Unprocessable Content", "The body must be a JSON object.", "validation-error"
        )
    errors = []
    for field in sorted(set(data) - ObservationStore.FIELDS - {"id"}):
        errors.append({"field": field, "message": "unknown field"})
    city = data.get("city")
    if city is None:
        errors.append({"field": "city", "message": "required"})
    elif city not in weather.CITIES:
        errors.append({"field": "city", "message": f"unknown city {city!r}"})
    date = data.get("date")
    if date is None:
        errors.append({"field": "date", "message": "required"})
    else:
        try:
            weather.parse_date(date)
        except ValueError:
            errors.append({"field": "date", "message": "must be a date like 2026-06-01"})
    temperature = data.get("temperature")
    if temperature is None:
        errors.append({"field": "temperature", "message": "required"})
    elif isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        errors.append({"field": "temperature", "message": "must be a number"})
    elif not -90 <= temperature <= 60:
        errors.append({"field": "temperature", "message": "must be between -90 and 60 °C"})
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        errors.append({"field": "note", "message": "must be text of at most 500 characters"})
    if errors:
        raise Problem(
            422,
            "Unprocessable Content",
            "The observation is not valid; see errors.",
            "validation-error",
            errors=errors,
        )
    fields = {"city": city, "date": date, "temperature": temperature}
    if note is not None:
        fields["note"] = note
    return fields


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
            "This request changes data, so it needs the header X-API-Key."
            if key is None
            else "The API key in X-API-Key is not valid."
        )
        raise Problem(
            401,
            "Unauthorized",
            detail,
            "api-key-required",
            headers={"WWW-Authenticate": 'APIKey realm="weather", header="X-API-Key"'},
        )


def json_body():
    """The request body parsed as JSON, or the right 415 / 400 problem."""
    if request.mimetype not in JSON_TYPES:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"Send the body as application/json, not {request.mimetype or 'nothing'}.",
            "unsupported-media-type",
            headers=dict(ACCEPTED_BODIES.get(request.method, [])),
        )
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(
            400, "Bad Request", f"The body is not valid JSON: {error}", "malformed-json"
        ) from None


def check_if_match(current: dict) -> None:
    expected = request.headers.get("If-Match")
    if expected is None:
        return
    tags = {tag.strip() for tag in expected.split(",")}
    if "*" not in tags and f'"{etag_of(current)}"' not in tags:
        raise Problem(
            412,
            "Precondition Failed",
            "The observation changed since you read it; GET it again and retry.",
            "etag-mismatch",
        )


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
            "Bad Request",
            f"Query parameter {name!r} must be a whole number from {minimum} to {maximum}.",
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
            "Bad Request",
            f"Query parameter {name!r} must be a date like 2026-06-01.",
            "invalid-parameter",
            parameter=name,
        ) from None


def page(items: list, default_limit: int = 20) -> Response:
    """One page of ``items`` with the total count, and Link headers (RFC 8288)."""
    limit = int_param("limit", default_limit, 1, PAGE_LIMIT_MAX)
    offset = int_param("offset", 0, 0, 10**6)
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
    """``?lang=`` if given, else the best match for the Accept-Language header."""
    language = request.args.get("lang")
    if language is None:
        return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])
    if language not in LANGUAGES:
        raise Problem(
            400,
            "Bad Request",
            f"Query parameter 'lang' must be one of: {', '.join(LANGUAGES)}.",
            "invalid-parameter",
            parameter="lang",
        )
    return language


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
            "Not Found",
            f"There is no city {city_id!r}. GET /cities lists the known ones.",
            "unknown-city",
        ) from None


# --------------------------------------------------------------------------
# The application


def create_app() -> Flask:
    """A new weather API with its own observation store."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    store = ObservationStore()

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
        language = description_language()
        days = [
            in_language(day, language)
            for day in weather.week(city_id)
            if (first is None or day["date"] >= first) and (last is None or day["date"] <= last)
        ]
        return with_language(page(days, default_limit=weather.DAYS), language)

    @app.get("/cities/<city_id>/forecast/<date>")
    def get_forecast(city_id, date):
        known_city(city_id)
        language = description_language()
        try:
            forecast = weather.forecast(city_id, date)
        except ValueError:
            raise Problem(
                400, "Bad Request", f"{date!r} is not a date like 2026-06-01.", "invalid-date"
            ) from None
        except weather.NoForecast:
            raise Problem(
                404,
                "Not Found",
                f"No forecast for {date}: the forecast covers "
                f"{weather.DATES[0]} to {weather.DATES[-1]}.",
                "no-forecast",
            ) from None
        return with_language(json_response(in_language(forecast, language)), language)

    @app.get("/observations")
    def list_observations():
        city = request.args.get("city")
        if city is not None:
            known_city(city)
        return page(store.list(city))

    @app.post("/observations")
    def create_observation():
        require_api_key()
        observation = store.add(validate_observation(json_body()))
        response = json_response(observation, 201)
        response.headers["Location"] = f"/observations/{observation['id']}"
        return response

    @app.get("/observations/<int:observation_id>")
    def get_observation(observation_id):
        return json_response(store.get(observation_id))

    @app.put("/observations/<int:observation_id>")
    def replace_observation(observation_id):
        require_api_key()
        current = store.get(observation_id)
        check_if_match(current)
        fields = validate_observation(json_body())
        return json_response(store.replace(observation_id, fields))

    @app.patch("/observations/<int:observation_id>")
    def update_observation(observation_id):
        require_api_key()
        current = store.get(observation_id)
        check_if_match(current)
        patch = json_body()
        if not isinstance(patch, dict):
            raise Problem(
                422,
                "Unprocessable Content",
                "A merge patch must be a JSON object.",
                "validation-error",
            )
        merged = merge_patch(current, patch)
        merged.pop("id", None)
        return json_response(store.replace(observation_id, validate_observation(merged)))

    @app.delete("/observations/<int:observation_id>")
    def delete_observation(observation_id):
        require_api_key()
        check_if_match(store.get(observation_id))
        store.delete(observation_id)
        return Response(status=204)

    @app.route(
        "/anything",
        defaults={"rest": ""},
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )
    @app.route("/anything/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def anything(rest):
        body = request.get_data(cache=True).decode("utf-8", errors="replace")
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
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
        problem = Problem(status, runner.reason_phrase(status), http_error_detail(error))
        # Keep the headers the error brings, such as Allow on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                problem.headers[name] = value
        return problem_response(problem)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never a traceback on the wire.
        return problem_response(
            Problem(500, "Internal Server Error", "The server failed to answer this request.")
        )

    return app


def http_error_detail(error: HTTPException) -> str:
    if error.code == 404:
        return f"There is nothing at {request.path}. GET / lists what there is."
    if error.code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
    if error.code == 413:
        return f"The body is larger than {MAX_BODY_BYTES} bytes."
    return error.description or error.name


def openapi_document() -> dict:
    text = resources.files("mock_servers").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def start(host: str = "127.0.0.1", port: int = 0) -> runner.RunningServer:
    """Start the REST weather API in a background thread; ``.url`` is its base URL."""
    return runner.start_wsgi("rest", create_app(), host, port)
