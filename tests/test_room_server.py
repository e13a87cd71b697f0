"""The teacher's shared room (``python -m mock_servers room``) and learners' spaces.

One room, every style in both languages, on a free block of 16 ports of
127.0.0.1: each style answers on its port in its language; each learner's
prefix ``/learners/<name>`` is a space of its own on every style (the same
fixed observation saved by two learners gets the same id in each, and neither
sees the other's); the URLs the servers make keep the prefix; alerts stay in
their space; malformed names get each protocol's "not found"; reset; the
bound on spaces; and ``start()`` with and without a room.
"""

from __future__ import annotations

import json
import random
import re
import signal
import socket
import subprocess
import sys
import xmlrpc.client
from pathlib import Path

import grpc as grpc_library
import pytest
import requests
import websocket

from mock_servers import (
    grpc,
    jsonrpc,
    limits,
    rest,
    room,
    room_server,
    runner,
    soap,
    weather,
    websocket_server,
)
from mock_servers import xmlrpc as xmlrpc_server
from mock_servers.soap_envelope import NS, SOAP_ENV

ROOT = Path(__file__).resolve().parent.parent
KEY = {"X-API-Key": rest.API_KEY}
KAZAN = {"city": "kazan", "date": "2026-06-03", "temperature": 26.5}
TIMEOUT = 5


@pytest.fixture(scope="module")
def the_room():
    for _attempt in range(3):  # another program may take a port between the probe and start
        base = room_server.free_base_port("127.0.0.1", random.randrange(20000, 40000))
        try:
            started = room_server.start_room("127.0.0.1", base)
        except room_server.PortTaken:
            continue
        with started:
            yield started
        return
    pytest.fail("found no free block of 16 ports")


@pytest.fixture
def a_room(the_room):
    """The room, with fresh data for each test."""
    the_room.reset()
    return the_room


def url(a_room, style: str, language: str = "en", learner: str | None = None) -> str:
    """A style's endpoint in the room, under a learner's prefix if given."""
    server = a_room[style, language]
    if learner is None:
        return server.url
    host = f"http://127.0.0.1:{server.port}"
    scheme_host = host.replace("http", "ws") if style == "websocket" else host
    return scheme_host + f"/learners/{learner}" + server.url.split(str(server.port), 1)[1]


def soap_call(endpoint: str, operation: str, body: str) -> requests.Response:
    data = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:w="{NS}"><soap:Body>'
        f"<w:{operation}>{body}</w:{operation}></soap:Body></soap:Envelope>"
    )
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}/{operation}"'}
    return requests.post(endpoint, data=data.encode(), headers=headers, timeout=TIMEOUT)


def soap_save(endpoint: str) -> requests.Response:
    return soap_call(
        endpoint,
        "SaveObservation",
        "<w:city>kazan</w:city><w:date>2026-06-03</w:date><w:temperature>26.5</w:temperature>",
    )


def jsonrpc_call(endpoint: str, method: str, params: list) -> requests.Response:
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    return requests.post(endpoint, json=body, timeout=TIMEOUT)


def ws_connect(endpoint: str) -> websocket.WebSocket:
    return websocket.create_connection(endpoint, timeout=TIMEOUT)


def ws_ask(connection: websocket.WebSocket, message: dict) -> dict:
    """Send a request; its reply (updates and alerts on the way are skipped)."""
    connection.send(json.dumps(message))
    while True:
        reply = json.loads(connection.recv())
        if reply.get("id") == message["id"]:
            return reply


