"""The words of the comparison's tables and charts, in English and in Russian."""

from __future__ import annotations

TEXT = {
    "en": {
        "forecast": "forecast for a day",
        "week": "forecast for a week",
        "changes": "tell me when it changes",
        "columns": (
            "style",
            "sent, B",
            "received, B",
            "bodies, B",
            "messages",
            "round trips",
            "new conn.",
        ),
        "time": "median",
        "projected": "at {delay} ms/trip",
        "legend": (
            "sent, received: every byte each way, HTTP and frame headers included (TCP/IP's not)",
            "bodies: the message bodies both ways, the data itself; the rest is framing",
            "new conn.: TCP connections the call opened (0: it reused the client's open one)",
            "median: of {repeat} timed calls on this machine, over loopback (no network delay)",
            "at {delay} ms/trip: the median plus {delay} ms per round trip and per new connection",
        ),
        "setup": "Before the first question, once per client",
        "setup columns": ("style", "sent, B", "received, B", "messages", "new conn.", "what"),
        "what": {
            "rest": "nothing: every request stands alone",
            "soap": "zeep downloads the WSDL contract",
            "xmlrpc": "nothing: every request stands alone",
            "jsonrpc": "nothing: every request stands alone",
            "grpc": "HTTP/2 connection preface and settings",
            "websocket": "the HTTP upgrade handshake",
        },
        "race": {"rest": "REST polling", "grpc": "gRPC stream", "websocket": "WebSocket push"},
        "rows": (
            "changes",
            "readings received",
            "readings missed",
            "median delay",
            "longest delay",
            "messages",
            "bytes on the wire",
            "connections used",
        ),
        "messages": {
            "rest": "{total} = {requests} requests + {fresh} answers 200 (a new reading)"
            " + {unchanged} answers 304 (nothing new)",
            "grpc": "{total} = 1 request + 1 reading of the weather now"
            " + {changes} readings of changes",
            "websocket": "{total} = subscribe and its reply (2) + {changes} updates"
            " + unsubscribe and its reply (2)",
        },
        "ms": "ms",
        "decimal": ".",
    },
    "ru": {
        "forecast": "прогноз на день",
        "week": "прогноз на неделю",
        "changes": "сообщи, когда изменится",
        "columns": ("стиль", "отпр., Б", "получ., Б", "тела, Б", "сообщ.", "обменов", "нов. соед."),
        "time": "медиана",
        "projected": "при {delay} мс/обмен",
        "legend": (
            "отпр., получ.: все байты в каждую сторону вместе с заголовками HTTP и фреймов"
            " (без TCP/IP)",
            "тела: тела сообщений в обе стороны, сами данные; остальное — служебная обвязка",
            "нов. соед.: сколько TCP-соединений открыл вызов (0 — клиент взял уже открытое)",
            "медиана: замеров — {repeat}, на этом компьютере, через loopback (без задержки сети)",
            "при {delay} мс/обмен: медиана плюс {delay} мс на каждый обмен и каждое новое"
            " соединение",
        ),
        "setup": "До первого вопроса, один раз на клиента",
        "setup columns": ("стиль", "отпр., Б", "получ., Б", "сообщ.", "нов. соед.", "что это"),
        "what": {
            "rest": "ничего: каждый запрос самостоятелен",
            "soap": "zeep скачивает контракт WSDL",
            "xmlrpc": "ничего: каждый запрос самостоятелен",
            "jsonrpc": "ничего: каждый запрос самостоятелен",
            "grpc": "преамбула и настройки соединения HTTP/2",
            "websocket": "рукопожатие HTTP Upgrade",
        },
        "race": {"rest": "опрос REST", "grpc": "поток gRPC", "websocket": "push WebSocket"},
        "rows": (
            "изменений",
            "показаний получено",
            "показаний пропущено",
            "медиана задержки",
            "наибольшая задержка",
            "сообщений",
            "байт в сети",
            "соединений использовано",
        ),
        "messages": {
            "rest": "{total} = запросы ({requests}) + ответы 200 с новым показанием ({fresh})"
            " + ответы 304 «без изменений» ({unchanged})",
            "grpc": "{total} = запрос (1) + показание на момент запроса (1)"
            " + показания изменений ({changes})",
            "websocket": "{total} = подписка и ответ на неё (2) + обновления ({changes})"
            " + отписка и ответ на неё (2)",
        },
        "ms": "мс",
        "decimal": ",",
    },
}


def milliseconds(seconds: float, language: str = "en") -> str:
    """``0.0123`` as ``"12.3 ms"`` (``"12,3 мс"`` in Russian)."""
    text = TEXT[language]
    return f"{seconds * 1000:.1f}".replace(".", text["decimal"]) + " " + text["ms"]
