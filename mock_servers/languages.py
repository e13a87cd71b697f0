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


BYTES = ("byte", "bytes")  # the noun of count(), in English and in Russian
BYTES_RU = ("байт", "байта", "байт")


def count(number: int, language: str, english: tuple[str, str], russian: tuple[str, str, str]):
    """ "1 byte", "5 bytes"; "1 байт", "2 байта", "5 байт": a number and its noun.

    ``english`` is (singular, plural); ``russian`` the forms for 1, for 2 to 4
    and for 5 and more (один байт, два байта, пять байт), chosen by the last
    two digits as Russian grammar does (11 to 14 take the third: 11 байт).
    Russian puts a no-break space between thousands from 10 000 on.
    """
    if language != "ru":
        return f"{number} {english[0] if number == 1 else english[1]}"
    last, last_two = abs(number) % 10, abs(number) % 100
    if last == 1 and last_two != 11:
        noun = russian[0]
    elif 2 <= last <= 4 and not 12 <= last_two <= 14:
        noun = russian[1]
    else:
        noun = russian[2]
    shown = f"{number:,}".replace(",", "\u00a0") if abs(number) >= 10_000 else str(number)
    return f"{shown} {noun}"


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
