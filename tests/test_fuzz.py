"""A small fuzzing run of every HTTP-based server (the long one: benchmarks/fuzz_servers.py).

Hypothesis generates malformed requests (mutated envelopes and calls, values of
the wrong type, hostile XML, broken headers and raw bytes); no server may crash,
hang, send a traceback, admit a bug or leave a thread behind.  The generation is
derandomized, so a run is the same every time.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

import fuzzing  # noqa: E402  (tests/fuzzing.py)


@pytest.mark.parametrize("style", ["rest", "soap", "xmlrpc", "jsonrpc"])
def test_malformed_input_gets_answers_not_crashes(style):
    found = fuzzing.fuzz(style, examples=150, seed=0)
    assert found.sent + found.raw_sent >= 150
    assert found.clean, found


@pytest.mark.parametrize("style", ["websocket", "grpc"])
def test_malformed_frames_and_bytes_get_closed_connections_not_crashes(style):
    found = fuzzing.fuzz_bytes(style, examples=100, seed=0)
    assert found.raw_sent >= 100
    assert found.clean, found