# --------------------------------------------------------------------------
# The room's servers


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_style_answers_on_its_port_in_its_language(a_room, language):
    offset = {"en": 0, "ru": 10}[language]
    ports = {"rest": 0, "soap": 1, "xmlrpc": 2, "jsonrpc": 3, "grpc": 4, "websocket": 5}
    for style, number in ports.items():
        assert a_room[style, language].port == a_room.port + offset + number
    # Each client sends no language, as the lessons' clients do: the server's decides.
    expected = weather.forecast("moscow", "2026-06-01", language)["description"]
    path = "/cities/moscow/forecast/2026-06-01"
    assert (
        requests.get(url(a_room, "rest", language) + path, timeout=TIMEOUT).json()["description"]
        == expected
    )
    body = "<w:city>moscow</w:city><w:date>2026-06-01</w:date>"
    answer = soap_call(url(a_room, "soap", language), "GetForecast", body)
    assert answer.status_code == 200 and f"<w:description>{expected}<" in answer.text
    proxy = xmlrpc.client.ServerProxy(url(a_room, "xmlrpc", language))
    assert proxy.get_forecast("moscow", "2026-06-01")["description"] == expected
    result = jsonrpc_call(
        url(a_room, "jsonrpc", language), "get_forecast", ["moscow", "2026-06-01"]
    )
    assert result.json()["result"]["description"] == expected
    with grpc_library.insecure_channel(a_room["grpc", language].url) as channel:
        stub = grpc.weather_pb2_grpc.WeatherStub(channel)
        request = grpc.weather_pb2.GetForecastRequest(city="moscow", date="2026-06-01")
        assert stub.GetForecast(request, timeout=TIMEOUT).description == expected
    connection = ws_connect(url(a_room, "websocket", language))
    try:
        message = {"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"}
        assert ws_ask(connection, message)["forecast"]["description"] == expected
    finally:
        connection.close()
    # The WebSocket pushes at lesson 04's pace.
    connection = ws_connect(url(a_room, "websocket", language))
    try:
        assert (
            ws_ask(connection, {"type": "subscribe", "id": 1, "city": "kazan"})["interval"] == 0.2
        )
    finally:
        connection.close()


def test_the_banner_gives_the_join_command_and_every_port(a_room):
    lines = room_server.banner(a_room, quiet=True)
    text = "\n".join(lines)
    assert f"python -m mock_servers.room join http://127.0.0.1:{a_room.port}" in text
    for style, name in room_server.NAMES.items():
        english, russian = a_room[style, "en"].port, a_room[style, "ru"].port
        assert re.search(rf"^  {re.escape(name)} +{english} +{russian} ", text, re.M), name
    assert "reset" in lines[-1] and "Ctrl-C" in lines[-1]
    assert "connections" not in text  # quiet: no limits line
    assert "connections" in "\n".join(room_server.banner(a_room, quiet=False))


# --------------------------------------------------------------------------
# Learners' spaces


def test_two_learners_rest_spaces_are_separate(a_room):
    for name in ("anna-3f2a", "boris-0c1d"):
        base = url(a_room, "rest", learner=name)
        created = requests.post(base + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT)
        assert created.status_code == 201
        assert created.headers["Location"] == f"/learners/{name}/observations/2"
        assert created.json()["id"] == 2
    # The same space as the learner's own key, and nobody else's.
    anna = url(a_room, "rest", learner="anna-3f2a")
    assert requests.patch(
        anna + "/observations/2", json={"note": "mine"}, headers=KEY, timeout=TIMEOUT
    ).ok
    by_key = requests.get(
        url(a_room, "rest") + "/observations/2",
        headers={"X-API-Key": "learner-anna-3f2a"},
        timeout=TIMEOUT,
    )
    assert by_key.json()["note"] == "mine"
    boris = url(a_room, "rest", learner="boris-0c1d")
    assert "note" not in requests.get(boris + "/observations/2", timeout=TIMEOUT).json()
    assert requests.get(url(a_room, "rest") + "/observations/2", timeout=TIMEOUT).status_code == 404
    # A duplicate points at the existing one in the same space.
    again = requests.post(anna + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT)
    assert again.status_code == 409
    assert again.json()["existing"] == "/learners/anna-3f2a/observations/2"


