"""The REST weather API: every route, every error status, and its OpenAPI description."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
from openapi_spec_validator import validate

from mock_servers import rest, weather

KEY = {"X-API-Key": rest.API_KEY}
PROBLEM = "application/problem+json"


@pytest.fixture
def server():
    with rest.start() as running:
        yield running


class Answer:
    """A Flask test client's response, read the way requests reads one."""

    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.text = response.get_data(as_text=True)

    def json(self):
        return json.loads(self.text)


@pytest.fixture
def api():
    """A tiny client of the app itself, no socket: api("GET", "/cities") -> a response read as
    requests reads one.  What the HTTP server adds (Date, keep-alive) is tested on the wire."""
    client = rest.create_app().test_client()

    def call(method, path, *, params=None, timeout=None, **kwargs):
        return Answer(client.open(path, method=method, query_string=params, **kwargs))

    return call


@pytest.fixture
def wire_api(server):
    """The same calls over a real socket: api("GET", "/cities") -> requests.Response."""

    def call(method, path, **kwargs):
        kwargs.setdefault("timeout", 5)
        return requests.request(method, server.url + path, **kwargs)

    return call


def assert_problem(response, status, kind=None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    if kind:
        assert body["type"] == rest.PROBLEM_BASE + kind
    return body


# --------------------------------------------------------------------------
# Reading


def test_index_links_to_the_resources(api):
    links = api("GET", "/").json()["links"]
    assert links["cities"] == "/cities" and links["openapi"] == "/openapi.json"


def test_cities_are_paged_with_a_total(api):
    response = api("GET", "/cities", params={"limit": 3})
    body = response.json()
    assert body["total"] == len(weather.CITIES)
    assert [c["id"] for c in body["items"]] == list(weather.CITIES)[:3]
    assert response.headers["Link"] == '</cities?limit=3&offset=3>; rel="next"'
    last = api("GET", "/cities", params={"limit": 3, "offset": 6})
    assert [c["id"] for c in last.json()["items"]] == ["tokyo"]
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]


def test_cities_filter_by_country(api):
    body = api("GET", "/cities", params={"country": "gb"}).json()
    assert body["total"] == 1 and body["items"][0]["id"] == "london"


def test_one_city(api):
    assert api("GET", "/cities/kazan").json() == weather.city("kazan")


def test_forecast_collection_and_date_filter(api):
    body = api("GET", "/cities/moscow/forecast").json()
    assert body["items"] == weather.week("moscow")
    some = api("GET", "/cities/moscow/forecast", params={"from": "2026-06-03", "to": "2026-06-04"})
    assert [d["date"] for d in some.json()["items"]] == ["2026-06-03", "2026-06-04"]


def test_one_forecast_is_the_shared_weather_fact(api):
    response = api("GET", "/cities/moscow/forecast/2026-06-01")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == weather.forecast("moscow", "2026-06-01")


def test_head_and_options(api):
    head = api("HEAD", "/cities/moscow")
    assert head.status_code == 200 and head.content == b""
    options = api("OPTIONS", "/observations")
    assert set(options.headers["Allow"].split(", ")) >= {"GET", "POST"}


# --------------------------------------------------------------------------
# Conditional requests


