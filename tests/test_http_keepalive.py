"""REST, SOAP, XML-RPC and JSON-RPC keep their HTTP/1.1 connections alive.

One ``requests.Session`` makes several calls, answers and errors alike, and
all of them travel on one TCP connection: every response says how long it is
(Content-Length, or a status that has no body) and none asks to close.
"""

from __future__ import annotations

import pytest
import requests
import urllib3

from mock_servers import jsonrpc, rest, soap
from mock_servers import xmlrpc as weather_xmlrpc

ENVELOPE = """<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:w="urn:weather-course:weather">
  <soap:Body><w:{body}</soap:Body>
</soap:Envelope>"""
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def soap_call(operation: str, inner: str) -> dict:
    headers = {**SOAP_HEADERS, "SOAPAction": f'"urn:weather-course:weather/{operation}"'}
    return {"data": ENVELOPE.format(body=inner).encode(), "headers": headers}


XMLRPC_CALL = (
    "<?xml version='1.0'?><methodCall><methodName>{}</methodName>"
    "<params><param><value><string>moscow</string></value></param></params></methodCall>"
)

CALLS = {
    "rest": (
        rest.start,
        [
            ("GET", "/cities", {}),
            ("GET", "/cities/atlantis", {}),  # 404 problem
            ("POST", "/observations", {"data": "x", "headers": {"X-API-Key": rest.API_KEY}}),
            ("GET", "/observations/1", {}),
            ("DELETE", "/observations/1", {"headers": {"X-API-Key": rest.API_KEY}}),  # 204
            ("GET", "/docs", {}),
        ],
    ),
    "soap": (
        soap.start,
        [
            ("GET", "?wsdl", {}),
            ("POST", "", soap_call("GetWeek", "GetWeek><w:city>moscow</w:city></w:GetWeek>")),
            ("POST", "", soap_call("GetWeek", "GetWeek><w:city>atlantis</w:city></w:GetWeek>")),
            ("GET", "", {}),  # 405
            ("POST", "", {"data": b"<not-xml", "headers": SOAP_HEADERS}),  # fault
        ],
    ),
    "xmlrpc": (
        weather_xmlrpc.start,
        [
            ("POST", "", {"data": XMLRPC_CALL.format("get_week")}),
            ("POST", "", {"data": XMLRPC_CALL.format("get_weather")}),  # fault
            ("POST", "", {"data": XMLRPC_CALL.format("get_week")}),
        ],
    ),
    "jsonrpc": (
        jsonrpc.start,
        [
            ("POST", "", {"json": {"jsonrpc": "2.0", "method": "list_cities", "id": 1}}),
            ("POST", "", {"json": {"jsonrpc": "2.0", "method": "list_cities"}}),  # 204
            ("POST", "", {"data": "{", "headers": {"Content-Type": "application/json"}}),
            ("POST", "", {"data": "x", "headers": {"Content-Type": "text/plain"}}),  # 415
            (
                "POST",
                "",
                {"json": {"jsonrpc": "2.0", "method": "get_week", "params": ["x"], "id": 2}},
            ),
        ],
    ),
}


@pytest.fixture
def connects(monkeypatch):
    """How many TCP connections urllib3 (under requests) opens, reconnects included."""
    opened = []
    original = urllib3.connection.HTTPConnection.connect

    def connect(self):
        opened.append(self)
        return original(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", connect)
    return opened


def test_the_count_sees_a_closed_connection(connects):
    # The XML-RPC server closes after an HTTP-level refusal (a 404 here).
    with weather_xmlrpc.start() as server, requests.Session() as session:
        for _ in range(2):
            session.post(server.url.replace("/RPC2", "/nope"), data="x", timeout=5)
    assert len(connects) == 2


@pytest.mark.parametrize("style", sorted(CALLS))
def test_one_connection_serves_every_call(style, connects):
    start, calls = CALLS[style]
    with start() as server, requests.Session() as session:
        for method, suffix, kwargs in calls:
            response = session.request(method, server.url + suffix, timeout=5, **kwargs)
            assert response.headers.get("Connection", "").lower() != "close", (method, suffix)
            if response.status_code not in (204, 304):
                assert int(response.headers["Content-Length"]) == len(response.content)
    assert len(connects) == 1
