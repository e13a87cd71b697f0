"""Observations: one set of rules, one bounded store, used by every style; REST's
If-Match checked and acted on atomically."""

from __future__ import annotations

import threading
import xmlrpc.client

import pytest
import requests
import zeep

from mock_servers import jsonrpc, observations, rest, soap, weather
from mock_servers import xmlrpc as weather_xmlrpc

KEY = {"X-API-Key": rest.API_KEY}
KAZAN = {"city": "kazan", "date": "2026-06-03", "temperature": 26.5, "note": "Hot"}


# --------------------------------------------------------------------------
# The rules


def test_a_valid_observation_comes_back_as_its_fields():
    assert observations.validate({**KAZAN, "id": 7}) == KAZAN
    assert observations.validate({**KAZAN, "note": None}) == {
        k: v for k, v in KAZAN.items() if k != "note"
    }


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"city": {}}, "city", "not-text"),  # the 500 of issue 13
        ({"city": ["kazan"]}, "city", "not-text"),
        ({"city": "atlantis"}, "city", "unknown-city"),
        ({"city": None}, "city", "required"),
        ({"date": "3 June"}, "date", "not-a-date"),
        ({"date": 20260603}, "date", "not-a-date"),
        ({"date": "2026-07-01"}, "date", "date-out-of-range"),
        ({"temperature": "warm"}, "temperature", "not-a-number"),
        ({"temperature": True}, "temperature", "not-a-number"),
        ({"temperature": float("nan")}, "temperature", "out-of-range"),
        ({"temperature": 61}, "temperature", "out-of-range"),
        ({"note": 5}, "note", "not-text"),
        ({"note": "x" * 501}, "note", "too-long"),
        ({"colour": "red"}, "colour", "unknown-field"),
    ],
)
def test_every_rule_names_its_field_in_both_languages(change, field, code):
    with pytest.raises(observations.Invalid) as caught:
        observations.validate({**KAZAN, **change})
    (mistake,) = caught.value.mistakes
    assert (mistake.field, mistake.code) == (field, code)
    english, russian = mistake.message("en"), mistake.message("ru")
    assert english and russian and english != russian
    assert not any("a" <= ch <= "z" for ch in russian.replace(str(mistake.value), ""))


def test_not_an_object_is_invalid_too():
    with pytest.raises(observations.Invalid):
        observations.validate([KAZAN])


def test_the_store_is_bounded_and_says_so():
    store = observations.Store(limit=2)
    assert store.add(KAZAN)["id"] == 1
    assert store.add(KAZAN)["id"] == 2  # RPC styles store every call
    with pytest.raises(observations.Full) as caught:
        store.add(KAZAN)
    assert "2" in caught.value.message("en") and "2" in caught.value.message("ru")
    assert len(store) == 2
    store.delete(1)
    assert store.add(KAZAN)["id"] == 3  # ids are never reused


def test_one_per_day_and_not_found():
    store = observations.Store()
    store.add(KAZAN, one_per_day=True)
    with pytest.raises(observations.Duplicate) as caught:
        store.add({**KAZAN, "temperature": 20}, one_per_day=True)
    assert caught.value.existing == 1
    for action in (store.get, store.delete, lambda i: store.replace(i, KAZAN)):
        with pytest.raises(observations.NotFound):
            action(99)


def test_the_store_hands_out_copies():
    store = observations.Store()
    store.add(KAZAN)["note"] = "changed by a caller"
    store.list()[0]["note"] = "changed by a caller"
    assert store.get(1)["note"] == "Hot"


def test_the_default_bound_is_the_room_limit():
    from mock_servers import limits

    assert observations.Store().limit == limits.MAX_OBSERVATIONS >= 1000


# --------------------------------------------------------------------------
# Every style stores what it says it stores


def test_every_style_stores_its_observations():
    with rest.start() as server:
        requests.post(server.url + "/observations", json=KAZAN, headers=KEY, timeout=5)
        assert server.observations.list(city="kazan") == [{"id": 2, **KAZAN}]
    with soap.start() as server:
        client = zeep.Client(server.url + "?wsdl")
        assert client.service.SaveObservation(**KAZAN) == 1
        assert server.observations.get(1) == {"id": 1, **KAZAN}
    with weather_xmlrpc.start() as server, xmlrpc.client.ServerProxy(server.url) as proxy:
        assert proxy.save_observation("kazan", "2026-06-03", 26.5, "Hot") == 1
        assert server.observations.get(1) == {"id": 1, **KAZAN}
    with jsonrpc.start() as server:
        call = {"jsonrpc": "2.0", "method": "save_observation", "params": KAZAN, "id": 1}
        assert requests.post(server.url, json=call, timeout=5).json()["result"] == 1
        assert server.observations.get(1) == {"id": 1, **KAZAN}


def full_store(server) -> None:
    server.observations.limit = len(server.observations)


