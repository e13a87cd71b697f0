"""The weather WebSocket's message protocol, with no I/O: text in, messages out.

``docs/websocket-protocol.md`` describes the protocol for a person;
``websocket_server`` carries it over real connections.  This module knows the
message types, reads and checks a request, builds every reply, and says every
error and close reason in English or Russian.  Nothing here touches a socket,
a thread or a clock, so each rule can be tested on its own.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import parse_qs, urlsplit

from mock_servers import languages, weather

PATH = "/weather"
LANGUAGES = languages.LANGUAGES
MAX_MESSAGE_BYTES = 64 * 1024  # a larger message closes the connection with 1009
MAX_TEXT = 280  # characters in an alert
MAX_SUBSCRIPTIONS = len(weather.CITIES)  # one per city, so every city at once fits
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455, section 5.5: a control frame's payload is 125 at most

QUERIES = ("cities", "forecast", "week")  # answered from the weather data alone
KINDS = (*QUERIES, "subscribe", "unsubscribe", "alert")

# Error texts: what a request that cannot be answered gets, in each language.
ERRORS = {
    "invalid-json": {
        "en": "the message is not valid JSON",
        "ru": "сообщение не является корректным JSON",
    },
    "not-an-object": {
        "en": 'a message is a JSON object with a "type"',
        "ru": "сообщение — это объект JSON с полем «type»",
    },
    "bad-id": {
        "en": '"id" must be a number or a string',
        "ru": "поле «id» должно быть числом или строкой",
    },
    "no-type": {
        "en": 'a message needs a string "type"',
        "ru": "в сообщении нужно строковое поле «type»",
    },
    "unknown-type": {
        "en": 'unknown type "{kind}"; known: ' + ", ".join(KINDS),
        "ru": "неизвестный тип «{kind}»; известные: " + ", ".join(KINDS),
    },
    "missing-field": {
        "en": '"{kind}" needs a "{name}" field',
        "ru": "в сообщении «{kind}» нет поля «{name}»",
    },
    "not-a-string": {
        "en": '"{name}" must be a string',
        "ru": "поле «{name}» должно быть строкой",
    },
    "bad-date": {
        "en": '"date" must be a date like 2026-06-01',
        "ru": "поле «date» должно быть датой вида 2026-06-01",
    },
    "text-length": {
        "en": '"text" must be 1 to {most} characters',
        "ru": "поле «text» должно содержать от 1 до {most} символов",
    },
    "unknown-city": {
        "en": 'no city "{city}"; send {{"type": "cities"}} for the list',
        "ru": 'нет города «{city}»; список городов — в ответе на {{"type": "cities"}}',
    },
    "no-forecast": {
        "en": "no forecast for {city} on {date}; the week is {first} to {last}",
        "ru": "нет прогноза для {city} на {date}; неделя прогнозов — с {first} по {last}",
    },
    "already-subscribed": {
        "en": "already subscribed to {city}",
        "ru": "подписка на {city} уже есть",
    },
    "not-subscribed": {
        "en": "not subscribed to {city}",
        "ru": "подписки на {city} нет",
    },
    "too-many-subscriptions": {
        "en": "at most {most} subscriptions per connection",
        "ru": "не больше {most} подписок на одно соединение",
    },
    "internal-error": {
        "en": "the server failed: {name}",
        "ru": "сбой сервера: {name}",
    },
}

# Reasons sent in a close frame, and the refusals of a handshake.
CLOSE_REASONS = {
    "text-only": {"en": "text frames only", "ru": "только текстовые фреймы"},
    "rate": {
        "en": "more than {most} messages a second",
        "ru": "больше {most} сообщений в секунду",
    },
    "errors": {"en": "{most} errors in a row", "ru": "{most} ошибок подряд"},
    "idle": {
        "en": "no message for {minutes} minutes; connect again",
        "ru": "нет сообщений {minutes} мин; подключитесь заново",
    },
    "not-found": {
        "en": "Not Found: the WebSocket is at {path}\n",
        "ru": "Не найдено: WebSocket находится по адресу {path}\n",
    },
    "bad-language": {
        "en": "Bad Request: lang must be one of: {languages}\n",
        "ru": "Неверный запрос: lang должен быть одним из: {languages}\n",
    },
    "upgrade-required": {
        "en": "Upgrade Required: this is a WebSocket; open it with a WebSocket client "
        "(a GET with Upgrade: websocket), not as a web page\n",
        "ru": "Нужен переход на WebSocket (Upgrade Required): откройте этот адрес клиентом "
        "WebSocket (GET с Upgrade: websocket), а не как веб-страницу\n",
    },
    "bad-handshake": {
        "en": "Bad Request: not a WebSocket handshake as RFC 6455 describes it\n",
        "ru": "Неверный запрос: это не рукопожатие (handshake) WebSocket по RFC 6455\n",
    },
    "full": {
        "en": "Service Unavailable: {most} connections are open, the most this server "
        "takes; try again in a few seconds\n",
        "ru": "Сервис недоступен: открыто {most} соединений, больше этот сервер "
        "не принимает; попробуйте через несколько секунд\n",
    },
}


class ProtocolError(Exception):
    """A request answered with an error message; ``code`` goes on the wire.

    ``text`` names an entry of ``ERRORS`` and ``values`` fill it in.
    ``request_id`` is the request's id once it is known (None before).
    """

    def __init__(self, code: str, text: str | None = None, **values) -> None:
        self.code = code
        self.text = text or code
        self.values = values
        self.request_id = None
        super().__init__(self.message("en"))

    def message(self, language: str) -> str:
        return ERRORS[self.text][language].format(**self.values)


@dataclasses.dataclass(frozen=True)
class Request:
    """A request that passed every check of its type."""

    kind: str
    id: int | str | None = None
    city: str | None = None
    date: str | None = None
    text: str | None = None


# --------------------------------------------------------------------------
# Reading a request


def parse(text: str) -> Request:
    """The request in a text frame, checked; raises ProtocolError."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        raise ProtocolError("invalid-json") from None
    if not isinstance(message, dict):
        raise ProtocolError("invalid-message", "not-an-object")
    request_id = _request_id(message)  # a bad id is answered with id null
    try:
        return _checked(message, request_id)
    except ProtocolError as error:
        error.request_id = request_id
        raise


