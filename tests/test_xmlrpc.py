"""The XML-RPC weather service: every method, every fault, introspection, multicall, hostile XML."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import threading
import time
import xmlrpc.client

import pytest
import requests
from waiting import QUICK  # tests/waiting.py

from mock_servers import weather
from mock_servers import xmlrpc as weather_xmlrpc

DAY = weather.DATES[0]


@pytest.fixture
def server():
    with weather_xmlrpc.start() as running:
        yield running


@pytest.fixture
def proxy(server):
    with xmlrpc.client.ServerProxy(server.url) as client:
        yield client


def fault_of(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def post(server, body: bytes, **kwargs) -> requests.Response:
    headers = {"Content-Type": "text/xml", **kwargs.pop("headers", {})}
    return requests.post(server.url, data=body, headers=headers, timeout=5, **kwargs)


def call_xml(method: str, params: str | bytes = "") -> bytes:
    if isinstance(params, str):
        params = params.encode()
    head = f"<?xml version='1.0'?><methodCall><methodName>{method}</methodName>".encode()
    return head + b"<params>" + params + b"</params></methodCall>"


# --------------------------------------------------------------------------
# Starting and stopping


def test_url_is_the_rpc2_endpoint_on_loopback(server):
    assert server.url == f"http://127.0.0.1:{server.port}/RPC2"
    assert server.style == "xmlrpc"


def test_start_and_stop_are_fast_and_leave_no_thread():
    started = time.perf_counter()
    running = weather_xmlrpc.start()
    with xmlrpc.client.ServerProxy(running.url) as client:
        client.list_cities()
        running.stop()
    assert time.perf_counter() - started < QUICK  # figures: benchmarks/rpc_servers.py
    assert not running.running
    assert not threads_named(f"mock-xmlrpc-{running.port}")
    with pytest.raises(OSError):
        xmlrpc.client.ServerProxy(running.url).list_cities()


# --------------------------------------------------------------------------
# The weather methods


def test_get_forecast_is_the_weather_fact(proxy):
    assert proxy.get_forecast("moscow", "2026-06-01") == weather.forecast("moscow", "2026-06-01")


def test_list_cities(proxy):
    assert proxy.list_cities() == weather.cities()
    assert proxy.list_cities()[0]["name_ru"] == "Москва"


def test_get_week(proxy):
    assert proxy.get_week("tokyo") == weather.week("tokyo")


def test_save_observation_counts_ids_per_server(server, proxy):
    assert proxy.save_observation("moscow", DAY, 20.5) == 1
    assert proxy.save_observation("kazan", weather.DATES[-1], -3, "snow") == 2
    with weather_xmlrpc.start() as other, xmlrpc.client.ServerProxy(other.url) as client:
        assert client.save_observation("moscow", DAY, 1) == 1


# --------------------------------------------------------------------------
# Faults


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        (lambda p: p.get_forecast("atlantis", DAY), 404, "unknown city 'atlantis'"),
        (lambda p: p.get_forecast("moscow", "2026-07-01"), 404, "no forecast for moscow"),
        (lambda p: p.get_forecast("moscow", "tomorrow"), 400, "YYYY-MM-DD"),
        (lambda p: p.get_forecast("moscow", "2026-13-01"), 400, "YYYY-MM-DD"),
        (lambda p: p.get_forecast("moscow", 20260601), 400, "date must be a string, not int"),
        (lambda p: p.get_forecast(["moscow"], DAY), 400, "city must be a string, not array"),
        (lambda p: p.get_forecast("moscow"), 400, "takes 2 parameter(s) (city, date), not 1"),
        (lambda p: p.get_forecast("moscow", DAY, 3), 400, "not 3"),
        (lambda p: p.list_cities("moscow"), 400, "takes 0 parameter(s)"),
        (lambda p: p.get_week("atlantis"), 404, "known cities: moscow"),
        (lambda p: p.get_week(), 400, "takes 1 parameter(s)"),
        (lambda p: p.save_observation("moscow", DAY), 400, "takes 3 to 4 parameter(s)"),
        (lambda p: p.save_observation("atlantis", DAY, 1), 404, "unknown city"),
        (lambda p: p.save_observation("moscow", "yesterday", 1), 400, "YYYY-MM-DD"),
        (lambda p: p.save_observation("moscow", DAY, "warm"), 400, "not string"),
        (lambda p: p.save_observation("moscow", DAY, True), 400, "not boolean"),
        (lambda p: p.save_observation("moscow", DAY, 61), 400, "between -90 and 60"),
        (lambda p: p.save_observation("moscow", "2026-07-01", 1), 400, "day of the week"),
        (lambda p: p.save_observation("moscow", DAY, 1, "x" * 501), 400, "500 characters"),
        (lambda p: p.save_observation("moscow", DAY, 1, 5), 400, "note must be a string"),
        (lambda p: p.forecast("moscow", DAY), -32601, "no method 'forecast'"),
        (lambda p: p.system.methodSignature("nope"), -32601, "no method 'nope'"),
        (lambda p: p.system.methodHelp(5), 400, "must be a string"),
    ],
)
def test_faults_have_meaningful_codes(proxy, call, code, words):
    fault = fault_of(lambda: call(proxy))
    assert fault.faultCode == code
    assert words in fault.faultString
    assert "Traceback" not in fault.faultString


def test_a_bug_is_an_internal_error_fault_without_a_traceback(server, proxy, monkeypatch):
    def broken(city_id, language="en"):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(weather, "week", broken)
    fault = fault_of(lambda: proxy.get_week("moscow"))
    assert fault.faultCode == weather_xmlrpc.INTERNAL_ERROR
    assert "secret" not in fault.faultString
    assert server.log.lines[-1].endswith("→ Fault -32603 (RuntimeError: secret detail)")


# --------------------------------------------------------------------------
# Introspection and multicall


def test_list_methods(proxy):
    assert proxy.system.listMethods() == [
        "get_forecast",
        "get_week",
        "list_cities",
        "save_observation",
        "system.listMethods",
        "system.methodHelp",
        "system.methodSignature",
        "system.multicall",
    ]


def test_method_help_is_the_docstring(proxy):
    text = proxy.system.methodHelp("get_forecast")
    assert text.startswith("get_forecast(city, date) -> struct")
    assert "404" in text
    assert proxy.system.methodHelp("system.multicall").startswith("system.multicall(")
    assert proxy.system.methodHelp("nope") == ""


def test_method_signature_lists_the_types(proxy):
    assert proxy.system.methodSignature("get_forecast") == [["struct", "string", "string"]]
    assert proxy.system.methodSignature("save_observation") == [
        ["int", "string", "string", "double"],
        ["int", "string", "string", "double", "string"],
    ]
    for name in proxy.system.listMethods():
        assert proxy.system.methodSignature(name)


def test_multicall_runs_every_call_and_reports_faults_one_by_one(proxy):
    calls = xmlrpc.client.MultiCall(proxy)
    calls.list_cities()
    calls.get_forecast("atlantis", DAY)
    calls.get_forecast("kazan", DAY)
    results = calls()
    assert results[0] == weather.cities()
    with pytest.raises(xmlrpc.client.Fault) as caught:
        results[1]
    assert caught.value.faultCode == 404
    assert results[2] == weather.forecast("kazan", DAY)


def test_multicall_refuses_nesting_and_malformed_calls(proxy):
    results = proxy.system.multicall(
        [
            {"methodName": "system.multicall", "params": [[]]},
            "list_cities",
            {"methodName": "get_week", "params": ["sochi"]},
        ]
    )
    assert results[0] == {"faultCode": 400, "faultString": "system.multicall cannot be nested"}
    assert results[1]["faultCode"] == 400
    assert results[2] == [weather.week("sochi")]
    assert fault_of(lambda: proxy.system.multicall("list_cities")).faultCode == 400


# --------------------------------------------------------------------------
# What crosses the wire


def test_the_wire_is_plain_xml_even_for_gzip_capable_clients(server):
    response = post(server, call_xml("get_week", "<param><value>moscow</value></param>"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    assert "Content-Encoding" not in response.headers
    assert response.headers["Server"] == "WeatherMock/1.0"
    assert "<methodResponse>" in response.text
    assert xmlrpc.client.loads(response.content)[0][0] == weather.week("moscow")


def test_a_gzip_request_is_understood(server):
    body = gzip.compress(call_xml("list_cities"))
    response = post(server, body, headers={"Content-Encoding": "gzip"})
    assert xmlrpc.client.loads(response.content)[0][0] == weather.cities()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<methodCall><methodName>list_cities", weather_xmlrpc.PARSE_ERROR),
        (b"not xml at all", weather_xmlrpc.PARSE_ERROR),
        (b"<methodCall><params/></methodCall>", weather_xmlrpc.INVALID_REQUEST),
        (call_xml("get_week", "<param><value><int>abc</int></value></param>"), -32600),
        (
            b"<methodResponse><fault><value><struct>"
            b"<member><name>faultCode</name><value><int>7</int></value></member>"
            b"<member><name>faultString</name><value>x</value></member>"
            b"</struct></value></fault></methodResponse>",
            weather_xmlrpc.INVALID_REQUEST,
        ),
    ],
)
def test_broken_requests_get_a_fault_not_an_http_error(server, body, code):
    response = post(server, body)
    assert response.status_code == 200
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    assert caught.value.faultCode == code


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<methodCall><methodName>get_week</methodName>
<params><param><value><string>&lol4;</string></value></param></params></methodCall>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE call [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>get_week</methodName>
<params><param><value><string>&secret;</string></value></param></params></methodCall>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_hostile_xml_is_refused(server, body):
    response = post(server, body)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    assert caught.value.faultCode == weather_xmlrpc.PARSE_ERROR
    assert "DTD" in caught.value.faultString
    assert "root:" not in response.text
    assert server.log.lines[-1] == "(hostile XML) → Fault -32700"


def test_deeply_nested_values_are_bad_params_not_a_crash(server):
    depth = 20_000
    value = b"<array><data><value>" * depth + b"</value></data></array>" * depth
    response = post(server, call_xml("get_week", b"<param><value>%s</value></param>" % value))
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    assert caught.value.faultCode == 400
    assert server.log.lines == ["get_week([[[[...]]]]) → Fault 400"]


def test_the_defusing_is_local_to_this_server():
    # defusedxml.xmlrpc.monkey_patch() would have replaced this global parser.
    assert xmlrpc.client.FastParser is None


def test_a_request_over_the_size_limit_is_refused_cleanly(server):
    body = b"<!-- padding -->" * (weather_xmlrpc.MAX_REQUEST_BYTES // 16 + 1)
    response = post(server, body)
    assert response.status_code == 413
    assert "limited to 1048576 bytes" in response.text
    with xmlrpc.client.ServerProxy(server.url) as client:
        assert client.list_cities() == weather.cities()  # the server goes on
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        with xmlrpc.client.ServerProxy(server.url) as client:
            client.get_week("x" * weather_xmlrpc.MAX_REQUEST_BYTES)
    assert caught.value.errcode == 413


def test_http_errors_explain_themselves(server):
    response = requests.get(server.url, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert "POST" in response.text
    response = requests.post(server.url.replace("/RPC2", "/other"), data=b"<x/>", timeout=5)
    assert response.status_code == 404
    assert "/RPC2" in response.text


def test_a_request_without_content_length_is_refused(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.putrequest("POST", "/RPC2")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 411
    connection.close()


# --------------------------------------------------------------------------
# The log


def test_one_log_line_per_call(server, proxy):
    proxy.get_forecast("moscow", DAY)
    fault_of(lambda: proxy.get_forecast("atlantis", DAY))
    assert server.log.lines == [
        "get_forecast('moscow', '2026-06-01') → ok",
        "get_forecast('atlantis', '2026-06-01') → Fault 404",
    ]


def test_the_server_never_prints(capsys, server, proxy):
    proxy.get_week("moscow")
    fault_of(lambda: proxy.nope())
    post(server, b"broken")
    requests.get(server.url, timeout=5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def threads_named(prefix: str) -> list[threading.Thread]:
    # stop() joins every connection thread, so none may be left the moment it returns.
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


# --------------------------------------------------------------------------
# Faults in the learner's language


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (call_xml("get_week", "<param><value>atlantis</value></param>"), 404),
        (call_xml("get_weather"), -32601),
        (call_xml("get_week"), 400),
        (b"<not xml", -32700),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', -32700),
        (
            call_xml(
                "save_observation",
                "<param><value>moscow</value></param><param><value>2026-07-01</value></param>"
                "<param><value><int>20</int></value></param>",
            ),
            400,
        ),
    ],
)
def test_faults_in_russian_when_the_request_prefers_it(server, body, code):
    response = post(server, body, headers={"Accept-Language": "ru, en;q=0.5"})
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    fault = caught.value
    assert fault.faultCode == code
    shown = re.sub(
        r"\([^)]*\)|«[^»]*»|system\.listMethods|get_week|save_observation|DTD|XML-RPC|XML|string|"
        r"city|date|moscow|kazan|[a-z-]+(, [a-z-]+)+",
        "",
        fault.faultString,
    )
    assert re.search(r"[A-Za-z]{3,}", shown) is None, fault.faultString
    with pytest.raises(xmlrpc.client.Fault) as english:
        xmlrpc.client.loads(post(server, body).content)
    assert english.value.faultString != fault.faultString


def test_the_servers_default_language():
    with weather_xmlrpc.start(language="ru") as running:
        with xmlrpc.client.ServerProxy(running.url) as proxy:
            fault = fault_of(lambda: proxy.get_week("atlantis"))
        assert fault.faultString.startswith("неизвестный город")


def test_descriptions_and_help_in_the_language_the_request_prefers(server):
    day = weather.forecast("moscow", DAY)
    russian = {"Accept-Language": "ru, en;q=0.5"}
    (forecast,), _ = xmlrpc.client.loads(
        post(server, call_xml("get_forecast", _params("moscow", DAY)), headers=russian).content
    )
    assert forecast["description"] == weather.CONDITIONS[day["condition"]][1]
    (week,), _ = xmlrpc.client.loads(
        post(server, call_xml("get_week", _params("moscow")), headers=russian).content
    )
    assert [one["description"] for one in week] == [
        weather.CONDITIONS[one["condition"]][1] for one in weather.week("moscow")
    ]
    for name in weather_xmlrpc.HELP_RU:
        (help,), _ = xmlrpc.client.loads(
            post(server, call_xml("system.methodHelp", _params(name)), headers=russian).content
        )
        assert help.startswith(name + "(")
        # The same first line (the call), then Russian words; never the English text.
        assert re.search("[а-яё]{4,}", help.split("\n", 2)[2]), help
        (english_help,), _ = xmlrpc.client.loads(
            post(server, call_xml("system.methodHelp", _params(name))).content
        )
        if not name.startswith("system."):  # the standard library's first lines differ
            assert help.split("\n")[0] == english_help.split("\n")[0]
        assert not set(english_help.split("\n")[2:]) & set(help.split("\n")[2:])
    # English stays the default, and the server's own language counts.
    with xmlrpc.client.ServerProxy(server.url) as proxy:
        assert proxy.get_forecast("moscow", DAY)["description"] == day["description"]
        assert "The forecast for one city" in proxy.system.methodHelp("get_forecast")
    with weather_xmlrpc.start(language="ru") as running:
        with xmlrpc.client.ServerProxy(running.url) as proxy:
            assert proxy.get_week("sochi")[0]["description"] == "Ясно"
            assert proxy.system.methodHelp("get_week").startswith("get_week(city)")
            assert "Семь" in proxy.system.methodHelp("get_week")


def _params(*values: str) -> str:
    return "".join(f"<param><value><string>{value}</string></value></param>" for value in values)


def test_a_bad_request_line_gets_a_fixed_reason_phrase(server):
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"GET /RPC2 HTTP/7.x-<script>\r\n\r\n")
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"script" not in answer  # neither in the reason phrase nor in the page


@pytest.mark.parametrize("length", ["nonsense", "-5", "1e3", "²", "5, 6"])
def test_an_invalid_content_length_is_400_and_the_connection_closes(server, length):
    request = (
        f"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request + call_xml("list_cities"))
        answer = sock.makefile("rb").read()  # ends: the server closed the connection
    head = answer.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close" in head
    assert answer.count(b"HTTP/1.1") == 1
    assert server.log.lines[-1] == "POST /RPC2 → 400"


def test_http_errors_in_russian_when_asked(server):
    russian = {"Accept-Language": "ru"}
    response = requests.get(server.url, headers=russian, timeout=5)
    assert response.status_code == 405 and response.reason == "Method Not Allowed"
    assert (
        response.text.startswith("Метод не разрешён")
        and "Accept-Language" in response.headers["Vary"]
    )
    other = server.url.replace("/RPC2", "/other")
    response = requests.post(other, data=b"<x/>", headers=russian, timeout=5)
    assert response.status_code == 404 and response.text.startswith("Не найдено")
    body = b"<!-- padding -->" * (weather_xmlrpc.MAX_REQUEST_BYTES // 16 + 1)
    response = post(server, body, headers=russian)
    assert response.status_code == 413
    assert (
        response.text
        == "Слишком большой запрос (Content Too Large): предел — 1\u00a0048\u00a0576 байт\n"
    )
