"""The comparison of styles: every client, every question, the measurements and their tables."""

from __future__ import annotations

import importlib
import itertools
import re
import threading
import time

import pytest
import requests
from waiting import wait_until  # tests/waiting.py

from mock_servers import compare, runner, weather, wire

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
    # grpcio's own threads (its event loop, the cancelling after grace) end just after
    # its stop() has returned.
    wait_until(lambda: threading.active_count() <= before, what="every thread to end")
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
    for question in compare.QUESTIONS:
        record = comparison[style, question].wire
        assert (record.messages, record.round_trips) == (2, 1), question
        assert len(comparison[style, question].times) == comparison.repeat
        assert record.bytes_sent > 0 and record.bytes_received > record.payload_received


def test_the_default_repeat_gives_a_median_of_many_calls():
    assert compare.REPEAT >= 30 and compare.REPEAT % 2 == 1  # odd: the median is one call


@pytest.mark.parametrize("style", compare.STYLES)
def test_connections_opened_are_counted(comparison, style):
    """A client keeps its connection; a server that closes it makes each call open one."""
    for question in compare.QUESTIONS:
        result = comparison[style, question]
        closes = result.wire.response_headers.get("Connection", "").lower() == "close"
        if style in ("grpc", "websocket", "xmlrpc"):
            assert result.opened == 0, question
        else:
            assert result.opened == (1 if closes else 0), question
        assert result.projected(0.05) == pytest.approx(
            result.median + 0.05 * (result.wire.round_trips + result.opened)
        )


def test_formatting_counts_only_layout(comparison):
    for question in compare.QUESTIONS:
        assert comparison["grpc", question].formatting == 0  # binary
        assert comparison["websocket", question].formatting == 0  # json.dumps's own output
        for style in compare.STYLES:
            result = comparison[style, question]
            assert 0 <= result.formatting < result.payload


def test_the_answers_measured_are_the_right_answers(comparison):
    for style in compare.STYLES:
        assert comparison[style, "forecast"].wire.result == FORECAST
        assert len(comparison[style, "week"].wire.result) == weather.DAYS


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
    assert comparison.setup["grpc"].connections == comparison.setup["websocket"].connections == 1


def test_the_table_shows_what_was_measured(comparison):
    table = comparison.table()
    blocks = table.split("\n\n")
    assert [block.splitlines()[0] for block in blocks[:-1]] == [
        compare.TEXT["en"][question] for question in compare.QUESTIONS
    ]
    for block, question in zip(blocks, compare.QUESTIONS):
        for line, style in zip(block.splitlines()[2:], compare.STYLES):
            numbers = [int(n) for n in line.split()[1:7]]
            result = comparison[style, question]
            record = result.wire
            assert line.split()[0] == compare.NAMES[style]
            assert numbers == [
                record.bytes_sent,
                record.bytes_received,
                result.payload,
                record.messages,
                record.round_trips,
                result.opened,
            ]
            assert line.endswith(
                f"{compare.milliseconds(result.median)}  {compare.milliseconds(result.projected())}"
            )
            assert re.search(r"  \d+\.\d ms  \d+\.\d ms$", line)
    legend = blocks[-1].splitlines()
    assert len(legend) == len(compare.TEXT["en"]["legend"])
    assert f"of {comparison.repeat} timed calls" in blocks[-1]
    russian = comparison.table("ru")
    assert "прогноз на неделю" in russian and re.search(r"  \d+,\d мс  \d+,\d мс$", russian, re.M)
    assert "при 50 мс/обмен" in russian


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
    pushed = comparison.exchange("websocket", "week")
    assert pushed.startswith("→ [WebSocket text frame, ") and '"type": "week"' in pushed
    assert pushed.count("← [WebSocket text frame, ") == 1


def test_smallest_first_orders_styles_by_bytes(comparison):
    for question in compare.QUESTIONS:
        order = comparison.smallest_first(question)
        assert sorted(order) == sorted(compare.STYLES)
        sizes = [comparison[style, question].bytes for style in order]
        assert sizes == sorted(sizes)
        compact = comparison.smallest_first(question, layout=False)
        sizes = [
            comparison[s, question].bytes - comparison[s, question].formatting for s in compact
        ]
        assert sizes == sorted(sizes) and sorted(compact) == sorted(compare.STYLES)


def test_the_poller_keeps_polling_until_it_has_a_late_last_change(servers, monkeypatch):
    """On a loaded machine the last change can come after the polls planned for it; the poller
    then polls on (as a real client would) instead of never learning of it."""
    race_module = importlib.import_module("mock_servers.compare.race")  # not the function
    observation = race_module._observation

    def late_last(city, temperature, number):
        if number == 5:
            time.sleep(0.5)  # the last change, 0.5 s late: after every planned poll
        return observation(city, temperature, number)

    monkeypatch.setattr(race_module, "_observation", late_last)
    race = compare.race(servers, seconds=5 * INTERVAL, poll_every=0.1)
    assert len(race.rest.changed) == 5
    assert len(race.rest.delays) == 5 and race.rest.delays[-1][1] < 0.5


def test_milliseconds_in_both_languages():
    assert compare.milliseconds(0.01234) == "12.3 ms"
    assert compare.milliseconds(0.01234, "ru") == "12,3 мс"


