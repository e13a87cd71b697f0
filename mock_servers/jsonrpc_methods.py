"""The JSON-RPC weather methods, the error codes and the messages (en, ru).

``mock_servers.jsonrpc`` serves them over HTTP; messages, and each forecast's
description, are written in the language of the request the current thread
answers (``languages.answering_in``).
"""

from __future__ import annotations

import logging
import math
import warnings

from mock_servers import observations, spaces, weather
from mock_servers.languages import current as current_language
from mock_servers.languages import say

with warnings.catch_warnings():
    # jsonrpcserver 5 reads its schema with an importlib.resources function
    # that Python 3.11 and 3.12 call deprecated; nothing a learner can act on.
    warnings.simplefilter("ignore", DeprecationWarning)
    from jsonrpcserver import JsonRpcError, Success

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# The application's own codes: outside -32768..-32000, which JSON-RPC reserves.
UNKNOWN_CITY = 1001
NO_FORECAST = 1002
STORE_FULL = 1003

MESSAGES_RU = {
    PARSE_ERROR: "Ошибка разбора",
    INVALID_REQUEST: "Некорректный запрос",
    METHOD_NOT_FOUND: "Метод не найден",
    INVALID_PARAMS: "Неверные параметры",
    INTERNAL_ERROR: "Внутренняя ошибка",
    UNKNOWN_CITY: "Неизвестный город",
    NO_FORECAST: "Прогноза на эту дату нет",
    STORE_FULL: "Хранилище заполнено",
}
# JSON's type names, for "must be a string, not number".
TYPES_RU = {
    "null": "null",
    "boolean": "логическое значение",
    "number": "число",
    "string": "строка",
    "array": "массив",
    "object": "объект",
}

# jsonrpcserver logs the traceback of a method that raised; the error response
# says enough, and a server thread must not write to the notebook.
logging.getLogger("jsonrpcserver").addHandler(logging.NullHandler())
logging.getLogger("jsonrpcserver").propagate = False


# --------------------------------------------------------------------------
# The weather methods


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def type_name(value) -> str:
    name = json_type(value)
    return TYPES_RU.get(name, name) if current_language() == "ru" else name


def invalid_params(param: str, message: str, value) -> JsonRpcError:
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # 1e400 arrives as infinity, which JSON cannot send back
    data = {"param": param, "message": message, "value": value}
    return JsonRpcError(INVALID_PARAMS, say("Invalid params", MESSAGES_RU[INVALID_PARAMS]), data)


def text(param: str, value) -> str:
    if not isinstance(value, str):
        raise invalid_params(
            param,
            say(
                f"must be a string, not {json_type(value)}",
                f"ожидается строка, а не {type_name(value)}",
            ),
            value,
        )
    return value


def unknown_city(city) -> JsonRpcError:
    data = {"city": city, "known_cities": list(weather.CITIES)}
    return JsonRpcError(UNKNOWN_CITY, say("Unknown city", MESSAGES_RU[UNKNOWN_CITY]), data)


def known_city(city) -> str:
    if text("city", city) not in weather.CITIES:
        raise unknown_city(city)
    return city


def valid_date(date) -> str:
    try:
        return weather.parse_date(text("date", date)).isoformat()
    except ValueError:
        raise invalid_params(
            "date",
            say("must be a date in YYYY-MM-DD form", "ожидается дата вида ГГГГ-ММ-ДД"),
            date,
        ) from None


def observation_error(error: observations.Error) -> JsonRpcError:
    """The JSON-RPC error for what the observation rules or the store refused."""
    language = current_language()
    if isinstance(error, observations.Full):
        data = {"limit": error.limit, "message": error.message(language)}
        return JsonRpcError(STORE_FULL, say("Storage full", MESSAGES_RU[STORE_FULL]), data)
    mistake = error.mistakes[0]
    if mistake.code == "unknown-city":
        return unknown_city(mistake.value)
    message = mistake.message(language)
    if mistake.code in ("not-text", "not-a-number"):
        # Name the JSON type that came, as the other parameters do.
        message += say(f", not {json_type(mistake.value)}", f", а не {type_name(mistake.value)}")
    value = mistake.value
    if mistake.code == "too-long":
        value = None
    return invalid_params(mistake.field, message, value)


class WeatherMethods:
    """The methods a client can call; one instance per server, with its observations."""

    def __init__(self, store: observations.Store | spaces.Spaces | None = None) -> None:
        # Each learner's store too (spaces.Spaces); the server says whose request it answers.
        self.spaces = store if isinstance(store, spaces.Spaces) else spaces.Spaces(default=store)

    @property
    def observations(self) -> observations.Store:
        """The store of the request being answered (a learner's, or the default one)."""
        return self.spaces.current()

    def get_forecast(self, city, date):
        known_city(city)
        date = valid_date(date)
        try:
            return Success(weather.forecast(city, date, current_language()))
        except weather.NoForecast:
            data = {"city": city, "date": date, "dates": list(weather.DATES)}
            raise JsonRpcError(
                NO_FORECAST, say("No forecast for that date", MESSAGES_RU[NO_FORECAST]), data
            ) from None

    def list_cities(self):
        return Success(weather.cities())

    def get_week(self, city):
        return Success(weather.week(known_city(city), current_language()))

    def save_observation(self, city, date, temperature, note=""):
        """Store an observation (the same rules as every style); its id."""
        fields = {"city": city, "date": date, "temperature": temperature, "note": note}
        try:
            saved = self.observations.add(observations.validate(fields))
        except observations.Error as error:
            raise observation_error(error) from None
        return Success(saved["id"])

    def table(self) -> dict:
        """Method name → function, as jsonrpcserver takes them."""
        names = ("get_forecast", "list_cities", "get_week", "save_observation")
        return {name: getattr(self, name) for name in names}