def test_two_learners_rpc_spaces_are_separate(a_room):
    names = ("anna-3f2a", "boris-0c1d")
    for name in names:
        saved = soap_save(url(a_room, "soap", learner=name))
        assert saved.status_code == 200 and "<w:id>1</w:id>" in saved.text
        proxy = xmlrpc.client.ServerProxy(url(a_room, "xmlrpc", learner=name))
        assert proxy.save_observation("kazan", "2026-06-03", 26.5) == 1
        answer = jsonrpc_call(
            url(a_room, "jsonrpc", learner=name), "save_observation", ["kazan", "2026-06-03", 26.5]
        )
        assert answer.json()["result"] == 1
    # Each learner's store holds their own one; the default store, none.
    for style in ("soap", "xmlrpc", "jsonrpc"):
        server = a_room[style, "en"]
        assert server.spaces.names() == sorted(names), style
        assert [len(server.spaces.for_name(name).list()) for name in names] == [1, 1]
        assert server.observations.list() == []
    assert a_room["soap", "ru"].spaces.names() == []  # the other language's server: its own


def test_urls_the_servers_make_keep_the_prefix(a_room):
    base = url(a_room, "rest", learner="anna-3f2a")
    first = requests.get(base + "/cities?limit=2", timeout=TIMEOUT)
    assert "</learners/anna-3f2a/cities?limit=2&offset=2>" in first.headers["Link"]
    index = requests.get(base, timeout=TIMEOUT).json()
    assert index["links"]["observations"] == "/learners/anna-3f2a/observations"
    echo = requests.get(base + "/anything/x", timeout=TIMEOUT).json()
    assert echo["path"] == "/learners/anna-3f2a/anything/x"  # the path as received
    missing = requests.get(base + "/nothing", timeout=TIMEOUT).json()
    assert "/learners/anna-3f2a/nothing" in missing["detail"]
    document = requests.get(base + "/openapi.json", timeout=TIMEOUT).json()
    assert document["servers"][0] == {"url": base}
    assert (
        'href="/learners/anna-3f2a/docs/swagger-ui.css"'
        in requests.get(base + "/docs", timeout=TIMEOUT).text
    )
    endpoint = url(a_room, "soap", learner="anna-3f2a")
    wsdl = requests.get(endpoint + "?wsdl", timeout=TIMEOUT).text
    assert f'<soap:address location="{endpoint}"/>' in wsdl


def test_alerts_stay_in_their_space(a_room):
    endpoints = {
        "anna": url(a_room, "websocket", learner="anna-3f2a"),
        "boris": url(a_room, "websocket", learner="boris-0c1d"),
        "nobody": url(a_room, "websocket"),
    }
    listeners = {who: ws_connect(endpoint) for who, endpoint in endpoints.items()}
    sender = ws_connect(endpoints["anna"])
    try:
        for listener in listeners.values():
            ws_ask(listener, {"type": "subscribe", "id": 1, "city": "kazan"})
        alert = {"type": "alert", "id": 2, "city": "kazan", "text": "Storm"}
        assert ws_ask(sender, alert)["delivered"] == 1  # anna's listener only
        while (message := json.loads(listeners["anna"].recv()))["type"] != "alert":
            pass
        assert message["text"] == "Storm"
        # Connections are numbered within a space: anna's listener was her client-1, so her
        # sender is client-2 however many others the room has (as on a server of her own).
        assert message["from"] == "client-2"
        # Without a prefix, alerts reach the others without one, as before.
        other = ws_connect(endpoints["nobody"])
        try:
            assert ws_ask(other, {**alert, "id": 3})["delivered"] == 1
        finally:
            other.close()
    finally:
        for connection in [*listeners.values(), sender]:
            connection.close()


