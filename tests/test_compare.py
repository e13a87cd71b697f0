"""The comparison of styles: every client, every question, the measurements and their tables."""

from __future__ import annotations

import itertools
import re
import threading

import pytest
import requests

from mock_servers import compare, runner, weather

INTERVAL = 0.05  # a quick pace for tests
FORECAST = weather.forecast(compare.CITY, compare.DATE)


@pytest.fixture(scope="module")
def servers():
    with compare.start_all(interval=INTERVAL) as servers:
        yield servers


@pytest.fixture(scope="module")
def comparison(servers):
    calls = []
    result = compare.measure_all(servers, repeat=3, progress=lambda *args: calls.append(args))
    result.progress_calls = calls
    return result


def test_start_all_starts_every_style_and_stop_ends_them_all():
    before = threading.active_count()
    servers = compare.start_all()
    assert list(servers) == list(compare.STYLES) and servers.running
    assert len({servers[style].port for style in servers}) == len(compare.STYLES)
    assert servers["websocket"].url.startswith("ws://") and servers["rest"].url.startswith("http")
    assert "gRPC       127.0.0.1:" in repr(servers)
    servers.stop()
    assert not any(servers[style].running for style in servers)
    assert not set(runner.running_servers()) & {servers[style] for style in servers}
    assert threading.active_count() <= before
    servers.stop()  # a second stop does nothing


@pytest.mark.parametrize("style", compare.STYLES)
def test_every_client_answers_every_question_with_the_same_facts(servers, style):
    client = compare.connect(servers, style)
    try:
        assert compare.ask(client, "forecast") == FORECAST
        assert compare.ask(client, "week") == weather.week(compare.CITY)
        changes = compare.ask(client, "changes")
    finally:
        client.close()
    if style in compare.PUSHING:
        assert changes == list(itertools.islice(weather.updates(compare.CITY), compare.CHANGES))
    else:  # polling: the forecast, as often as a push style hears of a change
        assert changes == [FORECAST] * compare.CHANGES


@pytest.mark.parametrize("style", compare.STYLES)
def test_an_error_answer_raises_call_failed(servers, style):
    client = compare.connect(servers, style)
    try:
        with pytest.raises(compare.CallFailed):
            client.forecast("atlantis", compare.DATE)
        assert client.forecast("kazan", "2026-06-02") == weather.forecast("kazan", "2026-06-02")
    finally:
        client.close()


def test_unknown_question_is_refused(servers):
    with pytest.raises(ValueError, match="no such question"):
        compare.ask(None, "tomorrow")


def test_progress_is_reported_after_each_style_and_question(comparison):
    total = len(compare.STYLES) * len(compare.QUESTIONS)
    assert comparison.progress_calls == [(done, total) for done in range(1, total + 1)]


@pytest.mark.parametrize("style", compare.STYLES)
def test_messages_and_round_trips_follow_from_the_style(comparison, style):
    for question in ("forecast", "week"):
        record = comparison[style, question].wire
        assert (record.messages, record.round_trips) == (2, 1), question
        assert len(comparison[style, question].times) == comparison.repeat
    record = comparison[style, "changes"].wire
    expected = {
        "grpc": (1 + compare.CHANGES, 1),  # one request, a stream of answers
        "websocket": (2 + compare.CHANGES + 2, 2),  # subscribe, reply, pushes, unsubscribe, reply
    }.get(style, (2 * compare.CHANGES, compare.CHANGES))  # polling: ask, answer, ask, answer...
    assert (record.messages, record.round_trips) == expected
    assert record.bytes_sent > 0 and record.bytes_received > record.payload_received


def test_the_answers_measured_are_the_right_answers(comparison):
    for style in compare.STYLES:
        assert comparison[style, "forecast"].wire.result == FORECAST
        assert len(comparison[style, "week"].wire.result) == weather.DAYS


def test_rest_polls_with_etags_so_unchanged_answers_have_no_body(comparison):
    once = comparison["rest", "forecast"]
    polled = comparison["rest", "changes"]
    assert polled.payload == once.payload  # only the first look had a body
    assert comparison["soap", "changes"].payload == 3 * comparison["soap", "forecast"].payload
    statuses = [p.summary for p in polled.wire.application if p.summary.startswith("HTTP/")]
    assert statuses == ["HTTP/1.1 200 OK"] + ["HTTP/1.1 304 Not Modified"] * 2


def test_byte_counts_are_the_same_every_run(servers, comparison):
    again = compare.measure_all(servers, repeat=1)
    for style, question in itertools.product(compare.STYLES, compare.QUESTIONS):
        first, second = comparison[style, question].wire, again[style, question].wire
        if style == "grpc":
            # HTTP/2 sends flow-control and ping frames when its library sees
            # fit, so a gRPC call can carry a few frames more (13-17 bytes each).
            assert abs(first.bytes_sent - second.bytes_sent) <= 80
            assert abs(first.bytes_received - second.bytes_received) <= 80
        else:
            assert (first.bytes_sent, first.bytes_received) == (
                second.bytes_sent,
                second.bytes_received,
            ), (style, question)
        assert first.messages == second.messages


