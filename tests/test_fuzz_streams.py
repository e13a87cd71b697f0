"""A small fuzzing run of the gRPC and WebSocket servers (the long one:
benchmarks/fuzz_grpc_websocket.py).

Hypothesis generates malformed protobuf messages, calls to unknown methods,
broken JSON messages, WebSocket frames of every shape and raw bytes; neither
server may crash, hang, send a traceback, admit a bug or leave a thread behind.
The generation is derandomized, so a run is the same every time.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

import fuzzing_streams  # noqa: E402  (tests/fuzzing_streams.py)


def test_grpc_answers_malformed_calls_with_status_codes():
    found = fuzzing_streams.fuzz_grpc(examples=200, seed=0)
    assert found.sent + found.raw_sent >= 200
    assert found.clean, found


def test_websocket_answers_malformed_messages_and_frames():
    found = fuzzing_streams.fuzz_websocket(examples=200, seed=0)
    assert found.sent + found.raw_sent >= 200
    assert found.clean, found