BAD_NAMES = ["Anna", "-anna", "an_na", "x" * 41, "", "%41nna"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_malformed_learner_name_is_each_protocols_not_found(a_room, name):
    prefix = f"/learners/{name}"
    rest_answer = requests.get(url(a_room, "rest") + prefix + "/cities", timeout=TIMEOUT)
    assert rest_answer.status_code == 404
    assert rest_answer.headers["Content-Type"] == "application/problem+json"
    soap_answer = soap_save(url(a_room, "soap").replace("/soap", prefix + "/soap"))
    assert soap_answer.status_code == 404 and "Traceback" not in soap_answer.text
    proxy = xmlrpc.client.ServerProxy(url(a_room, "xmlrpc").replace("/RPC2", prefix + "/RPC2"))
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        proxy.list_cities()
    assert refused.value.errcode == 404
    endpoint = url(a_room, "jsonrpc").replace("/jsonrpc", prefix + "/jsonrpc")
    answer = jsonrpc_call(endpoint, "list_cities", [])
    assert answer.status_code == 404 and answer.json()["error"]["code"] == jsonrpc.INVALID_REQUEST
    with pytest.raises(websocket.WebSocketBadStatusException) as handshake:
        ws_connect(url(a_room, "websocket").replace("/weather", prefix + "/weather"))
    assert handshake.value.status_code == 404
    # Nothing was made for them.
    assert a_room["rest", "en"].spaces.names() == []


def test_spaces_are_bounded_with_each_protocols_storage_full(a_room, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LEARNER_SPACES", 1)
    assert requests.get(url(a_room, "rest", learner="a") + "/observations", timeout=TIMEOUT).ok
    full = requests.get(url(a_room, "rest", learner="b") + "/observations", timeout=TIMEOUT)
    assert full.status_code == 507 and full.json()["type"].endswith("store-full")
    assert soap_save(url(a_room, "soap", learner="a")).status_code == 200
    fault = soap_save(url(a_room, "soap", learner="b"))
    assert fault.status_code == 500 and "<w:code>STORE_FULL</w:code>" in fault.text
    xmlrpc.client.ServerProxy(url(a_room, "xmlrpc", learner="a")).save_observation(
        "kazan", "2026-06-03", 1.0
    )
    with pytest.raises(xmlrpc.client.Fault) as refused:
        xmlrpc.client.ServerProxy(url(a_room, "xmlrpc", learner="b")).save_observation(
            "kazan", "2026-06-03", 1.0
        )
    assert refused.value.faultCode == xmlrpc_server.STORE_FULL
    params = ["kazan", "2026-06-03", 1.0]
    assert (
        "result"
        in jsonrpc_call(url(a_room, "jsonrpc", learner="a"), "save_observation", params).json()
    )
    error = jsonrpc_call(url(a_room, "jsonrpc", learner="b"), "save_observation", params).json()
    assert error["error"]["code"] == jsonrpc.STORE_FULL
    # The learners who have a space keep it; the default space is always there.
    assert requests.get(url(a_room, "rest", learner="a") + "/observations", timeout=TIMEOUT).ok
    assert requests.get(url(a_room, "rest") + "/observations", timeout=TIMEOUT).ok


def test_reset_gives_every_server_fresh_data(a_room):
    anna = url(a_room, "rest", learner="anna")
    assert requests.post(anna + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT).ok
    assert requests.delete(url(a_room, "rest") + "/observations/1", headers=KEY, timeout=TIMEOUT).ok
    proxy = xmlrpc.client.ServerProxy(url(a_room, "xmlrpc", "ru"))
    assert proxy.save_observation("kazan", "2026-06-03", 1.0) == 1
    with grpc_library.insecure_channel(a_room["grpc", "en"].url) as channel:
        stub = grpc.weather_pb2_grpc.WeatherStub(channel)
        request = grpc.weather_pb2.SaveObservationRequest(
            city="kazan", date="2026-06-03", temperature=1.0
        )
        assert stub.SaveObservation(request, timeout=TIMEOUT).id == 1
    a_room.reset()
    # As a fresh server: observation 1 of Moscow, new ones from 2; no learner's space left.
    rest_server = a_room["rest", "en"]
    assert rest_server.spaces.names() == []
    assert [o["id"] for o in rest_server.observations.list()] == [1]
    created = requests.post(anna + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT)
    assert created.json()["id"] == 2
    assert proxy.save_observation("kazan", "2026-06-03", 1.0) == 1
    assert a_room["grpc", "en"].observations.list() == []


# --------------------------------------------------------------------------
# start(): the room's server, or one of the notebook's own


STARTS = {
    "rest": rest.start,
    "soap": soap.start,
    "xmlrpc": xmlrpc_server.start,
    "jsonrpc": jsonrpc.start,
    "grpc": grpc.start,
    "websocket": websocket_server.start,
}


@pytest.mark.parametrize("style", list(STARTS))
def test_start_returns_the_rooms_server_unless_asked_for_its_own(style, monkeypatch, free_port):
    asked = []
    shared = object()

    def shared_server(style, language="en"):
        asked.append((style, language))
        return shared

    monkeypatch.setattr(room, "shared_server", shared_server)
    start = STARTS[style]
    assert start(language="ru") is shared
    assert asked == [(style, "ru")]
    for own in (start(own=True), start(port=0, host="127.0.0.1", own=True)):
        with own:
            assert isinstance(own, runner.RunningServer) and own.running
    # An explicit address is always a server of this process.
    with start(host="127.0.0.1", port=free_port) as explicit:
        assert isinstance(explicit, runner.RunningServer)
    assert len(asked) == 1


@pytest.mark.parametrize("style", list(STARTS))
def test_without_a_room_start_gives_a_server_of_its_own(style):
    # conftest.py sets API_COURSE_ROOM=off: no test ever uses a room.
    with STARTS[style]() as server:
        assert isinstance(server, runner.RunningServer) and server.running


def test_lesson_05_always_measures_servers_of_its_own(monkeypatch):
    from mock_servers import compare

    monkeypatch.setattr(room, "shared_server", lambda style, language="en": object())
    with compare.start_all() as servers:
        assert all(isinstance(servers[style], runner.RunningServer) for style in servers)


# --------------------------------------------------------------------------
# The command


def test_a_taken_port_names_it_and_suggests_another(capsys, port_is_free):
    base = room_server.free_base_port("127.0.0.1", random.randrange(20000, 40000))
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", base + 3))
        other_program.listen()
        assert room_server.main(["--port", str(base), "--quiet"]) == 1
    error = capsys.readouterr().err
    assert f"port {base + 3} (JSON-RPC, English) is not available" in error
    suggested = int(re.search(r"try --port (\d+)", error).group(1))
    assert suggested >= base + room_server.PORTS
    assert "Traceback" not in error and "Errno" not in error
    # The servers started before it are stopped again.
    assert all(port_is_free(base + offset) for offset in range(3))


def test_the_command_serves_resets_and_stops_on_ctrl_c():
    base = room_server.free_base_port("127.0.0.1", random.randrange(20000, 40000))
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_servers", "room", "--port", str(base), "--quiet"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = []
        while not (line := process.stdout.readline()).startswith("Type"):
            assert line, process.stderr.read()
            banner.append(line)
        assert f"python -m mock_servers.room join http://127.0.0.1:{base}" in "".join(banner)
        anna = f"http://127.0.0.1:{base}/learners/anna"
        assert requests.post(anna + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT).ok
        ru = requests.get(f"http://127.0.0.1:{base + 10}/cities/nowhere", timeout=TIMEOUT)
        assert ru.headers["Content-Language"] == "ru"
        process.stdin.write("сброс\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith("reset: fresh data on every server")
        again = requests.post(anna + "/observations", json=KAZAN, headers=KEY, timeout=TIMEOUT)
        assert again.status_code == 201  # the space is fresh: no duplicate
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.strip().endswith("stopped") and "Traceback" not in err
