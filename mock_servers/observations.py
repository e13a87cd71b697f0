"""Weather observations: the one set of rules and the one store every server style uses.

An observation is what someone measured: a city, a day of the service's week,
a temperature in °C and an optional note.  REST, SOAP, XML-RPC, JSON-RPC and
gRPC all save observations, so the rules live here once, and each server keeps
its own ``Store``::

    from mock_servers import observations

    store = observations.Store()                     # one per server, empty
    fields = observations.validate(
        {"city": "kazan", "date": "2026-06-03", "temperature": 26.5, "note": "Hot"}
    )                                                # raises Invalid
    saved = store.add(fields)                        # {"id": 1, "city": "kazan", ...}
    store.get(1)                                     # raises NotFound
    store.list(city="kazan")                         # a list of copies, by id
    store.replace(1, fields)                         # raises NotFound
    store.delete(1)                                  # raises NotFound

Every error is an ``observations.Error`` with a ``code`` for programs (the
``CODE`` of its class, or each mistake's ``code`` for ``Invalid``) and
``message(language)`` for people, in ``"en"`` or ``"ru"``:

==============  ===================================================================
``Invalid``     ``validate`` found mistakes; ``.mistakes`` lists every one, in field
                order (city, date, temperature, note, then unknown fields), each a
                ``Mistake`` with ``field``, ``code`` and ``message(language)``
``NotFound``    no observation has this id (``.observation_id``)
``Duplicate``   ``add(..., one_per_day=True)`` or ``replace`` would give the city
                two observations of one day; ``.existing`` is the other one's id
``Full``        the store already holds ``LIMITS.observations`` observations
                (``.limit``); nothing was stored
==============  ===================================================================

What the protocols answer: REST 422 / 404 / 409 / 507, SOAP a ``soap:Client``
fault (``soap:Server`` with ``STORE_FULL`` when full), XML-RPC faults 400 / 404 /
507, JSON-RPC -32602 or the service's own codes, gRPC ``INVALID_ARGUMENT`` /
``NOT_FOUND`` / ``ALREADY_EXISTS`` / ``RESOURCE_EXHAUSTED``.

Writes that depend on what is stored (REST's ``If-Match``) pass ``check``: a
function called with the current observation under the store's lock, which
raises to refuse, so that nothing can change between the check and the write.

The bound on stored observations is ``limits.MAX_OBSERVATIONS`` (with every
other room limit); the rules' own limits are in ``LIMITS`` here.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Callable

from mock_servers import limits, weather


@dataclasses.dataclass
class Limits:
    """What one server stores at most, and how large one observation may be."""

    observations: int = limits.MAX_OBSERVATIONS  # per store; the reason is in limits.py
    note_characters: int = 500
    temperature_min: float = -90  # °C, within what Earth has seen
    temperature_max: float = 60


LIMITS = Limits()

FIELDS = ("city", "date", "temperature", "note")
REQUIRED = ("city", "date", "temperature")


# --------------------------------------------------------------------------
# Errors, in English and Russian


def _pick(language: str, english: str, russian: str) -> str:
    return russian if language == "ru" else english


def quoted(value, language: str = "en", limit: int = 40) -> str:
    """A client's value, cut short, quoted the way the language quotes."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"«{text}»" if language == "ru" else repr(text)


# code: (English, Russian); {value} is the client's value, {first}/{last} the
# week, {low}/{high} the temperature range, {most} the note's length.
MISTAKES = {
    "not-an-object": ("must be an object", "ожидается объект"),
    "required": ("required", "обязательное поле"),
    "unknown-field": ("unknown field", "неизвестное поле"),
    "not-text": ("must be a string", "ожидается строка"),
    "unknown-city": ("unknown city {value}", "неизвестный город {value}"),
    "not-a-date": ("must be a date like 2026-06-01", "ожидается дата вида 2026-06-01"),
    "date-out-of-range": (
        "must be a day of the week {first} to {last}",
        "ожидается день недели прогноза: с {first} по {last}",
    ),
    "not-a-number": ("must be a number", "ожидается число"),
    "out-of-range": (
        "must be between {low} and {high} °C",
        "ожидается число от {low} до {high} °C",
    ),
    "too-long": (
        "must be text of at most {most} characters",
        "ожидается строка не длиннее {most} символов",
    ),
}