def _request_id(message: dict):
    request_id = message.get("id")
    if request_id is None or isinstance(request_id, str):
        return request_id
    if isinstance(request_id, int) and not isinstance(request_id, bool):
        return request_id
    raise ProtocolError("invalid-message", "bad-id")


def _checked(message: dict, request_id) -> Request:
    kind = message.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid-message", "no-type")
    if kind not in KINDS:
        raise ProtocolError("unknown-type", kind=printable(kind))
    if kind == "cities":
        return Request(kind, request_id)
    city = _city(message, kind)
    if kind == "forecast":
        date = _string(message, kind, "date")
        try:
            weather.forecast(city, date)
        except weather.NoForecast:
            first, last = weather.DATES[0], weather.DATES[-1]
            raise ProtocolError(
                "no-forecast", city=city, date=date, first=first, last=last
            ) from None
        except ValueError:
            raise ProtocolError("invalid-field", "bad-date") from None
        return Request(kind, request_id, city, date=date)
    if kind == "alert":
        text = _string(message, kind, "text")
        if not 0 < len(text) <= MAX_TEXT:
            raise ProtocolError("invalid-field", "text-length", most=MAX_TEXT)
        return Request(kind, request_id, city, text=text)
    return Request(kind, request_id, city)


def _string(message: dict, kind: str, name: str) -> str:
    if name not in message:
        raise ProtocolError("missing-field", kind=kind, name=name)
    value = message[name]
    if not isinstance(value, str):
        raise ProtocolError("invalid-field", "not-a-string", name=name)
    return value


