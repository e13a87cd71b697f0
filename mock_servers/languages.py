"""Which language a server answers in: English or Russian.

Over HTTP a client says which languages it prefers in ``Accept-Language``
(RFC 9110, section 12.5.4), for example ``ru-RU,ru;q=0.9,en;q=0.5``.  Every
HTTP-based mock server writes its messages for people (problem details, SOAP
faults, XML-RPC faults, JSON-RPC error messages) in the best match, or in the
language its ``start(language=...)`` was given when the request asks for none
that the server speaks.  Codes for programs never change with the language.

The RPC servers answer each connection in its own thread, and their methods
are plain functions that cannot be handed the request; ``answering_in`` tells
a thread which language the request it answers prefers, and ``say`` writes in it.
"""

from __future__ import annotations

import threading

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("en", "ru")


def checked(language: str) -> str:
    """``language`` if the servers speak it; ValueError otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def pick(accept_language: str | None, default: str = "en") -> str:
    """The best of LANGUAGES for an Accept-Language header value, else ``default``."""
    if not accept_language:
        return default
    try:
        accepted = parse_accept_header(accept_language, LanguageAccept)
        return accepted.best_match(LANGUAGES, default=default)
    except Exception:  # a malformed header is as good as none
        return default


def text(language: str, english: str, russian: str) -> str:
    """The text in ``language``."""
    return russian if language == "ru" else english


_answering = threading.local()


def answering_in(language: str) -> None:
    """The language of the request this thread answers from now on."""
    _answering.value = checked(language)


def current() -> str:
    """The language of the request this thread is answering ("en" if none said)."""
    return getattr(_answering, "value", "en")


def say(english: str, russian: str) -> str:
    """The text in the language of the request this thread is answering."""
    return text(current(), english, russian)
