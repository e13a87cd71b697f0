"""MOCK_SERVERS_TIME_SCALE: a test runs the WebSocket server's idle timers faster (limits.py).

The browser test of a lesson-04 connection left alone for ten minutes relies on it; these
tests show that it acts on the pings and the idle timeout, and that unset it changes nothing.
"""

from __future__ import annotations

import contextlib
import struct

import pytest
import websocket
from waiting import WAIT  # tests/waiting.py
from websocket import ABNF

from mock_servers import limits, websocket_server


def test_unset_the_scale_is_one_and_timers_keep_their_length(monkeypatch):
    monkeypatch.delenv(limits.TIME_SCALE_VARIABLE, raising=False)
    assert limits.time_scale() == 1.0
    assert limits.scaled(websocket_server.PING_INTERVAL) == websocket_server.PING_INTERVAL
    assert limits.scaled(None) is None


@pytest.mark.parametrize("text", ["0", "-1", "fast", "nan", "inf"])
def test_a_scale_that_is_not_a_positive_number_is_refused(monkeypatch, text):
    monkeypatch.setenv(limits.TIME_SCALE_VARIABLE, text)
    with pytest.raises(ValueError, match=limits.TIME_SCALE_VARIABLE):
        websocket_server.start()


def test_a_scaled_server_pings_and_closes_an_idle_connection_sooner(monkeypatch):
    # 0.001: a ping every 0.02 s instead of 20 s, the hour of idleness 3.6 s.
    monkeypatch.setenv(limits.TIME_SCALE_VARIABLE, "0.001")
    with websocket_server.start() as running:
        ws = websocket.create_connection(running.url, timeout=WAIT)
        with contextlib.closing(ws):
            opcode, _frame = ws.recv_data_frame(True)
            assert opcode == ABNF.OPCODE_PING  # long before an unscaled 20 s
            while opcode != ABNF.OPCODE_CLOSE:  # pings, then the idle close
                opcode, frame = ws.recv_data_frame(True)
            (code,) = struct.unpack("!H", frame.data[:2])
            assert code == 1001