def test_the_race_gives_every_style_the_same_changes(servers):
    race = compare.race(servers, seconds=0.5, poll_every=0.2)
    changes = int(0.5 / INTERVAL)
    rest, grpc, push = race.rest, race.grpc, race.websocket
    # Timing bounds are loose on purpose (two loaded cores): they catch a change
    # counted at the wrong number, not a slow machine.
    slack = 1.0
    for watch in (rest, grpc, push):
        assert len(watch.changed) == changes, watch.style
        assert watch.changed == sorted(watch.changed), watch.style
        # The changes come at the same pace for everyone, from the same start.
        for n, when in enumerate(watch.changed, start=1):
            assert abs(when - n * INTERVAL) < slack, (watch.style, n)
        assert len(watch.delays) == changes, watch.style  # everyone learns of every change
        assert all(0 <= delay < slack + 0.2 for _, delay in watch.delays), watch.style
        times, totals = watch.cumulative_bytes()
        assert totals[-1] == watch.bytes and times == sorted(times)
        assert watch.cumulative_messages()[1][-1] == len(watch.messages)
    # Push and the stream: every reading arrives.
    for watch in (grpc, push):
        assert watch.received == set(range(1, changes + 1)) and watch.missed == 0
        assert watch.connections == 1
    # Polling: four looks, so it misses what was replaced between them.
    assert rest.missed == changes - len(rest.received) > 0
    # Every message is accounted for.
    assert push.kinds["control"] == 4
    assert push.kinds["changes"] >= changes  # one more if an update was on its way
    assert len(push.messages) == 4 + push.kinds["changes"]
    assert len(grpc.messages) == 1 + 1 + changes
    polls = rest.kinds["requests"]
    assert rest.kinds["fresh"] + rest.kinds["unchanged"] == polls == len(rest.messages) // 2
    for language in ("en", "ru"):
        summary = race.summary(language)
        assert len(summary.splitlines()) == 9 + 1 + 3
        for watch in (rest, grpc, push):
            assert watch.explain(language).startswith(f"{len(watch.messages)} = ")
    assert f"+ {push.kinds['changes']} updates +" in push.explain()
    # The station cleaned up after itself.
    left = requests.get(
        servers["rest"].url + "/observations", params={"city": "sochi"}, timeout=5
    ).json()
    assert not [o for o in left["items"] if o.get("note", "").startswith("change")]


def test_a_change_counts_from_when_it_reached_the_server(servers, monkeypatch):
    # The station hears each PUT's answer late, as a loaded machine may make it: polls
    # bring the changes before then.  A change counts from when it reached the server,
    # so no delay is negative.
    put = requests.Session.put

    def answered_late(self, *args, **kwargs):
        response = put(self, *args, **kwargs)
        time.sleep(2 * INTERVAL)
        return response

    monkeypatch.setattr(requests.Session, "put", answered_late)
    race = compare.race(servers, seconds=4 * INTERVAL, poll_every=INTERVAL / 4)
    rest = race.rest
    assert len(rest.changed) == 4 and rest.changed == sorted(rest.changed)
    assert rest.delays and all(0 <= delay for _, delay in rest.delays), rest.delays
    # The station sends change n no sooner than n intervals from the start.
    assert all(when >= n * INTERVAL for n, when in enumerate(rest.changed, start=1))


def test_poll_vs_push_is_the_race():
    assert compare.poll_vs_push is compare.race


def test_charts_draw_every_style(comparison, servers):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    race = compare.race(servers, seconds=0.2, poll_every=0.1)
    for language in ("en", "ru"):
        for figure in (
            compare.charts.bytes_chart(comparison, language),
            compare.charts.time_chart(comparison, language),
            compare.charts.race_chart(race, language),
        ):
            assert figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # readable in a dark theme
            assert figure.legends and not any(ax.get_legend() for ax in figure.axes)
            plt.close(figure)


def test_side_by_side_shows_four_styles_and_follows_the_pickers(comparison):
    view = compare.side_by_side(comparison, "ru")
    assert view._repr_mimebundle_()["text/plain"].startswith("Когда ячейка выполнится")
    question_picker, rpc_picker, grid = view.children
    panels = grid.children
    assert [panel.value.split("</b>")[0] for panel in panels] == [
        "<b>REST", "<b>SOAP", "<b>XML-RPC", "<b>WebSocket"
    ]  # fmt: skip
    assert "max-height" not in panels[1].value and "font-size" not in panels[1].value
    assert (
        "сообщений: 2" in panels[0].value
        and "GET /cities/moscow/forecast/2026-06-01" in panels[0].value
    )
    rpc_picker.value = "grpc"
    question_picker.value = "week"
    assert panels[2].value.startswith("<b>gRPC</b>")
    assert "city: &quot;moscow&quot;" in panels[2].value  # decoded by weather.proto
    assert "GET /cities/moscow/forecast HTTP/1.1" in panels[0].value


def test_the_progress_bar_follows_measure_all():
    bar = compare.progress_bar("en")
    assert "progress bar" in bar._repr_mimebundle_()["text/plain"]
    bar(3, 12)
    assert (bar.bar.value, bar.bar.max, bar.bar.bar_style) == (3, 12, "")
    bar(12, 12)
    assert bar.bar.bar_style == "success"


@pytest.mark.parametrize("style", compare.HTTP1_STYLES)
def test_drop_connection_makes_the_next_call_open_a_new_one(servers, style):
    with wire.tap(servers[style]) as tap:
        client = compare.connect(servers, style, tap.url)
        try:
            client.forecast(compare.CITY, compare.DATE)
            client.forecast(compare.CITY, compare.DATE)
            kept = tap.connections
            compare.drop_connection(client)
            client.forecast(compare.CITY, compare.DATE)
        finally:
            client.close()
        assert tap.connections == kept + 1


def test_drop_connection_refuses_clients_that_are_not_http1(servers):
    client = compare.connect(servers, "websocket")
    try:
        with pytest.raises(TypeError):
            compare.drop_connection(client)
    finally:
        client.close()


def test_connection_cost_times_both_kinds_of_call(servers):
    kept, new = compare.connection_cost(servers, "rest", repeat=3)
    assert 0 < kept and 0 < new  # which is faster is for benchmarks/, not a test
