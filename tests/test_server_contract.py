"""The contract every mock server keeps, whatever its style.

Start and stop fast; nothing left behind (no thread, the port free); the same
port twice; a stop that a stuck client cannot delay; bad input answered in
the style's own protocol, never with a hang or a dropped connection.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc as grpc_library
import pytest
import requests
from websockets.sync.client import connect

from mock_servers import grpc, jsonrpc, rest, runner, soap, websocket_server, xmlrpc

SLOW_STOP = 2.0  # seconds; loose on purpose: benchmarks/ prints the real figures


def answers_rest(server) -> bool:
    return requests.get(server.url + "/cities/kazan", timeout=5).json()["id"] == "kazan"


def rest_bad_input(server) -> None:
    answer = requests.post(
        server.url + "/observations",
        data="{",
        headers={"Content-Type": "application/json", "X-API-Key": rest.API_KEY},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/problem+json")


SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def answers_soap(server) -> bool:
    return requests.get(server.url + "?wsdl", timeout=5).text.lstrip().startswith("<?xml")


def soap_bad_input(server) -> None:
    answer = requests.post(server.url, data="<not-closed", headers=SOAP_HEADERS, timeout=5)
    assert answer.status_code in (400, 500)
    assert "Fault" in answer.text and "Envelope" in answer.text


def answers_xmlrpc(server) -> bool:
    from xmlrpc.client import ServerProxy

    return "kazan" in json.dumps(ServerProxy(server.url).list_cities())


def xmlrpc_bad_input(server) -> None:
    answer = requests.post(server.url, data="<methodCall><oops", timeout=5)
    assert answer.status_code == 200  # XML-RPC reports faults inside a 200
    assert "<fault>" in answer.text and "faultCode" in answer.text


def answers_jsonrpc(server) -> bool:
    call = {"jsonrpc": "2.0", "method": "list_cities", "id": 1}
    return "result" in requests.post(server.url, json=call, timeout=5).json()


def jsonrpc_bad_input(server) -> None:
    answer = requests.post(
        server.url, data="{", headers={"Content-Type": "application/json"}, timeout=5
    )
    error = answer.json()["error"]
    assert error["code"] == -32700  # Parse error, JSON-RPC 2.0 §5.1


def _grpc_call(server, request: bytes, timeout: float = 5):
    with grpc_library.insecure_channel(server.url) as channel:
        call = channel.unary_unary(f"/{grpc.SERVICE_NAME}/ListCities")
        return call(request, timeout=timeout)


def answers_grpc(server) -> bool:
    return _grpc_call(server, b"") is not None


def grpc_bad_input(server) -> None:
    with pytest.raises(grpc_library.RpcError) as failed:
        _grpc_call(server, b"\xff\xff\xff")  # not a protobuf message
    assert failed.value.code() in (
        grpc_library.StatusCode.INVALID_ARGUMENT,
        grpc_library.StatusCode.INTERNAL,
    )


def answers_websocket(server) -> bool:
    with connect(server.url, open_timeout=5) as client:
        return client.protocol.state.name == "OPEN"


def websocket_bad_input(server) -> None:
    with connect(server.url, open_timeout=5) as client:
        client.send("this is not JSON")
        for _ in range(10):
            message = json.loads(client.recv(timeout=5))
            if message.get("type") == "error":
                assert message["code"] == "invalid-json"
                return
    pytest.fail("no error message came back")


@dataclass
class Style:
    name: str
    start: Callable[..., runner.RunningServer]
    answers: Callable[[runner.RunningServer], bool]
    bad_input: Callable[[runner.RunningServer], None]
    stuck: bytes  # the start of a request that never ends


HTTP_STUCK = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
STYLES = [
    Style("rest", rest.start, answers_rest, rest_bad_input, HTTP_STUCK),
    Style("soap", soap.start, answers_soap, soap_bad_input, HTTP_STUCK),
    Style("xmlrpc", xmlrpc.start, answers_xmlrpc, xmlrpc_bad_input, HTTP_STUCK),
    Style("jsonrpc", jsonrpc.start, answers_jsonrpc, jsonrpc_bad_input, HTTP_STUCK),
    Style("grpc", grpc.start, answers_grpc, grpc_bad_input, b"PRI * HTTP/2.0\r\n\r\nSM\r\n"),
    Style(
        "websocket",
        websocket_server.start,
        answers_websocket,
        websocket_bad_input,
        b"GET /weather HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n",
    ),
]


@pytest.fixture(params=STYLES, ids=[style.name for style in STYLES])
def style(request) -> Style:
    return request.param


def test_starts_answers_and_stops_fast_leaving_nothing(style, port_is_free, server_threads):
    before = set(server_threads())
    began = time.perf_counter()
    server = style.start()
    try:
        assert style.answers(server)
    finally:
        server.stop()
    assert time.perf_counter() - began < SLOW_STOP
    assert not server.running
    assert server not in runner.running_servers()
    assert not server_threads(server.port)
    assert not set(server_threads()) - before  # the workers of gRPC, say
    assert port_is_free(server.port)


def test_the_same_port_twice_replaces_the_first(style, free_port, port_is_free):
    first = style.start(port=free_port)
    second = style.start(port=free_port)
    try:
        assert not first.running and second.running
        assert second.port == free_port
        assert style.answers(second)
    finally:
        second.stop()
    assert port_is_free(free_port)


def test_a_stuck_client_cannot_delay_the_stop(style, server_threads, wait_until):
    server = style.start()
    stuck = socket.create_connection(("127.0.0.1", server.port))
    try:
        stuck.sendall(style.stuck)
        assert style.answers(server)  # others are served meanwhile
        began = time.perf_counter()
        server.stop()
        assert time.perf_counter() - began < SLOW_STOP
        wait_until(lambda: not server_threads(server.port), what="the server's threads to end")
    finally:
        stuck.close()
        server.stop()


def test_bad_input_is_answered_in_the_styles_own_protocol(style):
    with style.start() as server:
        style.bad_input(server)
        assert style.answers(server)  # and the server goes on


def test_a_request_log_line_per_call_without_raw_control_characters(style):
    with style.start() as server:
        style.bad_input(server)
        style.answers(server)
        lines = server.log.lines
    assert lines
    assert not any(char < " " for line in lines for char in line)


HTTP_STYLES = [style for style in STYLES if style.stuck is HTTP_STUCK]


@pytest.mark.parametrize("style", HTTP_STYLES, ids=[style.name for style in HTTP_STYLES])
@pytest.mark.parametrize(
    "garbage",
    [b"HELLO\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"],
    ids=["not-http", "tls-hello"],
)
def test_an_unreadable_request_gets_a_400_status_line(style, garbage, closed_by_peer):
    with style.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(garbage)  # the second is what a client that says https:// sends
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
        assert closed_by_peer(sock)
        assert style.answers(server)
