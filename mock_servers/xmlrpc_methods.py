"""The XML-RPC weather methods, their fault codes and fault strings (en, ru).

``mock_servers.xmlrpc`` serves them over HTTP; each fault string, and each
forecast's description, is written in the language of the request the current
thread answers (``languages.answering_in``).
"""

from __future__ import annotations

import inspect
import xmlrpc.client

from mock_servers import languages, observations, spaces, weather
from mock_servers.languages import say

BAD_PARAMS = 400
NOT_FOUND = 404
STORE_FULL = 507
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603

TYPE_NAMES = {
    bool: "boolean",
    int: "int",
    float: "double",
    str: "string",
    list: "array",
    dict: "struct",
    xmlrpc.client.DateTime: "dateTime.iso8601",
    xmlrpc.client.Binary: "base64",
}


# --------------------------------------------------------------------------
# The weather methods


def type_name(value) -> str:
    return TYPE_NAMES.get(type(value), type(value).__name__)


def text(name: str, value) -> str:
    if not isinstance(value, str):
        raise xmlrpc.client.Fault(
            BAD_PARAMS,
            say(
                f"{name} must be a string, not {type_name(value)}",
                f"{name}: ожидается string, а не {type_name(value)}",
            ),
        )
    return value


def unknown_city(city) -> xmlrpc.client.Fault:
    known = ", ".join(weather.CITIES)
    return xmlrpc.client.Fault(
        NOT_FOUND,
        say(
            f"unknown city {city!r}; known cities: {known}",
            f"неизвестный город «{city}»; известные города: {known}",
        ),
    )


def known_city(city) -> str:
    text("city", city)
    if city not in weather.CITIES:
        raise unknown_city(city)
    return city


def valid_date(date) -> str:
    try:
        return weather.parse_date(text("date", date)).isoformat()
    except ValueError:
        raise xmlrpc.client.Fault(
            BAD_PARAMS,
            say(
                f"date {date!r} is not in YYYY-MM-DD form, e.g. {weather.DATES[0]}",
                f"дата «{date}» не в виде ГГГГ-ММ-ДД, например {weather.DATES[0]}",
            ),
        ) from None


class WeatherService:
    """The weather methods; one instance per server, holding its observations."""

    def __init__(self, store: observations.Store | spaces.Spaces | None = None) -> None:
        # Each learner's store too (spaces.Spaces); the server says whose request it answers.
        self.spaces = store if isinstance(store, spaces.Spaces) else spaces.Spaces(default=store)

    @property
    def observations(self) -> observations.Store:
        """The store of the request being answered (a learner's, or the default one)."""
        return self.spaces.current()

    def get_forecast(self, city, date):
        """get_forecast(city, date) -> struct

        The forecast for one city and day, e.g. get_forecast("moscow", "2026-06-01").
        Fields: city, date, temp_min and temp_max (°C), precipitation_mm,
        wind_speed_ms, condition (a code such as "rain") and description.
        Faults: 404 unknown city or no forecast for the date (forecasts cover
        2026-06-01 to 2026-06-07), 400 date not in YYYY-MM-DD form.
        """
        known_city(city)
        date = valid_date(date)
        try:
            return weather.forecast(city, date, languages.current())
        except weather.NoForecast:
            first, last = weather.DATES[0], weather.DATES[-1]
            raise xmlrpc.client.Fault(
                NOT_FOUND,
                say(
                    f"no forecast for {city} on {date}; forecasts cover {first} to {last}",
                    f"прогноза для {city} на {date} нет; прогнозы есть с {first} по {last}",
                ),
            ) from None

    def list_cities(self):
        """list_cities() -> array of structs

        Every city the service knows. Fields: id (what the other methods take,
        e.g. "moscow"), name, name_ru, country, latitude, longitude.
        """
        return weather.cities()

    def get_week(self, city):
        """get_week(city) -> array of structs

        The seven daily forecasts of a city, first day first (see get_forecast).
        Fault: 404 unknown city.
        """
        return weather.week(known_city(city), languages.current())

    def save_observation(self, city, date, temperature, note=""):
        """save_observation(city, date, temperature[, note]) -> int

        Store the weather someone observed in this server's memory: a city
        id, a day of the week (2026-06-01 to 2026-06-07), the temperature in
        °C (-90 to 60) and an optional note of at most 500 characters.
        Returns the observation's id: 1, 2, 3, ...
        Faults: 404 unknown city, 400 bad date, temperature or note,
        507 the server stores no more observations.
        """
        known_city(city)
        valid_date(date)
        fields = {"city": city, "date": date, "temperature": temperature, "note": note}
        try:
            return self.observations.add(observations.validate(fields))["id"]
        except observations.Full as full:
            raise xmlrpc.client.Fault(
                STORE_FULL, say(full.message("en"), full.message("ru"))
            ) from None
        except observations.Invalid as invalid:
            mistake = invalid.mistakes[0]
            message = say(mistake.message("en"), mistake.message("ru"))
            if mistake.code in ("not-text", "not-a-number"):
                message += say(", not ", ", а не ") + type_name(mistake.value)
            field = say(f"{mistake.field} ", f"{mistake.field}: ")
            raise xmlrpc.client.Fault(BAD_PARAMS, field + message) from None

    signatures = {
        # XML-RPC introspection: [[return type, parameter types...], ...]
        "get_forecast": [["struct", "string", "string"]],
        "list_cities": [["array"]],
        "get_week": [["array", "string"]],
        "save_observation": [
            ["int", "string", "string", "double"],
            ["int", "string", "string", "double", "string"],
        ],
    }


