"""The shared room: the teacher's one server of every style, which the lessons use instead of
starting their own.

The teacher runs ``python -m mock_servers room --host 0.0.0.0 --port 8000``; each learner, once::

    python -m mock_servers.room join http://192.168.1.10:8000   # the address the teacher gives
    python -m mock_servers.room                                 # status: is every style reachable?
    python -m mock_servers.room leave                           # back to servers of one's own

(or ``API_COURSE_ROOM=http://...`` in the environment, as a hub's spawner can set for everyone;
:mod:`mock_servers.room_setting` reads the setting).  From then on every style's ``start()``
returns :func:`shared_server` instead of starting a server, unless asked for ``own=True``.

The room's ports: English REST at the base port P, SOAP P+1, XML-RPC P+2, JSON-RPC P+3, gRPC P+4,
WebSocket P+5; the Russian set the same from P+10.  Each learner's writes live in their own space,
the path prefix ``/learners/<name>`` (gRPC has none: the lessons only read over it).
"""

from __future__ import annotations

import argparse
import os
import sys

from mock_servers import languages
from mock_servers.room_layout import OFFSETS, PATHS, port_of
from mock_servers.room_setting import RoomError, Setting, current

LOG_NOTE = (
    "The request log is on the teacher's server, which the whole room shares, so it cannot be "
    "shown here. To see your own requests, put a tap in front of the server: "
    "wire.tap(server), as lesson 01 does.",
    "Журнал запросов — на сервере преподавателя, общем для всего класса, поэтому здесь его не "
    "показать. Чтобы увидеть свои запросы, поставьте перед сервером прослушку (tap): "
    "wire.tap(server), как в уроке 01.",
)
STOP_NOTE = (
    "Shared room: the teacher's servers keep running for everyone; this notebook has only "
    "stopped using them.",
    "Общий сервер: серверы преподавателя продолжают работать для всего класса, этот блокнот "
    "лишь перестал к ним обращаться.",
)
_stop_noted: list[bool] = []  # the stop note is printed once per kernel, not once per server


class RoomLog:
    """Stands in for a server's request log (runner.RequestLog), which only the teacher has."""

    def __init__(self, language: str) -> None:
        self.language = language

    @property
    def note(self) -> str:
        return languages.text(self.language, *LOG_NOTE)

    @property
    def lines(self) -> list[str]:
        return []

    def show(self) -> None:
        print(self.note)

    def clear(self) -> None:
        pass

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return self.note


class SharedServer:
    """One of the room's servers, as the lessons use a server they started (runner.RunningServer):
    ``url``, ``host``, ``port``, ``running``, ``log``, ``stop()``, ``with``.

    It is the teacher's, so ``stop()`` only lets go of it, and ``running`` stays True.
    """

    def __init__(self, style: str, language: str, setting: Setting) -> None:
        if style not in OFFSETS:
            raise ValueError(f"style must be one of {', '.join(OFFSETS)}, not {style!r}")
        self.style = style
        self.language = languages.checked(language)
        self.name = setting.name
        self.host = setting.host
        self.port = port_of(setting.port, style, language)
        netloc = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        if style == "grpc":
            self.url = netloc  # a gRPC target has no path, so no learner's space
        else:
            scheme = "ws" if style == "websocket" else "http"
            self.url = f"{scheme}://{netloc}/learners/{self.name}{PATHS[style]}"
        self.log = RoomLog(self.language)

    @property
    def running(self) -> bool:
        return True  # the teacher's: it runs for the room whatever this notebook does

    def stop(self) -> None:
        """Let go of the server (it keeps running for the room); says so once per kernel."""
        if not _stop_noted:
            _stop_noted.append(True)
            print(languages.text(self.language, *STOP_NOTE))

    def __enter__(self) -> SharedServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{self.style} server of the shared room at {self.url}>"


def shared_server(style: str, language: str = "en") -> SharedServer | None:
    """The room's server of ``style`` when this learner has joined a room, else None.

    A malformed ``API_COURSE_ROOM`` raises RoomError rather than quietly starting a server of
    one's own.
    """
    setting = current()
    return None if setting is None else SharedServer(style, language, setting)


def all_servers(language: str = "en") -> list[SharedServer]:
    """Every style's server of the room in ``language``'s set ([] when no room is set)."""
    setting = current()
    return [] if setting is None else [SharedServer(s, language, setting) for s in OFFSETS]


# --------------------------------------------------------------------------
# The command line


def default_language() -> str:
    """Russian when the learner's locale is Russian, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def main(argv: list[str] | None = None) -> int:
    from mock_servers import room_command  # the checks import every client library: only here

    parser = argparse.ArgumentParser(
        prog="python -m mock_servers.room",
        description="Join the teacher's shared room, leave it, or check it (no command).",
    )
    parser.add_argument("--lang", choices=languages.LANGUAGES, default=default_language())
    commands = parser.add_subparsers(dest="command")
    join = commands.add_parser("join", help="use the teacher's servers in every lesson")
    join.add_argument("url", help="the room's address, e.g. http://192.168.1.10:8000")
    join.add_argument("--name", help="your space's name (default: your login and 4 hex digits)")
    join.add_argument("--lang", choices=languages.LANGUAGES, default=argparse.SUPPRESS)
    leave = commands.add_parser("leave", help="back to servers of your own")
    leave.add_argument("--lang", choices=languages.LANGUAGES, default=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    try:
        if options.command == "join":
            return room_command.join(options.url, options.name, options.lang)
        if options.command == "leave":
            return room_command.leave(options.lang)
        return room_command.status(options.lang)
    except RoomError as error:
        print(error.text(options.lang), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
