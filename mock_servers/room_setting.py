"""Which shared room this learner has joined, and under which name.

The setting, in this order:

1. the environment variable ``API_COURSE_ROOM``: the room's base URL (``http://HOST:PORT``, the
   teacher's REST port); empty or ``off`` means no room, whatever the file says (so a hub's
   spawner, or the tests, decide for every kernel at once);
2. else the file ``python -m mock_servers.room join URL`` writes, ``room.json`` in the user's
   configuration folder: ``%APPDATA%\\api-course`` on Windows, else
   ``$XDG_CONFIG_HOME/api-course`` (``~/.config/api-course`` when unset).

The learner's name (their space on the teacher's servers, ``/learners/<name>``) is
``API_COURSE_LEARNER``, else the file's, else made once from ``JUPYTERHUB_USER`` or the login
name plus four random hex digits, so that 30 lab machines with the same login never share a space.
"""

from __future__ import annotations

import dataclasses
import getpass
import ipaddress
import json
import os
import re
import secrets
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

ROOM_VARIABLE = "API_COURSE_ROOM"
LEARNER_VARIABLE = "API_COURSE_LEARNER"
NO_ROOM = {"", "off"}
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # the server's rule for /learners/<name>
NAME_LENGTH = 40
HIGHEST_BASE_PORT = 65535 - 15  # the room uses the base port and the 15 after it

# Russian letters in Latin, so that «Анна» gets the space "anna", not "learner".
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
    )
)


class RoomError(ValueError):
    """A room address or a learner name the course cannot use; the message says why, in English
    (``russian`` holds the same in Russian, for the command line)."""

    def __init__(self, english: str, russian: str) -> None:
        super().__init__(english)
        self.russian = russian

    def text(self, language: str) -> str:
        return self.russian if language == "ru" else str(self)


@dataclasses.dataclass(frozen=True)
class Setting:
    url: str  # http://HOST:PORT, as normalised by room_url()
    name: str  # the learner's space: /learners/<name>
    source: str  # "environment" or "file"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 0


# --------------------------------------------------------------------------
# The room's address


def room_url(text: str) -> str:
    """``text`` as ``http://HOST:PORT``; RoomError with a clear reason when it is no room address.

    ``HOST:PORT`` without the scheme is taken as http; a trailing slash is dropped.
    """
    given = text.strip()
    if "://" not in given:
        given = "http://" + given
    example = "http://192.168.1.10:8000"
    try:
        parts = urlsplit(given)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme != "http" or not parts.hostname:
        raise RoomError(
            f"{text!r} is not a room address; it looks like {example} "
            "(the address the teacher's `python -m mock_servers room` prints).",
            f"{text!r} — не адрес общего сервера; он выглядит так: {example} "
            "(адрес, который печатает `python -m mock_servers room` у преподавателя).",
        )
    if port is None:
        raise RoomError(
            f"{text!r} has no port; the room's address has one, e.g. {example}.",
            f"В {text!r} нет порта; в адресе общего сервера он есть, например {example}.",
        )
    if not 1 <= port <= HIGHEST_BASE_PORT:
        raise RoomError(
            f"port {port} cannot be a room's: the room uses it and the 15 after it "
            f"(so at most {HIGHEST_BASE_PORT}).",
            f"Порт {port} не подходит: общий сервер занимает его и ещё 15 следующих "
            f"(значит, не больше {HIGHEST_BASE_PORT}).",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise RoomError(
            f"{text!r}: give the room's address alone, scheme, host and port, e.g. {example}.",
            f"{text!r}: укажите только адрес общего сервера — схему, хост и порт, "
            f"например {example}.",
        )
    host = parts.hostname
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a name, not an address
    return f"http://{host}:{port}"


# --------------------------------------------------------------------------
# The learner's name


def normalised_name(text: str) -> str:
    """``text`` as a space name: lower-case Latin letters, digits and hyphens, at most 40
    characters (Cyrillic transliterated, accents dropped, other characters as hyphens);
    "" when nothing usable is left."""
    letters = []
    for char in unicodedata.normalize("NFKC", text).lower():
        if char in CYRILLIC:
            letters.append(CYRILLIC[char])
        else:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            letters.append(plain if plain.isalnum() else "-")
    name = re.sub(r"-+", "-", "".join(letters)).strip("-")
    return name[:NAME_LENGTH].rstrip("-")


def made_name(login: str | None = None) -> str:
    """A new learner name: the hub's user or the login name, "-", four random hex digits."""
    if login is None:
        login = os.environ.get("JUPYTERHUB_USER") or _login()
    base = normalised_name(login)[: NAME_LENGTH - 5].rstrip("-") or "learner"
    return f"{base}-{secrets.token_hex(2)}"


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def checked_name(text: str) -> str:
    """A name a learner chose (``--name``, ``API_COURSE_LEARNER``), normalised; RoomError if
    nothing is left of it."""
    name = normalised_name(text)
    if not NAME.fullmatch(name):
        raise RoomError(
            f"{text!r} cannot be a learner's name: use Latin letters, digits and hyphens.",
            f"{text!r} не годится в имя: используйте латинские буквы, цифры и дефисы.",
        )
    return name


# --------------------------------------------------------------------------
# The file


def config_file() -> Path:
    """Where ``join`` keeps the room: the user's configuration folder."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "api-course" / "room.json"


def read_file() -> dict:
    """What the file holds ({} when there is none, or it is unreadable)."""
    try:
        data = json.loads(config_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_file(data: dict) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def join(url: str, name: str | None = None) -> Setting:
    """Remember the room (and the learner's name) in the file; the setting it gives."""
    data = read_file()
    data["url"] = room_url(url)
    if name is not None:
        data["name"] = checked_name(name)
    elif not NAME.fullmatch(str(data.get("name", ""))):
        data["name"] = made_name()
    write_file(data)
    return Setting(data["url"], data["name"], "file")


def leave() -> bool:
    """Forget the room (the name stays, so joining again finds the same space); whether one was
    remembered."""
    data = read_file()
    if "url" not in data:
        return False
    del data["url"]
    write_file(data)
    return True


# --------------------------------------------------------------------------
# The setting

_made_here: list[str] = []  # a name made in this process when the file cannot keep it


def current() -> Setting | None:
    """The room this learner is in, or None.  A malformed ``API_COURSE_ROOM`` is a RoomError:
    running the lessons on servers of one's own while believing to be in the room would be worse.
    """
    variable = os.environ.get(ROOM_VARIABLE)
    data = read_file()
    if variable is not None:
        if variable.strip().lower() in NO_ROOM:
            return None
        url, source = room_url(variable), "environment"
    elif isinstance(data.get("url"), str):
        try:
            url, source = room_url(data["url"]), "file"
        except RoomError:
            return None  # a file edited by hand into nonsense: as if never joined
    else:
        return None
    return Setting(url, learner_name(data), source)


def learner_name(data: dict | None = None) -> str:
    """``API_COURSE_LEARNER``, else the file's name, else a new one, kept in the file."""
    variable = os.environ.get(LEARNER_VARIABLE, "").strip()
    if variable:
        return checked_name(variable)
    data = read_file() if data is None else data
    if NAME.fullmatch(str(data.get("name", ""))):
        return data["name"]
    if not _made_here:
        _made_here.append(made_name())
        try:
            write_file({**data, "name": _made_here[0]})
        except OSError:
            pass  # a read-only home: the name lasts as long as this process
    return _made_here[0]
