"""The room a learner has joined: one teacher's server of every style, shared by the class.

(Stub: the full module, with ``python -m mock_servers.room join URL``, is being written.)
"""

from __future__ import annotations


def shared_server(style: str, language: str = "en"):
    """The room's server of ``style`` when this learner has joined a room, else None."""
    return None
