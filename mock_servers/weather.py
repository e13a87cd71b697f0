"""The weather service's facts: the one data set every mock server serves.

A few cities and a fixed week of daily forecasts, so that REST, SOAP, RPC and
WebSocket all answer the same question with the same numbers, and a lesson's
stored output never changes from one run to the next.  Nothing here reads the
clock or draws random numbers.

Units: temperatures in degrees Celsius, precipitation in millimetres, wind
speed in metres per second.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator


class UnknownCity(LookupError):
    """No city has this id."""


class NoForecast(LookupError):
    """The city exists, but the week has no forecast for this date."""


CITIES = {
    # id: (English name, Russian name, country code, latitude, longitude)
    "moscow": ("Moscow", "Москва", "RU", 55.7558, 37.6173),
    "saint-petersburg": ("Saint Petersburg", "Санкт-Петербург", "RU", 59.9343, 30.3351),
    "kazan": ("Kazan", "Казань", "RU", 55.7963, 49.1088),
    "novosibirsk": ("Novosibirsk", "Новосибирск", "RU", 55.0084, 82.9357),
    "sochi": ("Sochi", "Сочи", "RU", 43.5855, 39.7231),
    "london": ("London", "Лондон", "GB", 51.5072, -0.1276),
    "tokyo": ("Tokyo", "Токио", "JP", 35.6762, 139.6503),
}

CONDITIONS = {
    # code: (English description, Russian description)
    "clear": ("Clear sky", "Ясно"),
    "partly-cloudy": ("Partly cloudy", "Переменная облачность"),
    "cloudy": ("Cloudy", "Облачно"),
    "rain": ("Rain", "Дождь"),
    "showers": ("Showers", "Ливни"),
    "thunderstorm": ("Thunderstorm", "Гроза"),
}

FIRST_DAY = datetime.date(2026, 6, 1)
DAYS = 7
DATES = tuple((FIRST_DAY + datetime.timedelta(days=n)).isoformat() for n in range(DAYS))

# One row per day, Monday 1 June to Sunday 7 June 2026:
# (lowest °C, highest °C, precipitation mm, wind m/s, condition)
_WEEKS = {
    "moscow": [
        (12, 21, 0.0, 3.1, "clear"),
        (13, 23, 0.0, 2.4, "partly-cloudy"),
        (14, 19, 4.2, 5.0, "rain"),
        (11, 17, 7.8, 6.3, "showers"),
        (10, 18, 0.6, 4.1, "cloudy"),
        (12, 22, 0.0, 2.2, "clear"),
        (15, 25, 1.4, 3.6, "thunderstorm"),
    ],
    "saint-petersburg": [
        (10, 17, 1.2, 5.4, "cloudy"),
        (9, 16, 3.5, 6.8, "rain"),
        (11, 18, 0.0, 4.0, "partly-cloudy"),
        (12, 20, 0.0, 3.3, "clear"),
        (11, 19, 2.1, 4.7, "showers"),
        (10, 16, 5.6, 7.1, "rain"),
        (9, 15, 0.8, 5.9, "cloudy"),
    ],
    "kazan": [
        (13, 24, 0.0, 2.8, "clear"),
        (14, 26, 0.0, 2.1, "clear"),
        (15, 27, 0.3, 3.4, "partly-cloudy"),
        (16, 24, 9.4, 6.0, "thunderstorm"),
        (12, 20, 3.0, 4.5, "showers"),
        (11, 21, 0.0, 3.2, "partly-cloudy"),
        (13, 23, 0.0, 2.6, "clear"),
    ],
    "novosibirsk": [
        (8, 19, 0.0, 3.7, "partly-cloudy"),
        (9, 22, 0.0, 2.9, "clear"),
        (11, 24, 0.0, 3.1, "clear"),
        (12, 21, 6.1, 5.5, "showers"),
        (7, 15, 4.4, 7.2, "rain"),
        (6, 16, 0.2, 4.8, "cloudy"),
        (9, 20, 0.0, 3.0, "partly-cloudy"),
    ],
    "sochi": [
        (17, 24, 0.0, 2.0, "clear"),
        (18, 25, 0.0, 1.8, "clear"),
        (18, 24, 2.6, 3.1, "showers"),
        (17, 23, 12.3, 4.4, "thunderstorm"),
        (16, 22, 3.9, 3.8, "rain"),
        (17, 24, 0.0, 2.3, "partly-cloudy"),
        (18, 26, 0.0, 1.9, "clear"),
    ],
    "london": [
        (11, 18, 1.8, 4.9, "showers"),
        (12, 19, 0.4, 4.2, "cloudy"),
        (10, 17, 4.7, 6.1, "rain"),
        (11, 20, 0.0, 3.5, "partly-cloudy"),
        (13, 21, 0.0, 3.0, "clear"),
        (12, 19, 2.2, 5.2, "showers"),
        (11, 18, 0.9, 4.6, "cloudy"),
    ],
    "tokyo": [
        (18, 25, 0.0, 3.3, "partly-cloudy"),
        (19, 26, 6.5, 4.0, "rain"),
        (20, 24, 14.2, 5.6, "rain"),
        (19, 27, 0.0, 3.1, "clear"),
        (20, 28, 0.0, 2.7, "clear"),
        (21, 27, 3.3, 4.2, "showers"),
        (20, 25, 1.0, 3.8, "cloudy"),
    ],
}


def cities() -> list[dict]:
    """Every city, in a fixed order."""
    return [city(city_id) for city_id in CITIES]


def city(city_id: str) -> dict:
    """One city; raises UnknownCity."""
    try:
        name, name_ru, country, latitude, longitude = CITIES[city_id]
    except (KeyError, TypeError):
        raise UnknownCity(city_id) from None
    return {
        "id": city_id,
        "name": name,
        "name_ru": name_ru,
        "country": country,
        "latitude": latitude,
        "longitude": longitude,
    }


def parse_date(text: str) -> datetime.date:
    """A date in ISO 8601 form (2026-06-01); raises ValueError otherwise."""
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError(f"not a date in YYYY-MM-DD form: {text!r}")
    return datetime.date.fromisoformat(text)


def description(condition: str, language: str = "en") -> str:
    """A condition code ("rain") as words for people, in ``language`` ("en" or "ru")."""
    english, russian = CONDITIONS[condition]
    return russian if language == "ru" else english


def forecast(city_id: str, date: str, language: str = "en") -> dict:
    """The forecast for one city and day; its description in ``language``.

    Raises UnknownCity, ValueError for a malformed date, or NoForecast for a
    date outside the week.
    """
    city(city_id)
    day = parse_date(date)
    index = (day - FIRST_DAY).days
    if not 0 <= index < DAYS:
        raise NoForecast(f"{city_id} {date}")
    temp_min, temp_max, precipitation, wind, condition = _WEEKS[city_id][index]
    return {
        "city": city_id,
        "date": day.isoformat(),
        "temp_min": temp_min,
        "temp_max": temp_max,
        "precipitation_mm": precipitation,
        "wind_speed_ms": wind,
        "condition": condition,
        "description": description(condition, language),
    }


def week(city_id: str, language: str = "en") -> list[dict]:
    """The seven daily forecasts of a city, first day first."""
    return [forecast(city_id, date, language) for date in DATES]


def updates(city_id: str, language: str = "en") -> Iterator[dict]:
    """An endless, repeating sequence of "current weather" readings for a city.

    Servers that push updates (WebSocket, gRPC streaming) send these in order,
    so the n-th update a client sees is always the same.  Descriptions are in
    ``language``.
    """
    city(city_id)
    steps = itertools.cycle(_WEEKS[city_id])
    for sequence, (temp_min, temp_max, _rain, wind, condition) in enumerate(steps, start=1):
        yield {
            "city": city_id,
            "sequence": sequence,
            "temperature": round((temp_min + temp_max) / 2, 1),
            "wind_speed_ms": wind,
            "condition": condition,
            "description": description(condition, language),
        }