@dataclasses.dataclass(frozen=True)
class Mistake:
    """One thing wrong with one field."""

    field: str
    code: str  # a key of MISTAKES
    value: object = None

    def message(self, language: str = "en") -> str:
        english, russian = MISTAKES[self.code]
        low, high = LIMITS.temperature_min, LIMITS.temperature_max
        if language == "ru":  # a minus sign, not a hyphen
            low, high = (str(n).replace("-", "−") for n in (low, high))
        return _pick(language, english, russian).format(
            value=quoted(self.value, language),
            first=weather.DATES[0],
            last=weather.DATES[-1],
            low=low,
            high=high,
            most=LIMITS.note_characters,
        )


class Error(Exception):
    """Anything the store or the rules refuse."""

    CODE = "error"

    @property
    def code(self) -> str:
        return self.CODE

    def message(self, language: str = "en") -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.message("en")


class Invalid(Error):
    CODE = "invalid"

    def __init__(self, mistakes: list[Mistake]) -> None:
        super().__init__(mistakes)
        self.mistakes = mistakes

    @property
    def code(self) -> str:
        return self.mistakes[0].code

    def message(self, language: str = "en") -> str:
        return "; ".join(f"{m.field}: {m.message(language)}" for m in self.mistakes)


class NotFound(Error):
    CODE = "unknown-observation"

    def __init__(self, observation_id) -> None:
        super().__init__(observation_id)
        self.observation_id = observation_id

    def message(self, language: str = "en") -> str:
        return _pick(
            language,
            f"There is no observation {self.observation_id}.",
            f"Наблюдения {self.observation_id} нет.",
        )


class Duplicate(Error):
    CODE = "duplicate-observation"

    def __init__(self, fields: dict, existing: int) -> None:
        super().__init__(existing)
        self.fields = fields
        self.existing = existing

    def message(self, language: str = "en") -> str:
        city, date = self.fields["city"], self.fields["date"]
        return _pick(
            language,
            f"Observation {self.existing} already covers {city} on {date}.",
            f"Наблюдение {self.existing} уже описывает {city} на {date}.",
        )


class Full(Error):
    CODE = "store-full"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def message(self, language: str = "en") -> str:
        count_ru = f"{self.limit:,}".replace(",", "\u00a0")  # 10 000, as Russian writes it
        return _pick(
            language,
            f"The server already stores {self.limit:,} observations, its limit; "
            f"delete some, or ask the teacher to restart it.",
            f"На сервере уже {count_ru} наблюдений — это его предел; "
            f"удалите часть или попросите преподавателя перезапустить сервер.",
        )


# --------------------------------------------------------------------------
# The rules


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate(data, *, ignore: tuple[str, ...] = ("id",)) -> dict:
    """The observation's fields from ``data`` (a dict), or Invalid naming every mistake.

    Fields named in ``ignore`` (REST clients send back the ``id`` they read)
    are dropped; any other unknown field is a mistake.  A ``note`` of None
    means no note.
    """
    if not isinstance(data, dict):
        raise Invalid([Mistake("observation", "not-an-object")])
    mistakes = []
    for field in REQUIRED:
        if data.get(field) is None:
            mistakes.append(Mistake(field, "required"))

    city = data.get("city")
    if city is not None:
        if not isinstance(city, str):
            mistakes.append(Mistake("city", "not-text", city))
        elif city not in weather.CITIES:
            mistakes.append(Mistake("city", "unknown-city", city))

    date = data.get("date")
    if date is not None:
        try:
            day = weather.parse_date(date)
        except (TypeError, ValueError):
            mistakes.append(Mistake("date", "not-a-date", date))
        else:
            if day.isoformat() not in weather.DATES:
                mistakes.append(Mistake("date", "date-out-of-range", date))

    temperature = data.get("temperature")
    if temperature is not None:
        if not _is_number(temperature):
            mistakes.append(Mistake("temperature", "not-a-number", temperature))
        # written so that NaN fails too
        elif not LIMITS.temperature_min <= temperature <= LIMITS.temperature_max:
            mistakes.append(Mistake("temperature", "out-of-range", temperature))

    note = data.get("note")
    if note is not None:
        if not isinstance(note, str):
            mistakes.append(Mistake("note", "not-text", note))
        elif len(note) > LIMITS.note_characters:
            mistakes.append(Mistake("note", "too-long"))

    for field in sorted(map(str, set(data) - set(FIELDS) - set(ignore))):
        mistakes.append(Mistake(field, "unknown-field"))
    if mistakes:
        mistakes.sort(key=lambda m: FIELDS.index(m.field) if m.field in FIELDS else len(FIELDS))
        raise Invalid(mistakes)
    fields = {"city": city, "date": date, "temperature": temperature}
    if note is not None:
        fields["note"] = note
    return fields


