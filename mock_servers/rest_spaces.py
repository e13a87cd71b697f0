"""Each learner's own observations on a shared REST server.

With one server for a room, lesson 01's fixed examples (Kazan on 3 June, ...)
would collide: the first learner gets 201, the other 29 get 409.  So a learner
has a space of their own, chosen in one of two ways:

* the path prefix ``/learners/<name>`` before every route (what a learner who
  joined a room uses; see ``mock_servers.spaces``), or
* a key of their own, ``learner-<name>``, in ``X-API-Key`` (for example
  ``learner-anna-k``).

``<name>``: lower-case Latin letters, digits and hyphens, up to 40 characters.
Both ways lead to the same space: ``/learners/anna`` is the space of the key
``learner-anna`` (but ``learner-key`` is the demo key, never a learner's); the
prefix wins when a request has both.  Every request for
a space, reads and writes alike, sees that learner's store, starting like a
fresh server (observation 1 of Moscow) and numbering from 2.  The demo key
``learner-key``, and requests with no key and no prefix, share the server's
default space.  Writes need a valid key (the demo key or any learner's) in
every space.

Bounds (``limits``): ``MAX_LEARNER_SPACES`` spaces of
``OBSERVATIONS_PER_LEARNER`` observations; a new name beyond them gets 507.
"""

from __future__ import annotations

import re

from flask import request

from mock_servers import observations, spaces
from mock_servers.rest_problems import Problem

DEMO_KEY = "learner-key"
LEARNER_KEY = re.compile(r"learner-[a-z0-9][a-z0-9-]{0,39}")


def is_learner_key(key: str | None) -> bool:
    """True for a key of a learner's own space (not the shared demo key)."""
    return key is not None and key != DEMO_KEY and LEARNER_KEY.fullmatch(key) is not None


def is_valid_key(key: str | None) -> bool:
    return key == DEMO_KEY or is_learner_key(key)


class Spaces(spaces.Spaces):
    """The default space and each learner's (by prefix or key), created on first use."""

    def for_key(self, key: str | None) -> observations.Store:
        return self._store(key.removeprefix("learner-") if is_learner_key(key) else None)

    def for_request(self) -> observations.Store:
        """The space of the request's prefix, else of its X-API-Key."""
        name = spaces.learner_of(request.environ)
        if name is not None:
            return self._store(name, by_prefix=True)
        return self.for_key(request.headers.get("X-API-Key"))

    def _store(self, name: str | None, by_prefix: bool = False) -> observations.Store:
        try:
            return self.for_name(name)
        except spaces.NoMoreSpaces as full:
            if by_prefix:  # another key would not help: the prefix chooses the space
                detail = (full.message("en"), full.message("ru"))
            else:
                detail = (
                    f"The server already keeps {full.limit} learners' "
                    f"spaces, its limit; use the key {DEMO_KEY} or ask the teacher.",
                    f"На сервере уже {full.limit} личных пространств — "
                    f"это его предел; используйте ключ {DEMO_KEY} "
                    f"или обратитесь к преподавателю.",
                )
            raise Problem(507, detail, "store-full") from None