def _city(message: dict, kind: str) -> str:
    city_id = _string(message, kind, "city")
    try:
        weather.city(city_id)
    except weather.UnknownCity:
        raise ProtocolError("unknown-city", city=printable(city_id)) from None
    return city_id


# --------------------------------------------------------------------------
# Building messages


def encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def answer(request: Request, language: str = "en") -> dict:
    """The reply to a query (``QUERIES``): it needs nothing but the weather data.

    Descriptions of the weather are in the connection's ``language``.
    """
    if request.kind == "cities":
        return {"type": "cities", "id": request.id, "cities": weather.cities()}
    if request.kind == "forecast":
        forecast = weather.forecast(request.city, request.date, language)
        return {"type": "forecast", "id": request.id, "forecast": forecast}
    if request.kind == "week":
        week = weather.week(request.city, language)
        return {"type": "week", "id": request.id, "city": request.city, "week": week}
    raise ValueError(f"{request.kind!r} is not a query")


def subscribed(request: Request, interval: float) -> dict:
    return {"type": "subscribe", "id": request.id, "city": request.city, "interval": interval}


def unsubscribed(request: Request) -> dict:
    return {"type": "unsubscribe", "id": request.id, "city": request.city}


def alert_sent(request: Request, delivered: int) -> dict:
    return {"type": "alert", "id": request.id, "city": request.city, "delivered": delivered}


def alert(request: Request, sender: str) -> dict:
    """The alert as the other subscribers get it."""
    return {"type": "alert", "city": request.city, "text": request.text, "from": sender}


def update(city: str, reading: dict) -> dict:
    return {"type": "update", "city": city, "reading": reading}


def error(problem: ProtocolError, language: str) -> dict:
    return {
        "type": "error",
        "id": problem.request_id,
        "code": problem.code,
        "message": problem.message(language),
    }


def close_reason(name: str, language: str, **values) -> str:
    """A close frame's reason, cut to fit its 123 bytes of UTF-8."""
    reason = CLOSE_REASONS[name][language].format(**values)
    encoded = reason.encode()[:MAX_CLOSE_REASON_BYTES]
    return encoded.decode("utf-8", errors="ignore")


# The websockets library closes a connection itself, with English reasons,
# when a frame breaks RFC 6455 (1002), a text message is not UTF-8 (1007) or
# a message is over MAX_MESSAGE_BYTES (1009); these are its reasons in Russian.
LIBRARY_REASONS_RU = {
    1002: "нарушен протокол WebSocket (RFC 6455)",
    1007: "текстовое сообщение не в кодировке UTF-8",
    1009: f"сообщение больше {MAX_MESSAGE_BYTES // 1024} КиБ",
}


def library_reason(code: int, reason: str, language: str) -> str:
    """The reason the websockets library gives for closing, in ``language``."""
    if language == "ru" and code in LIBRARY_REASONS_RU:
        return LIBRARY_REASONS_RU[code]
    return reason


def refusal(name: str, language: str, **values) -> str:
    """The body of a refused handshake (404, 400, 503)."""
    return CLOSE_REASONS[name][language].format(**values)


# --------------------------------------------------------------------------
# The connection's language, and text safe to print


def language_of(path: str, accept_language: str | None, default: str) -> str | None:
    """The language a handshake asks for: ``?lang=ru`` in the URL first, then
    the Accept-Language header (browsers send one), then ``default``.

    None when ``lang`` names a language this server does not speak.
    """
    values = parse_qs(urlsplit(path).query).get("lang")
    if values:
        return values[-1] if values[-1] in LANGUAGES else None
    return languages.pick(accept_language, default)


def printable(text: str, limit: int = 60) -> str:
    """``text`` with control characters escaped and cut to ``limit``: safe for a
    log an instructor follows in a terminal, and for an error message."""
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text[: limit + 1]
    )
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."