# --------------------------------------------------------------------------
# The store


class Store:
    """Observations in memory, safe to use from many threads; ids count up from 1.

    Every method returns copies, so a caller can never change what is stored
    by accident.  ``limit`` defaults to ``LIMITS.observations``.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit if limit is not None else LIMITS.observations
        self._items: dict[int, dict] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def add(self, fields: dict, *, one_per_day: bool = False) -> dict:
        """Store validated ``fields`` under a new id; the stored observation.

        With ``one_per_day``, a city's second observation of one day raises
        Duplicate (REST's rule); the RPC styles store every call, as they say.
        """
        with self._lock:
            if one_per_day:
                self._refuse_duplicate(fields, None)
            if len(self._items) >= self.limit:
                raise Full(self.limit)
            observation = {"id": self._next_id, **fields}
            self._items[self._next_id] = observation
            self._next_id += 1
            return copy.deepcopy(observation)

    def get(self, observation_id: int) -> dict:
        with self._lock:
            return copy.deepcopy(self._current(observation_id))

    def list(self, city: str | None = None) -> list[dict]:
        """Every observation (of ``city``, if given), oldest first."""
        with self._lock:
            return [
                copy.deepcopy(o) for o in self._items.values() if city is None or o["city"] == city
            ]

    def replace(
        self,
        observation_id: int,
        fields: dict | Callable[[dict], dict],
        *,
        check: Callable[[dict], None] | None = None,
    ) -> dict:
        """Replace an existing observation; raises NotFound, Duplicate, Invalid.

        ``fields`` may be a function of the current observation (a merge patch,
        say) returning the new fields; it runs under the lock, after ``check``.
        A city keeps one observation a day: another id for the same day raises
        Duplicate.
        """
        with self._lock:
            current = self._current(observation_id)
            if check is not None:
                check(copy.deepcopy(current))
            if callable(fields):
                fields = fields(copy.deepcopy(current))
            self._refuse_duplicate(fields, observation_id)
            self._items[observation_id] = {"id": observation_id, **fields}
            return copy.deepcopy(self._items[observation_id])

    def delete(self, observation_id: int, *, check: Callable[[dict], None] | None = None) -> None:
        """Delete an existing observation; raises NotFound."""
        with self._lock:
            current = self._current(observation_id)
            if check is not None:
                check(copy.deepcopy(current))
            del self._items[observation_id]

    def clear(self) -> None:
        """Forget every observation (ids go on counting)."""
        with self._lock:
            self._items.clear()

    def reset(self) -> None:
        """Forget every observation and number from 1 again, as a fresh store."""
        with self._lock:
            self._items.clear()
            self._next_id = 1

    def _current(self, observation_id) -> dict:
        try:
            return self._items[observation_id]
        except (KeyError, TypeError):
            raise NotFound(observation_id) from None

    def _refuse_duplicate(self, fields: dict, own_id: int | None) -> None:
        for other in self._items.values():
            same_day = (other["city"], other["date"]) == (fields["city"], fields["date"])
            if same_day and other["id"] != own_id:
                raise Duplicate(fields, other["id"])
