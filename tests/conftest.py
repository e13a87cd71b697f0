"""Helpers shared by the tests: ports, waiting for a condition, leftover threads."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest
from waiting import WAIT, wait_until  # tests/waiting.py: test modules import it too


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a new server could listen on 127.0.0.1:port at once."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def server_threads(port: int | None = None) -> list[threading.Thread]:
    """The mock servers' threads still alive (of one port, or all)."""
    prefix = "mock-" if port is None else None
    found = []
    for thread in threading.enumerate():
        name = thread.name
        if prefix is not None and name.startswith(prefix):
            found.append(thread)
        elif port is not None and name.startswith("mock-") and f"-{port}" in name:
            found.append(thread)
    return found


def closed_by_peer(sock: socket.socket, timeout: float = WAIT) -> bool:
    """Whether the other end closes ``sock`` within ``timeout`` (what it sends is read)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # reset: closed too
    return True


# The helpers as fixtures: a test module cannot import "conftest" reliably
# (tests/fixtures has a conftest.py of its own, and pytest imports both by that name).


@pytest.fixture(name="free_port")
def _free_port() -> int:
    return free_port()


@pytest.fixture(name="port_is_free")
def _port_is_free() -> Callable[[int], bool]:
    return port_is_free


@pytest.fixture(name="wait_until")
def _wait_until() -> Callable[..., object]:
    return wait_until


@pytest.fixture(name="server_threads")
def _server_threads() -> Callable[..., list[threading.Thread]]:
    return server_threads


@pytest.fixture(name="closed_by_peer")
def _closed_by_peer() -> Callable[..., bool]:
    return closed_by_peer