def test_setup_costs(comparison):
    assert comparison.setup["rest"].bytes_sent == 0
    assert comparison.setup["soap"].bytes_received > 10_000  # the WSDL
    assert comparison.setup["websocket"].messages == 2  # the upgrade request and its 101
    assert "connection preface" in [part.summary for part in comparison.setup["grpc"].parts]
    assert comparison.setup["grpc"].messages == 0  # only HTTP/2's own frames


def test_the_table_shows_what_was_measured(comparison):
    table = comparison.table()
    blocks = table.split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == [
        compare.TEXT["en"][question] for question in compare.QUESTIONS
    ]
    for block, question in zip(blocks, compare.QUESTIONS):
        for line, style in zip(block.splitlines()[2:], compare.STYLES):
            numbers = [int(n) for n in line.split()[1:6]]
            result = comparison[style, question]
            record = result.wire
            assert line.split()[0] == compare.NAMES[style]
            assert numbers == [
                record.bytes_sent,
                record.bytes_received,
                result.payload,
                record.messages,
                record.round_trips,
            ]
            assert line.endswith(compare.milliseconds(result.median))
            assert re.search(r"  \d+\.\d ms$", line)
    russian = comparison.table("ru")
    assert "сообщи, когда изменится" in russian and re.search(r"  \d+,\d мс$", russian, re.M)


def test_the_setup_table_names_every_style(comparison):
    for language in ("en", "ru"):
        lines = comparison.setup_table(language).splitlines()
        assert lines[0] == compare.TEXT[language]["setup"]
        assert [line.split()[0] for line in lines[2:]] == [compare.NAMES[s] for s in compare.STYLES]


def test_exchange_shows_each_style_in_its_own_form(comparison):
    rest_call = comparison.exchange("rest", "forecast")
    assert rest_call.startswith("→ GET /cities/moscow/forecast/2026-06-01 HTTP/1.1\n")
    assert "\n\n← HTTP/1.1 200 OK\n" in rest_call and '"temp_max": 21' in rest_call
    assert "<ns0:GetForecast" in comparison.exchange("soap", "forecast")
    assert "<methodName>get_forecast</methodName>" in comparison.exchange("xmlrpc", "forecast")
    assert '"method": "get_forecast"' in comparison.exchange("jsonrpc", "forecast")
    grpc_call = comparison.exchange("grpc", "forecast")
    assert "→ [gRPC message, stream" in grpc_call and "\n0a 06 6d 6f 73 63 6f 77" in grpc_call
    assert 'city: "moscow"' in grpc_call and "temp_max: 21" in grpc_call  # decoded
    pushes = comparison.exchange("websocket", "changes")
    assert pushes.startswith("→ [WebSocket text frame, ") and '"type": "subscribe"' in pushes
    assert pushes.count("← [WebSocket text frame, ") == 2 + compare.CHANGES


def test_smallest_first_orders_styles_by_bytes(comparison):
    for question in compare.QUESTIONS:
        order = comparison.smallest_first(question)
        assert sorted(order) == sorted(compare.STYLES)
        sizes = [comparison[style, question].bytes for style in order]
        assert sizes == sorted(sizes)


def test_milliseconds_in_both_languages():
    assert compare.milliseconds(0.01234) == "12.3 ms"
    assert compare.milliseconds(0.01234, "ru") == "12,3 мс"


def test_polling_against_push(servers):
    race = compare.poll_vs_push(servers, seconds=0.5, poll_every=0.2)
    changes = int(0.5 / INTERVAL)
    push, poll = race.websocket, race.rest
    assert len(push.changed) == len(poll.changed) == changes
    # Push: every reading arrives, each as soon as the server sends it.
    assert push.received == set(range(1, changes + 1)) and push.missed == 0
    assert all(0 <= delay < INTERVAL for _, delay in push.delays)
    # Polling: it learns of a change at the next poll, and misses what was replaced.
    assert len(poll.delays) == changes
    assert all(0 <= delay < 0.2 + 0.1 for _, delay in poll.delays)
    assert poll.missed == changes - len(poll.received) > 0
    times, totals = poll.cumulative_bytes()
    assert totals[-1] == poll.bytes and times == sorted(times)
    assert push.cumulative_messages()[1][-1] == len(push.messages) == 2 + changes + 2
    for language in ("en", "ru"):
        assert len(race.summary(language).splitlines()) == 7
    # The station cleaned up after itself.
    left = requests.get(servers["rest"].url + "/observations", params={"city": "sochi"}).json()
    assert not [o for o in left["items"] if o.get("note", "").startswith("reading")]
