"""Learners' own spaces on a shared server: the ``/learners/<name>`` prefix and
the bounded registry of observation stores behind it.

With one teacher's server for a room, the lessons' fixed examples (Kazan on 3
June, ...) would collide: the first learner gets 201, the other 29 get 409.
So every HTTP style, and the WebSocket, also answers under a path prefix
naming a learner::

    http://H:P/learners/anna-3f2a/cities             REST (then every route under it)
    http://H:P/learners/anna-3f2a/soap               SOAP (WSDL: + "?wsdl")
    http://H:P/learners/anna-3f2a/RPC2               XML-RPC
    http://H:P/learners/anna-3f2a/jsonrpc            JSON-RPC
    ws://H:P/learners/anna-3f2a/weather              WebSocket

``<name>`` is lower-case Latin letters, digits and hyphens, up to 40
characters, starting with a letter or digit (``NAME``).  A request under a
prefix reads and writes that learner's store of observations, which starts as
a fresh server's; without a prefix everything is as it always was.  A
malformed name is not a prefix at all: the path is then simply unknown, and
the style answers with its own "not found" (404, a SOAP or JSON-RPC error).

For the WSGI styles (REST, SOAP, JSON-RPC), :class:`LearnerPrefix` moves the
prefix from ``PATH_INFO`` to ``SCRIPT_NAME``, as a reverse proxy mounting an
application under a path does, so the application routes as usual and every
URL it builds (``url_for``, ``request.base_url``) keeps the prefix.  XML-RPC
and the WebSocket, which are not WSGI, use :func:`split` on the request path.

:class:`Spaces` is one server's stores: the default one and each learner's,
made on first use, at most ``limits.MAX_LEARNER_SPACES`` of
``limits.OBSERVATIONS_PER_LEARNER`` observations; one more name gets
:class:`NoMoreSpaces`, a ``observations.Full``, which every style already
answers with its "storage full" error.
"""

from __future__ import annotations

import re
import threading

from mock_servers import limits, observations

PREFIX = "/learners/"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
ENVIRON_KEY = "mock_servers.learner"  # the learner's name in a WSGI environ (None: no prefix)


def split(path: str) -> tuple[str | None, str]:
    """(learner's name, the path under the prefix), or (None, path) without a valid prefix.

    ``/learners/anna/soap`` gives ``("anna", "/soap")``; ``/learners/anna``
    gives ``("anna", "/")``; ``/learners/Anna/soap`` and ``/soap`` give
    ``(None, path)`` unchanged.
    """
    if not path.startswith(PREFIX):
        return None, path
    name, _slash, rest = path[len(PREFIX) :].partition("/")
    if NAME.fullmatch(name) is None:
        return None, path
    return name, "/" + rest


class LearnerPrefix:
    """WSGI middleware: ``/learners/<name>/...`` becomes ``SCRIPT_NAME`` + ``/...``.

    The name goes into ``environ[ENVIRON_KEY]`` (None without a prefix).
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        name, rest = split(environ.get("PATH_INFO", ""))
        if name is not None:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + name
            environ["PATH_INFO"] = rest
        environ[ENVIRON_KEY] = name
        return self.app(environ, start_response)


def learner_of(environ) -> str | None:
    """The learner a WSGI request is for (set by LearnerPrefix), or None."""
    return environ.get(ENVIRON_KEY)


# The learner the current thread is answering for: the RPC styles' methods
# take no request, so their server says whose request it is, as it says the
# language (languages.answering_in).  Set on every request, never left over.
_answering = threading.local()


def answering_for(name: str | None) -> None:
    _answering.name = name


def current() -> str | None:
    return getattr(_answering, "name", None)


class NoMoreSpaces(observations.Full):
    """A new learner's space beyond ``limits.MAX_LEARNER_SPACES``."""

    def message(self, language: str = "en") -> str:
        if language == "ru":
            return (
                f"На сервере уже {self.limit} личных пространств — это его предел; "
                f"обратитесь к преподавателю."
            )
        return (
            f"The server already keeps {self.limit} learners' spaces, its limit; ask the teacher."
        )


class Spaces:
    """One server's stores of observations: the default one, and each learner's.

    ``seed``, if given, is the observation every new store starts with (REST's
    observation 1 of Moscow); ``default``, a store to use as the default one.
    A learner's store is made on first use.
    """

    def __init__(
        self, seed: dict | None = None, *, default: observations.Store | None = None
    ) -> None:
        self.seed = seed
        self.default = default if default is not None else self._new_store(None)
        self._learners: dict[str, observations.Store] = {}
        self._lock = threading.Lock()

    def _new_store(self, limit: int | None) -> observations.Store:
        store = observations.Store(limit=limit)
        if self.seed is not None:
            store.add(self.seed)
        return store

    def for_name(self, name: str | None) -> observations.Store:
        """The store of learner ``name`` (None: the default); raises NoMoreSpaces."""
        if name is None:
            return self.default
        with self._lock:
            store = self._learners.get(name)
            if store is None:
                if len(self._learners) >= limits.MAX_LEARNER_SPACES:
                    raise NoMoreSpaces(limits.MAX_LEARNER_SPACES)
                store = self._new_store(limits.OBSERVATIONS_PER_LEARNER)
                self._learners[name] = store
            return store

    def current(self) -> observations.Store:
        """The store of the learner this thread is answering for (see answering_for)."""
        return self.for_name(current())

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._learners)

    def clear(self) -> None:
        """Back to a fresh server: learners' spaces gone, the default store as new."""
        with self._lock:
            self._learners.clear()
            self.default.reset()
            if self.seed is not None:
                self.default.add(self.seed)


def room_server(style: str, language: str, host: str, port: int, own: bool):
    """The room's shared server of ``style``, if this learner joined a room and
    the caller asked for no server of its own (``own`` False, default host and
    port); else None, and the caller starts its own."""
    if own or host != "127.0.0.1" or port != 0:
        return None
    from mock_servers import room  # here: room.py may import the styles' modules

    return room.shared_server(style, language)