def test_a_full_store_gets_each_protocols_error():
    with rest.start() as server:
        full_store(server)
        response = requests.post(server.url + "/observations", json=KAZAN, headers=KEY, timeout=5)
        assert response.status_code == 507
        assert response.json()["type"] == rest.PROBLEM_BASE + "store-full"
    with soap.start() as server:
        full_store(server)
        with pytest.raises(zeep.exceptions.Fault) as caught:
            zeep.Client(server.url + "?wsdl").service.SaveObservation(**KAZAN)
        assert caught.value.code == "soap:Server"
        code = caught.value.detail.findtext("w:WeatherFault/w:code", namespaces={"w": soap.NS})
        assert code == "STORE_FULL"
    with weather_xmlrpc.start() as server, xmlrpc.client.ServerProxy(server.url) as proxy:
        full_store(server)
        with pytest.raises(xmlrpc.client.Fault) as fault:
            proxy.save_observation("kazan", "2026-06-03", 1)
        assert fault.value.faultCode == weather_xmlrpc.STORE_FULL == 507
    with jsonrpc.start() as server:
        full_store(server)
        call = {"jsonrpc": "2.0", "method": "save_observation", "params": KAZAN, "id": 1}
        error = requests.post(server.url, json=call, timeout=5).json()["error"]
        assert error["code"] == jsonrpc.STORE_FULL == 1003


# --------------------------------------------------------------------------
# REST: If-Match and the write are one step


class Interleaving:
    """Hold request A inside the store's lock, right after its precondition
    passed, until request B has been sent; then let A finish.

    Without the lock around check and write, B would be checked against the
    version A is about to replace.  With it, B waits and then sees A's write.
    """

    def __init__(self, store: observations.Store, method: str) -> None:
        self.a_inside = threading.Event()
        self.b_sent = threading.Event()
        original = getattr(store, method)
        first = [True]

        def wrapped(observation_id, *args, check=None, **kwargs):
            if first[0]:
                first[0] = False

                def held(current):
                    if check is not None:
                        check(current)
                    self.a_inside.set()
                    self.b_sent.wait(5)

                return original(observation_id, *args, check=held, **kwargs)
            return original(observation_id, *args, check=check, **kwargs)

        setattr(store, method, wrapped)


def run_interleaved(app, store_method, request_a, request_b):
    """The responses of A and B, B sent while A holds the lock."""
    store = app.extensions["observations"]
    timing = Interleaving(store, store_method)
    results = {}

    def send_a():
        results["a"] = request_a(app.test_client())

    def send_b():
        timing.a_inside.wait(5)
        client = app.test_client()
        timing.b_sent.set()  # B is on its way; it waits for the lock
        results["b"] = request_b(client)

    threads = [threading.Thread(target=send_a), threading.Thread(target=send_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results["a"], results["b"]


def test_two_puts_with_the_same_etag_one_wins_one_gets_412():
    app = rest.create_app()
    client = app.test_client()
    etag = client.get("/observations/1").headers["ETag"]
    seed = client.get("/observations/1").get_json()

    def put(temperature):
        body = {**seed, "temperature": temperature}
        return lambda c: c.put("/observations/1", json=body, headers={**KEY, "If-Match": etag})

    a, b = run_interleaved(app, "replace", put(21), put(22))
    assert (a.status_code, b.status_code) == (200, 412)
    assert client.get("/observations/1").get_json()["temperature"] == 21


def test_a_put_after_a_concurrent_delete_does_not_recreate():
    app = rest.create_app()
    client = app.test_client()
    seed = client.get("/observations/1").get_json()
    etag = client.get("/observations/1").headers["ETag"]

    def delete(c):
        return c.delete("/observations/1", headers={**KEY, "If-Match": etag})

    def put(c):
        return c.put("/observations/1", json=seed, headers={**KEY, "If-Match": etag})

    a, b = run_interleaved(app, "delete", delete, put)
    assert (a.status_code, b.status_code) == (204, 404)
    assert client.get("/observations/1").status_code == 404
    # Without If-Match too: PUT changes an observation, it never creates one.
    assert client.put("/observations/1", json=seed, headers=KEY).status_code == 404


def test_a_patch_cannot_slip_between_check_and_write():
    app = rest.create_app()
    client = app.test_client()
    etag = client.get("/observations/1").headers["ETag"]

    def patch(note):
        return lambda c: c.patch(
            "/observations/1", json={"note": note}, headers={**KEY, "If-Match": etag}
        )

    a, b = run_interleaved(app, "replace", patch("first"), patch("second"))
    assert (a.status_code, b.status_code) == (200, 412)
    assert client.get("/observations/1").get_json()["note"] == "first"


def test_the_500_of_a_city_that_is_an_object_is_a_422_now():
    client = rest.create_app().test_client()
    body = {"city": {}, "date": "2000-01-01", "temperature": 0.0, "note": ""}
    response = client.post("/observations", json=body, headers=KEY)
    assert response.status_code == 422
    fields = [error["field"] for error in response.get_json()["errors"]]
    assert fields == ["city", "date"]


def test_observation_dates_are_the_weeks():
    assert weather.DATES[0] == "2026-06-01"
    client = rest.create_app().test_client()
    response = client.post("/observations", json={**KAZAN, "date": "2026-06-08"}, headers=KEY)
    assert response.status_code == 422


def test_a_merge_patch_with_an_unknown_member_is_refused_even_as_null():
    client = rest.create_app().test_client()
    response = client.patch("/observations/1", json={"": None, "colour": None}, headers=KEY)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["", "colour"]
