"""What the REST server's routes share: its constants, the observations' glue,
and helpers that read a request (API key, JSON body, If-Match, query parameters,
language) and answer with problem details when it is wrong.

``mock_servers.rest`` builds the routes from these; its public names (API_KEY,
MAX_BODY_BYTES, ...) are these, re-exported.
"""

from __future__ import annotations

import json

from flask import Response, request, url_for
from werkzeug.http import generate_etag
from werkzeug.routing import PathConverter

from mock_servers import observations, rest_spaces, weather
from mock_servers.rest_problems import LANGUAGES, Problem, json_response, language

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
            existing=f"{request.script_root}/observations/{error.existing}",
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
    if not rest_spaces.is_valid_key(key):
        detail = (
            (
                "This request changes data, so it needs the header X-API-Key.",
                "Этот запрос меняет данные, поэтому ему нужен заголовок X-API-Key.",
            )
            if key is None
            else (
                f"The API key in X-API-Key is not valid: use {API_KEY}, "
                f"or learner-<your name> for a space of your own.",
                f"Ключ API в заголовке X-API-Key недействителен: используйте {API_KEY} "
                f"или learner-<ваше имя> для личного пространства.",
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
