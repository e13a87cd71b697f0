"""Each learner's own observations on a shared REST server.

With one server for a room, lesson 01's fixed examples (Kazan on 3 June, ...)
would collide: the first learner gets 201, the other 29 get 409.  So a learner
may use a key of their own, ``learner-<name>`` (``<name>``: lower-case Latin
letters, digits and hyphens, up to 40 characters, for example
``learner-anna-k``) in ``X-API-Key``.  Every request carrying such a key, reads
and writes alike, sees that learner's space: a store of its own, starting
like a fresh server (observation 1 of Moscow) and numbering from 2.  Nobody
without the key can read or change it.  The demo key ``learner-key``, and
requests with no key, share the server's default space.

Bounds (``limits``): ``MAX_LEARNER_SPACES`` spaces of
``OBSERVATIONS_PER_LEARNER`` observations; a new name beyond them gets 507.
"""

from __future__ import annotations

import re
import threading

from flask import request

from mock_servers import limits, observations
from mock_servers.rest_problems import Problem

DEMO_KEY = "learner-key"
LEARNER_KEY = re.compile(r"learner-[a-z0-9][a-z0-9-]{0,39}")


def is_learner_key(key: str | None) -> bool:
    """True for a key of a learner's own space (not the shared demo key)."""
    return key is not None and key != DEMO_KEY and LEARNER_KEY.fullmatch(key) is not None


def is_valid_key(key: str | None) -> bool:
    return key == DEMO_KEY or is_learner_key(key)


class Spaces:
    """The default space and each learner's, created on first use."""

    def __init__(self, seed: dict) -> None:
        self.seed = seed
        self.default = self._new_store(None)
        self._learners: dict[str, observations.Store] = {}
        self._lock = threading.Lock()

    def _new_store(self, limit: int | None) -> observations.Store:
        store = observations.Store(limit=limit)
        store.add(self.seed)
        return store

    def for_key(self, key: str | None) -> observations.Store:
        if not is_learner_key(key):
            return self.default
        with self._lock:
            store = self._learners.get(key)
            if store is None:
                if len(self._learners) >= limits.MAX_LEARNER_SPACES:
                    raise Problem(
                        507,
                        (
                            f"The server already keeps {limits.MAX_LEARNER_SPACES} learners' "
                            f"spaces, its limit; use the key {DEMO_KEY} or ask the teacher.",
                            f"На сервере уже {limits.MAX_LEARNER_SPACES} личных пространств — "
                            f"это его предел; используйте ключ {DEMO_KEY} "
                            f"или обратитесь к преподавателю.",
                        ),
                        "store-full",
                    )
                store = self._new_store(limits.OBSERVATIONS_PER_LEARNER)
                self._learners[key] = store
            return store

    def for_request(self) -> observations.Store:
        """The space of the request's X-API-Key."""
        return self.for_key(request.headers.get("X-API-Key"))

    def clear(self) -> None:
        """Back to a fresh server: learners' spaces gone, the default space reseeded."""
        with self._lock:
            self._learners.clear()
            self.default.clear()
            self.default.add(self.seed)
