"""The REST server's errors: problem details (RFC 9457) in the client's language.

Every error the REST server sends is ``application/problem+json``::

    {"type": "...", "title": "Not Found", "status": 404, "detail": "...", "instance": "/..."}

``title`` and ``detail`` come in English or Russian: the ``lang`` query
parameter if it names one of them, otherwise the best match for the request's
``Accept-Language``, otherwise the server's default (``rest.start(language=...)``).
RFC 9457 (section 3.1.4) lets a title change only for localization, which this is.
Each problem response says its language in ``Content-Language`` and varies on
``Accept-Language``.
"""

from __future__ import annotations

import json

from flask import Response, current_app, request

from mock_servers import http_server

LANGUAGES = ("en", "ru")
PROBLEM_BASE = "https://weather.example/problems/"

# The reason phrases of RFC 9110 and the statuses this server uses, in Russian.
TITLES_RU = {
    400: "Некорректный запрос",
    401: "Нужна аутентификация",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не разрешён",
    406: "Неприемлемый формат",
    409: "Конфликт",
    411: "Нужна длина содержимого",
    412: "Предусловие не выполнено",
    413: "Слишком большое содержимое",
    414: "Слишком длинный адрес",
    415: "Неподдерживаемый тип содержимого",
    422: "Необрабатываемое содержимое",
    428: "Нужно предусловие",
    431: "Слишком большие заголовки",
    500: "Внутренняя ошибка сервера",
    501: "Не реализовано",
    507: "Недостаточно места",
}


class Problem(Exception):
    """An error answered as application/problem+json (RFC 9457).

    ``detail`` is an English text, or an ``(English, Russian)`` pair; the
    title is the status's reason phrase in the chosen language unless given.
    ``extra`` members are added to the body as they are (``errors`` may be a
    function of the language).
    """

    def __init__(
        self,
        status: int,
        detail: str | tuple[str, str],
        kind: str | None = None,
        headers: dict | None = None,
        **extra,
    ) -> None:
        super().__init__(detail if isinstance(detail, str) else detail[0])
        self.status = status
        self.detail = detail
        # "about:blank" means: nothing more to know than the HTTP status itself.
        self.type = PROBLEM_BASE + kind if kind else "about:blank"
        self.headers = headers or {}
        self.extra = extra

    def body(self, language: str) -> dict:
        if isinstance(self.detail, str):
            detail = self.detail
        else:
            detail = self.detail[1] if language == "ru" else self.detail[0]
        title = TITLES_RU.get(self.status) if language == "ru" else None
        body = {
            "type": self.type,
            "title": title or http_server.reason_phrase(self.status),
            "status": self.status,
            "detail": detail,
        }
        body["instance"] = request.full_path.rstrip("?") if request else None
        for name, value in self.extra.items():
            body[name] = value(language) if callable(value) else value
        return body


def language() -> str:
    """The language the client asked for: ``?lang=``, then Accept-Language, then the default."""
    default = current_app.config.get("LANGUAGE", LANGUAGES[0])
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=default)


def json_response(data, status: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return Response(text, status=status, mimetype="application/json")


def problem_response(problem: Problem) -> Response:
    chosen = language()
    response = json_response(problem.body(chosen), problem.status)
    response.mimetype = "application/problem+json"
    response.headers.update(problem.headers)
    response.headers["Content-Language"] = chosen
    response.vary.add("Accept-Language")
    return response