# What system.methodHelp answers to a request that prefers Russian.
HELP_RU = {
    name: inspect.cleandoc(help)
    for name, help in {
        "get_forecast": """
            get_forecast(city, date) -> struct

            Прогноз для одного города на один день, например get_forecast("moscow", "2026-06-01").
            Поля: city, date, temp_min и temp_max (°C), precipitation_mm,
            wind_speed_ms, condition (код погоды, например "rain") и description (она же словами).
            Ошибки (faults): 404 — неизвестный город или прогноза на эту дату нет (прогнозы
            есть с 2026-06-01 по 2026-06-07), 400 — дата не в виде ГГГГ-ММ-ДД.
            """,
        "list_cities": """
            list_cities() -> array of structs

            Все города, которые знает служба. Поля: id (его принимают остальные методы,
            например "moscow"), name, name_ru, country, latitude, longitude.
            """,
        "get_week": """
            get_week(city) -> array of structs

            Семь ежедневных прогнозов города, начиная с первого дня (см. get_forecast).
            Ошибка (fault): 404 — неизвестный город.
            """,
        "save_observation": """
            save_observation(city, date, temperature[, note]) -> int

            Сохраняет в памяти сервера погоду, которую кто-то наблюдал: id города,
            день недели прогнозов (с 2026-06-01 по 2026-06-07), температуру в °C
            (от −90 до 60) и необязательную заметку не длиннее 500 символов.
            Возвращает id наблюдения: 1, 2, 3…
            Ошибки (faults): 404 — неизвестный город, 400 — неверные дата, температура
            или заметка, 507 — сервер больше не сохраняет наблюдения.
            """,
        "system.listMethods": """
            system.listMethods() -> array

            Имена всех методов сервера.
            """,
        "system.methodHelp": """
            system.methodHelp(name) -> string

            Документация метода.
            """,
        "system.methodSignature": """
            system.methodSignature(name) -> array of arrays

            Типы, которые метод принимает и возвращает: по массиву на каждый способ
            вызова, тип результата первым, например [["struct", "string", "string"]].
            """,
        "system.multicall": """
            system.multicall([{"methodName": name, "params": [...]}, ...]) -> array

            Несколько вызовов в одном запросе. Результат каждого — массив из одного
            элемента [значение] или, если вызов не удался, структура {faultCode, faultString};
            один неудачный вызов не останавливает остальные.
            """,
    }.items()
}
