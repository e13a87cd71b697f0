"""The helpers behind lessons 03 and 04: what they read and print, checked against the specs."""

from __future__ import annotations

import json

import grpc
import pytest
import websocket
from websockets.exceptions import ProtocolError

from mock_servers import grpc as weather_grpc
from mock_servers import lesson_rpc, lesson_ws, websocket_server, wire
from mock_servers.grpc import weather_pb2, weather_pb2_grpc

# RFC 6455, section 5.7: a single-frame text message "Hello", unmasked and masked.
HELLO_UNMASKED = bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
HELLO_MASKED = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])


def test_read_frames_reads_the_rfc_examples():
    (server_frame,) = lesson_ws.read_frames(HELLO_UNMASKED, sent_by_client=False)
    (client_frame,) = lesson_ws.read_frames(HELLO_MASKED, sent_by_client=True)
    for frame in (server_frame, client_frame):
        assert frame.fin and int(frame.opcode) == 1 and bytes(frame.data) == b"Hello"


def test_read_frames_refuses_an_unmasked_client_frame():
    # A server must close the connection on an unmasked client frame (RFC 6455, 5.1).
    with pytest.raises(ProtocolError, match="incorrect masking"):
        lesson_ws.read_frames(HELLO_UNMASKED, sent_by_client=True)


def test_read_frames_leaves_out_an_incomplete_frame():
    frames = lesson_ws.read_frames(HELLO_UNMASKED + HELLO_UNMASKED[:3], sent_by_client=False)
    assert [bytes(f.data) for f in frames] == [b"Hello"]


def test_handshake_splits_headers_from_frames():
    data = b"GET /weather HTTP/1.1\r\nUpgrade: websocket\r\nHost: x\r\n\r\n" + HELLO_MASKED
    start_line, headers, rest = lesson_ws.handshake(data)
    assert start_line == "GET /weather HTTP/1.1"
    assert headers == {"Upgrade": "websocket", "Host": "x"}
    assert rest == HELLO_MASKED


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [(20.5, "ru", "20,5 °C"), (20.5, "en", "20.5 °C"), (14, "ru", "14 °C")],
)
def test_celsius_in_the_lessons_language(value, language, text):
    assert lesson_ws.celsius(value, language) == text


@pytest.mark.parametrize(
    ("number", "word"),
    [
        (1, "байт"),
        (21, "байт"),
        (2, "байта"),
        (34, "байта"),
        (12, "байт"),
        (65, "байт"),
        (111, "байт"),
    ],
)
def test_bytes_word_in_russian(number, word):
    assert lesson_rpc.bytes_word(number, "ru") == word


def test_time_per_call_writes_milliseconds_as_the_language_does():
    assert lesson_rpc.time_per_call(lambda: None, times=3, language="ru").endswith(" мс на вызов")
    assert "," in lesson_rpc.time_per_call(lambda: None, times=3, language="ru")
    assert lesson_rpc.time_per_call(lambda: None, times=3).endswith(" ms per call")


def test_grpc_call_frames_and_message():
    server = weather_grpc.start()
    try:
        request = weather_pb2.GetForecastRequest(city="moscow", date="2026-06-01")
        with wire.tap(server) as tap, grpc.insecure_channel(tap.url) as channel:
            weather_pb2_grpc.WeatherStub(channel).GetForecast(request)
        kinds = [(f.direction, f.summary.split(",")[0]) for f in lesson_rpc.call_frames(tap)]
        assert kinds[:2] == [(wire.TO_SERVER, "HEADERS"), (wire.TO_SERVER, "DATA")]
        assert [k for d, k in kinds if d == wire.TO_CLIENT] == ["HEADERS", "DATA", "HEADERS"]
        message = lesson_rpc.grpc_message(tap)
        # gRPC's prefix: not compressed, then the length; then the protobuf bytes.
        assert message[0] == 0 and int.from_bytes(message[1:5], "big") == len(message) - 5
        assert weather_pb2.GetForecastRequest.FromString(message[5:]) == request
    finally:
        server.stop()


def test_weather_panel_shows_readings_alerts_and_a_closed_connection():
    pytest.importorskip("ipywidgets")
    panel = lesson_ws.WeatherPanel("Сочи", language="ru")
    assert "выполните эту ячейку" in panel.box._repr_mimebundle_()["text/plain"]
    panel.show_reading({"temperature": 20.5, "wind_speed_ms": 3.1, "sequence": 2}, "ясно")
    panel.wait_for_update(timeout=0)
    assert "20,5 °C" in panel.weather.value and "3,1 м/с" in panel.weather.value
    panel.show_alert("<гроза>")
    assert "&lt;гроза&gt;" in panel.alert.value
    panel.show_closed()
    assert "Соединение закрыто" in panel.note.value


def test_start_later_brings_a_server_back_on_the_same_port():
    server = websocket_server.start(push_interval=0.2)
    port = server.port
    server.stop()
    restarted = lesson_ws.start_later(0.1, websocket_server.start, port=port, push_interval=0.2)
    again = restarted.result(timeout=5)
    try:
        ws = websocket.create_connection(again.url, timeout=5)
        ws.send(json.dumps({"type": "cities", "id": 1}))
        assert json.loads(ws.recv())["id"] == 1
        ws.close()
    finally:
        again.stop()