def test_etag_and_if_none_match_give_304(api):
    first = api("GET", "/cities/moscow/forecast/2026-06-02")
    etag = first.headers["ETag"]
    again = api("GET", "/cities/moscow/forecast/2026-06-02", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    other = api("GET", "/cities/moscow/forecast/2026-06-02", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200


def test_one_date_header_only(wire_api):
    api = wire_api
    response = api("GET", "/cities")
    assert "," not in response.headers["Date"].split(" ", 1)[1].split("GMT")[0]


def test_if_match_protects_against_lost_updates(api):
    etag = api("GET", "/observations/1").headers["ETag"]
    stale = api(
        "PATCH", "/observations/1", json={"note": "x"}, headers={**KEY, "If-Match": '"old"'}
    )
    assert_problem(stale, 412, "etag-mismatch")
    fresh = api("PATCH", "/observations/1", json={"note": "y"}, headers={**KEY, "If-Match": etag})
    assert fresh.status_code == 200 and fresh.json()["note"] == "y"


# --------------------------------------------------------------------------
# Writing: POST, PUT, PATCH, DELETE


def test_create_read_replace_update_delete(api):
    new = {"city": "kazan", "date": "2026-06-02", "temperature": 24.5}
    created = api("POST", "/observations", json=new, headers=KEY)
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location == f"/observations/{created.json()['id']}"
    assert api("GET", location).json() == {"id": created.json()["id"], **new}

    replaced = api("PUT", location, json={**new, "temperature": 26, "note": "hot"}, headers=KEY)
    assert replaced.status_code == 200 and replaced.json()["temperature"] == 26

    patched = api("PATCH", location, json={"note": None, "temperature": 25}, headers=KEY)
    assert patched.json() == {"id": created.json()["id"], **new, "temperature": 25}

    patch_type = {**KEY, "Content-Type": "application/merge-patch+json"}
    assert api("PATCH", location, data='{"note": "ok"}', headers=patch_type).json()["note"] == "ok"

    deleted = api("DELETE", location, headers=KEY)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_problem(api("GET", location), 404, "unknown-observation")
    assert_problem(api("DELETE", location, headers=KEY), 404)


def test_observations_filter_by_city(api):
    api(
        "POST",
        "/observations",
        json={"city": "sochi", "date": "2026-06-03", "temperature": 23},
        headers=KEY,
    )
    body = api("GET", "/observations", params={"city": "sochi"}).json()
    assert body["total"] == 1 and body["items"][0]["city"] == "sochi"
    assert_problem(api("GET", "/observations", params={"city": "atlantis"}), 404, "unknown-city")


def test_each_server_has_its_own_state():
    with rest.start() as one, rest.start() as two:
        new = {"city": "tokyo", "date": "2026-06-02", "temperature": 25}
        requests.post(one.url + "/observations", json=new, headers=KEY, timeout=5)
        assert requests.get(one.url + "/observations", timeout=5).json()["total"] == 2
        assert requests.get(two.url + "/observations", timeout=5).json()["total"] == 1


def test_no_session_every_request_carries_its_key(api):
    new = {"city": "london", "date": "2026-06-02", "temperature": 18}
    assert api("POST", "/observations", json=new, headers=KEY).status_code == 201
    # The previous request proved nothing to the server: the next one needs the key again.
    again = api("PATCH", "/observations/2", json={"note": "cloudy"})
    assert_problem(again, 401, "api-key-required")
    assert "Set-Cookie" not in again.headers


# --------------------------------------------------------------------------
# Every error status


def test_400_bad_query_parameters(api):
    body = assert_problem(api("GET", "/cities", params={"limit": "lots"}), 400, "invalid-parameter")
    assert body["parameter"] == "limit"
    assert_problem(api("GET", "/cities", params={"limit": 0}), 400)
    assert_problem(api("GET", "/cities/moscow/forecast", params={"from": "June"}), 400)


def test_400_bad_date_in_path(api):
    assert_problem(api("GET", "/cities/moscow/forecast/2026-13-45"), 400, "invalid-date")


def test_400_malformed_json(api):
    response = api(
        "POST",
        "/observations",
        data='{"city": ',
        headers={**KEY, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")
    bad_utf8 = api(
        "POST",
        "/observations",
        data=b'{"city": "\xff"}',
        headers={**KEY, "Content-Type": "application/json"},
    )
    assert_problem(bad_utf8, 400, "malformed-json")


def test_401_missing_or_wrong_key(api):
    new = {"city": "kazan", "date": "2026-06-04", "temperature": 20}
    missing = api("POST", "/observations", json=new)
    assert_problem(missing, 401, "api-key-required")
    assert missing.headers["WWW-Authenticate"].startswith("APIKey")
    wrong = api("DELETE", "/observations/1", headers={"X-API-Key": "guess"})
    assert "not valid" in assert_problem(wrong, 401)["detail"]


def test_404_unknown_city_date_and_route(api):
    assert_problem(api("GET", "/cities/atlantis"), 404, "unknown-city")
    assert_problem(api("GET", "/cities/atlantis/forecast"), 404, "unknown-city")
    body = assert_problem(api("GET", "/cities/moscow/forecast/2027-01-01"), 404, "no-forecast")
    assert "2026-06-01" in body["detail"]
    unknown = assert_problem(api("GET", "/weather/today"), 404)
    assert unknown["type"] == "about:blank" and unknown["instance"] == "/weather/today"


def test_405_lists_allowed_methods(api):
    response = api("DELETE", "/cities")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_409_duplicate_observation(api):
    duplicate = {"city": "moscow", "date": "2026-06-01", "temperature": 19}
    body = assert_problem(api("POST", "/observations", json=duplicate, headers=KEY), 409)
    assert body["existing"] == "/observations/1"


def test_413_oversized_body(api):
    huge = json.dumps({"city": "moscow", "note": "x" * (rest.MAX_BODY_BYTES + 1)})
    response = api(
        "POST", "/observations", data=huge, headers={**KEY, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_415_body_that_is_not_json(api):
    response = api(
        "POST",
        "/observations",
        data="city=moscow",
        headers={**KEY, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415, "unsupported-media-type")
    assert_problem(api("POST", "/observations", headers=KEY), 415)
    assert response.headers["Accept-Post"] == "application/json"
    patch = api("PATCH", "/observations/1", data="x", headers={**KEY, "Content-Type": "text/plain"})
    assert patch.headers["Accept-Patch"] == "application/json, application/merge-patch+json"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": "2026-06-02", "temperature": 1}, "city"),
        ({"city": "atlantis", "date": "2026-06-02", "temperature": 1}, "city"),
        ({"city": "kazan", "date": "tomorrow", "temperature": 1}, "date"),
        ({"city": "kazan", "date": "2026-06-02", "temperature": "warm"}, "temperature"),
        ({"city": "kazan", "date": "2026-06-02", "temperature": True}, "temperature"),
        ({"city": "kazan", "date": "2026-06-02", "temperature": 99}, "temperature"),
        ({"city": "kazan", "date": "2026-06-02", "temperature": 1, "note": 5}, "note"),
        ({"city": "kazan", "date": "2026-06-02", "temperature": 1, "colour": "red"}, "colour"),
    ],
)
def test_422_invalid_observation_names_the_field(api, body, field):
    problem = assert_problem(
        api("POST", "/observations", json=body, headers=KEY), 422, "validation-error"
    )
    assert field in [error["field"] for error in problem["errors"]]


def test_422_body_that_is_not_an_object(api):
    assert_problem(api("POST", "/observations", json=[1, 2], headers=KEY), 422)
    assert_problem(api("PATCH", "/observations/1", json="text", headers=KEY), 422)
    assert_problem(api("PATCH", "/observations/1", json={"city": None}, headers=KEY), 422)


def test_500_is_a_problem_too(server, monkeypatch):
    def broken(city_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(weather, "city", broken)
    response = requests.get(server.url + "/cities/moscow", timeout=5)
    assert_problem(response, 500)
    assert "disk on fire" not in response.text


# --------------------------------------------------------------------------
# Echo


def test_echo_returns_what_the_server_received(api):
    response = api(
        "PUT", "/anything/a/b", params={"q": ["1", "2"]}, json={"x": 1}, headers={"X-Test": "yes"}
    )
    echo = response.json()
    assert echo["method"] == "PUT" and echo["path"] == "/anything/a/b"
    assert echo["query"] == {"q": ["1", "2"]}
    assert echo["headers"]["X-Test"] == "yes"
    assert echo["json"] == {"x": 1} and json.loads(echo["body"]) == {"x": 1}


# --------------------------------------------------------------------------
# OpenAPI: the description matches what the server does


@pytest.fixture
def document(api):
    return api("GET", "/openapi.json").json()


def test_openapi_document_is_valid(document, wire_api, server):
    validate(document)
    # The document names the server it came from: the address a client used.
    served = wire_api("GET", "/openapi.json").json()
    assert served["servers"][0] == {"url": server.url}
    # Then the form of a learner's own space on a shared server.
    assert served["servers"][1]["url"] == server.url + "/learners/{learner}"
    assert len(served["servers"]) == 2


def openapi_path(rule: str) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
    return (
        path.replace("{city_id}", "{city}")
        .replace("{observation_id}", "{id}")
        .replace("{anypath:rest}", "{rest}")
    )


def test_every_route_is_documented_and_every_documented_route_exists(document):
    app = rest.create_app()
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/docs"):
            continue  # /docs is a page about the API, not part of it
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((openapi_path(rule.rule), method.lower()))
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented


# One request per documented (path, method, status): proof the server really answers so.
new = {"city": "kazan", "date": "2026-06-05", "temperature": 21}
json_type = {**KEY, "Content-Type": "application/json"}
too_big = json.dumps({"note": "x" * (rest.MAX_BODY_BYTES + 1)})
EXAMPLES = {
    ("/", "get", "200"): ("GET", "/", {}),
    ("/cities", "get", "200"): ("GET", "/cities", {}),
    ("/cities", "get", "400"): ("GET", "/cities?offset=-1", {}),
    ("/cities/{city}", "get", "200"): ("GET", "/cities/moscow", {}),
    ("/cities/{city}", "get", "404"): ("GET", "/cities/nowhere", {}),
    ("/cities/{city}/forecast", "get", "200"): ("GET", "/cities/sochi/forecast", {}),
    ("/cities/{city}/forecast", "get", "400"): ("GET", "/cities/sochi/forecast?to=x", {}),
    ("/cities/{city}/forecast", "get", "404"): ("GET", "/cities/nowhere/forecast", {}),
    ("/cities/{city}/forecast/{date}", "get", "200"): (
        "GET",
        "/cities/sochi/forecast/2026-06-07",
        {},
    ),
    ("/cities/{city}/forecast/{date}", "get", "400"): (
        "GET",
        "/cities/sochi/forecast/7-6-2026",
        {},
    ),
    ("/cities/{city}/forecast/{date}", "get", "404"): (
        "GET",
        "/cities/sochi/forecast/2026-06-08",
        {},
    ),
    ("/observations", "get", "200"): ("GET", "/observations", {}),
    ("/observations", "get", "400"): ("GET", "/observations?limit=1000", {}),
    ("/observations", "get", "404"): ("GET", "/observations?city=nowhere", {}),
    ("/observations", "post", "201"): ("POST", "/observations", {"json": new, "headers": KEY}),
    ("/observations", "post", "400"): (
        "POST",
        "/observations",
        {"data": "{", "headers": json_type},
    ),
    ("/observations", "post", "401"): ("POST", "/observations", {"json": new}),
    ("/observations", "post", "409"): (
        "POST",
        "/observations",
        {"json": {**new, "city": "moscow", "date": "2026-06-01"}, "headers": KEY},
    ),
    ("/observations", "post", "413"): (
        "POST",
        "/observations",
        {"data": too_big, "headers": json_type},
    ),
    ("/observations", "post", "415"): ("POST", "/observations", {"data": "x", "headers": KEY}),
    ("/observations", "post", "422"): ("POST", "/observations", {"json": {}, "headers": KEY}),
    ("/observations/{id}", "get", "200"): ("GET", "/observations/1", {}),
    ("/observations/{id}", "get", "404"): ("GET", "/observations/99", {}),
    ("/observations/{id}", "put", "200"): (
        "PUT",
        "/observations/1",
        {"json": {**new, "city": "moscow", "date": "2026-06-01"}, "headers": KEY},
    ),
    ("/observations/{id}", "put", "400"): (
        "PUT",
        "/observations/1",
        {"data": "[", "headers": json_type},
    ),
    ("/observations/{id}", "put", "401"): ("PUT", "/observations/1", {"json": new}),
    ("/observations/{id}", "put", "404"): (
        "PUT",
        "/observations/99",
        {"json": new, "headers": KEY},
    ),
    ("/observations/{id}", "put", "409"): (
        "PUT",
        "/observations/2",
        {"json": {**new, "city": "moscow", "date": "2026-06-01"}, "headers": KEY},
    ),
    ("/observations/{id}", "put", "412"): (
        "PUT",
        "/observations/1",
        {"json": new, "headers": {**KEY, "If-Match": '"0"'}},
    ),
    ("/observations/{id}", "put", "413"): (
        "PUT",
        "/observations/1",
        {"data": too_big, "headers": json_type},
    ),
    ("/observations/{id}", "put", "415"): ("PUT", "/observations/1", {"data": "x", "headers": KEY}),
    ("/observations/{id}", "put", "422"): (
        "PUT",
        "/observations/1",
        {"json": {"city": "moscow"}, "headers": KEY},
    ),
    ("/observations/{id}", "patch", "200"): (
        "PATCH",
        "/observations/1",
        {"json": {"note": "n"}, "headers": KEY},
    ),
    ("/observations/{id}", "patch", "400"): (
        "PATCH",
        "/observations/1",
        {"data": "{", "headers": json_type},
    ),
    ("/observations/{id}", "patch", "401"): ("PATCH", "/observations/1", {"json": {}}),
    ("/observations/{id}", "patch", "404"): (
        "PATCH",
        "/observations/99",
        {"json": {}, "headers": KEY},
    ),
    ("/observations/{id}", "patch", "409"): (
        "PATCH",
        "/observations/2",
        {"json": {"city": "moscow", "date": "2026-06-01"}, "headers": KEY},
    ),
    ("/observations/{id}", "patch", "412"): (
        "PATCH",
        "/observations/1",
        {"json": {}, "headers": {**KEY, "If-Match": '"0"'}},
    ),
    ("/observations/{id}", "patch", "413"): (
        "PATCH",
        "/observations/1",
        {"data": too_big, "headers": json_type},
    ),
    ("/observations/{id}", "patch", "415"): (
        "PATCH",
        "/observations/1",
        {"data": "x", "headers": KEY},
    ),
    ("/observations/{id}", "patch", "422"): (
        "PATCH",
        "/observations/1",
        {"json": {"temperature": "hot"}, "headers": KEY},
    ),
    ("/observations/{id}", "delete", "204"): ("DELETE", "/observations/2", {"headers": KEY}),
    ("/observations/{id}", "delete", "401"): ("DELETE", "/observations/1", {}),
    ("/observations/{id}", "delete", "404"): ("DELETE", "/observations/99", {"headers": KEY}),
    ("/observations/{id}", "delete", "412"): (
        "DELETE",
        "/observations/1",
        {"headers": {**KEY, "If-Match": '"0"'}},
    ),
    ("/openapi.json", "get", "200"): ("GET", "/openapi.json", {}),
}
for method in ("get", "post", "put", "patch", "delete"):
    for documented, path in (("/anything", "/anything"), ("/anything/{rest}", "/anything/x/y")):
        EXAMPLES[(documented, method, "200")] = (method.upper(), path, {})
        EXAMPLES[(documented, method, "413")] = (method.upper(), path, {"data": too_big})


def test_every_documented_response_has_an_example(document):
    documented = {
        (path, method, status)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
        if status not in ("304", "507")  # 507: see test_507_when_the_store_is_full
    }
    assert documented == set(EXAMPLES)


@pytest.mark.parametrize("key", sorted(EXAMPLES), ids=lambda k: " ".join(k))
def test_documented_response_is_what_the_server_sends(api, document, key):
    path, method, status = key
    if status == "409" or path == "/observations/{id}" and status == "204":
        # A second observation to conflict with, or to delete.
        second = {"city": "kazan", "date": "2026-06-06", "temperature": 20}
        assert api("POST", "/observations", json=second, headers=KEY).status_code == 201
    http_method, url, kwargs = EXAMPLES[key]
    response = api(http_method, url, **kwargs)
    assert response.status_code == int(status), response.text
    declared = document["paths"][path][method]["responses"][status]
    if "$ref" in declared:
        declared = document["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    if "content" in declared:
        assert response.headers["Content-Type"] in declared["content"]


def test_304_is_documented_for_every_get(document, api):
    for path, item in document["paths"].items():
        if "get" in item and not path.startswith("/anything"):
            assert "304" in item["get"]["responses"], path
    etag = api("GET", "/openapi.json").headers["ETag"]
    assert api("GET", "/openapi.json", headers={"If-None-Match": etag}).status_code == 304


def test_description_language_from_query_or_accept_language(api):
    russian = api("GET", "/cities/moscow/forecast/2026-06-01", params={"lang": "ru"})
    assert russian.json()["description"] == "Ясно"
    assert russian.headers["Content-Language"] == "ru"
    assert "Accept-Language" in russian.headers["Vary"]
    negotiated = api(
        "GET", "/cities/moscow/forecast", headers={"Accept-Language": "ru-RU,ru;q=0.9"}
    )
    assert negotiated.json()["items"][2]["description"] == "Дождь"
    english = api("GET", "/cities/moscow/forecast/2026-06-01", headers={"Accept-Language": "de"})
    assert english.json()["description"] == "Clear sky"
    assert_problem(api("GET", "/cities/moscow/forecast", params={"lang": "fr"}), 400)


# --------------------------------------------------------------------------
# Problems in the learner's language


RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
# Names a Russian text may show as they are: methods, headers, media types, fields.
NAMES = (
    "JSON",
    "GET",
    "PUT",
    "PATCH",
    "POST",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "Content-Type",
    "application/json",
    "API",
    "X-API-Key",
    "ETag",
    "/cities",
    "errors",
    "merge patch",
    "W/",
    "/nowhere",
    "learner-key",
    "learner-",
)


def no_latin_words(text: str) -> bool:
    """True if ``text`` holds no English words besides names the API itself uses."""
    text = re.sub(r"«[^»]*»", "", text)  # quoted names: parameters, values
    for name in sorted(NAMES, key=len, reverse=True):
        text = text.replace(name, "")
    return re.search(r"[A-Za-z]{3,}", text) is None


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/cities/atlantis", {}, 404),
        ("GET", "/cities?limit=0", {}, 400),
        ("GET", "/cities/moscow/forecast/2026-07-01", {}, 404),
        ("GET", "/cities/moscow/forecast/tomorrow", {}, 400),
        ("GET", "/nowhere", {}, 404),
        ("DELETE", "/cities", {}, 405),
        ("POST", "/observations", {"json": {}}, 401),
        ("POST", "/observations", {"json": {}, "headers": {"X-API-Key": "x"}}, 401),
        ("POST", "/observations", {"data": "x", "headers": KEY}, 415),
        ("POST", "/observations", {"data": "{", "headers": json_type}, 400),
        ("POST", "/observations", {"json": {"city": {}}, "headers": KEY}, 422),
        (
            "POST",
            "/observations",
            {"json": {**new, "city": "moscow", "date": "2026-06-01"}, "headers": KEY},
            409,
        ),
        ("PUT", "/observations/1", {"json": new, "headers": {**KEY, "If-Match": '"0"'}}, 412),
        ("GET", "/observations/99", {}, 404),
        ("POST", "/observations", {"data": too_big, "headers": json_type}, 413),
    ],
)
def test_problems_come_in_russian_when_asked(api, method, path, kwargs, status):
    headers = {**kwargs.pop("headers", {}), **RUSSIAN}
    response = api(method, path, headers=headers, **kwargs)
    body = assert_problem(response, status)
    assert response.headers["Content-Language"] == "ru"
    assert "Accept-Language" in response.headers["Vary"]
    texts = [body["title"], body["detail"]]
    texts += [error["message"] for error in body.get("errors", [])]
    for text in texts:
        assert no_latin_words(text), text
    english = api(method, path, headers={**headers, "Accept-Language": "en"}, **kwargs)
    assert english.json()["title"] != body["title"]


def test_the_default_language_is_the_servers_choice():
    with rest.start(language="ru") as server:
        plain = requests.get(server.url + "/cities/atlantis", timeout=5)
        assert plain.json()["title"] == "Не найдено"
        asked = requests.get(
            server.url + "/cities/atlantis", headers={"Accept-Language": "en"}, timeout=5
        )
        assert asked.json()["title"] == "Not Found"
        forecast = requests.get(server.url + "/cities/moscow/forecast/2026-06-01", timeout=5)
        assert forecast.json()["description"] == "Ясно"
    with pytest.raises(ValueError):
        rest.create_app(language="de")


# --------------------------------------------------------------------------
# Learners' own spaces on a shared server


def test_each_learner_key_is_its_own_space(api):
    anna, boris = {"X-API-Key": "learner-anna"}, {"X-API-Key": "learner-boris"}
    kazan = {"city": "kazan", "date": "2026-06-03", "temperature": 26.5}
    # The same fixed example from two learners: both created, both /observations/2.
    for key in (anna, boris):
        created = api("POST", "/observations", json=kazan, headers=key)
        assert created.status_code == 201 and created.headers["Location"] == "/observations/2"
    # Boris changes his; Anna's stays as it was, and the shared space has neither.
    assert api("PATCH", "/observations/2", json={"note": "b"}, headers=boris).status_code == 200
    assert "note" not in api("GET", "/observations/2", headers=anna).json()
    assert api("GET", "/observations/2").status_code == 404
    assert api("DELETE", "/observations/1", headers=anna).status_code == 204
    assert api("GET", "/observations/1", headers=boris).status_code == 200
    assert api("GET", "/observations/1").status_code == 200
    assert api("GET", "/observations", headers=anna).json()["total"] == 1


@pytest.mark.parametrize("key", ["learner-", "learner-Anna", "learner-" + "x" * 41, "anna"])
def test_malformed_learner_keys_are_refused(api, key):
    body = {"city": "kazan", "date": "2026-06-03", "temperature": 1}
    assert_problem(api("POST", "/observations", json=body, headers={"X-API-Key": key}), 401)


def test_learner_spaces_are_bounded(monkeypatch):
    from mock_servers import limits

    monkeypatch.setattr(limits, "MAX_LEARNER_SPACES", 2)
    client = rest.create_app().test_client()
    for name in ("a", "b"):
        assert (
            client.get("/observations", headers={"X-API-Key": f"learner-{name}"}).status_code == 200
        )
    third = client.get("/observations", headers={"X-API-Key": "learner-c"})
    assert third.status_code == 507
    assert client.get("/observations", headers={"X-API-Key": "learner-a"}).status_code == 200


@pytest.mark.parametrize("length", ["nonsense", "-1", "1e2", "٣", "3, 4", "+3"])
def test_an_invalid_content_length_is_400_and_the_connection_closes(server, length):
    """RFC 9112 §6.3: invalid framing is unrecoverable; 400, then close."""
    request = (
        f"GET /cities HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
        "GET /cities HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request.encode())
        answer = sock.makefile("rb").read()  # ends: the server closed the connection
    head = answer.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close" in head
    assert answer.count(b"HTTP/1.1 ") == 1  # the second request was not answered


def test_the_same_content_length_twice_is_still_one_body(server):
    request = b"GET /cities HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
