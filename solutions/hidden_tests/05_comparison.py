"""Hidden tests of homework 05 (comparing the styles), for 05_comparison_en and 05_comparison_ru.

The learner's code works with a ``servers`` object (as ``compare.start_all()`` gives), so setup
hands the learner's kernel one whose every style points at a server the judge started here, with
a short interval so that polling checks take little time.  In front of each server stand a
counting relay (it knows which connections are still open: a client not closed keeps its
connection) and a wire tap (what crossed the wire, to compare the learner's counts with).
Counts are compared with what the tap saw for the same call, so none depends on timing.
"""

import atexit
import contextlib
import math
import socket
import socketserver
import threading
import time
from urllib.parse import urlsplit

from grading.hidden import LearnerError, check, fail
from grading.hidden_helpers import learner_call

from mock_servers import compare, weather, wire

SERVERS = ()  # the checks need a fast interval: they start their own servers (below)
INTERVAL = 0.05
POLLING = ("rest", "soap", "xmlrpc", "jsonrpc")


# --------------------------------------------------------------------------
# The judge's servers for these checks, with a relay that counts open connections


class CountingRelay:
    """A TCP relay on a loopback port that remembers which of its connections are open."""

    def __init__(self, port):
        self.target = ("127.0.0.1", port)
        self.open: set[int] = set()
        self.seen = 0
        self.lock = threading.Lock()
        relay = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with relay.lock:
                    relay.seen += 1
                    number = relay.seen
                    relay.open.add(number)
                try:
                    with socket.create_connection(relay.target) as upstream:
                        back = threading.Thread(
                            target=pump, args=(upstream, self.request), daemon=True
                        )
                        back.start()
                        pump(self.request, upstream)
                        back.join(5)
                finally:
                    with relay.lock:
                        relay.open.discard(number)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def opened_since(self, mark):
        with self.lock:
            return set(range(mark + 1, self.seen + 1)), set(self.open)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def pump(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def port_of(url):
    """The port of a URL, or of a gRPC target such as 127.0.0.1:PORT."""
    return urlsplit(url).port if "://" in url else int(url.rsplit(":", 1)[1])


class Environment:
    def __init__(self):
        self.servers = compare.start_all(interval=INTERVAL)
        self.taps = {style: wire.tap(self.servers[style]) for style in compare.STYLES}
        self.relays = {
            style: CountingRelay(port_of(self.taps[style].url)) for style in compare.STYLES
        }

    def url(self, style):
        """The relay's URL: the server's URL with the relay's port."""
        tap_url = self.taps[style].url
        return tap_url.replace(f":{port_of(tap_url)}", f":{self.relays[style].port}", 1)

    def stop(self):
        for relay in self.relays.values():
            relay.stop()
        for tap in self.taps.values():
            tap.stop()
        self.servers.stop()


ENVIRONMENT = None


def environment():
    global ENVIRONMENT
    if ENVIRONMENT is None:
        ENVIRONMENT = Environment()
        atexit.register(ENVIRONMENT.stop)
    return ENVIRONMENT


def setup(ctx):
    env = environment()
    entries = ", ".join(
        f"{style!r}: _judge_types.SimpleNamespace(style={style!r}, host='127.0.0.1', "
        f"port={env.relays[style].port}, url={env.url(style)!r})"
        for style in compare.STYLES
    )
    ctx.learner.run(
        "import types as _judge_types\n"
        "from mock_servers.compare import Servers as _JudgeServers\n"
        f"servers = _JudgeServers({{{entries}}}, {INTERVAL!r})\n"
    )


# --------------------------------------------------------------------------
# Helpers


@contextlib.contextmanager
def watching(styles):
    """Marks where each relay and tap stood; yields a dict that gets what happened since."""
    env = environment()
    marks = {style: env.relays[style].seen for style in styles}
    for style in styles:
        env.taps[style].clear()
    happened = {}
    yield happened
    for style in styles:
        happened[style] = marks[style]


def still_open(styles, marks):
    """The styles with a connection opened since ``marks`` that is still open, after a grace
    period that only a close() still on its way needs."""
    env = environment()
    deadline = time.monotonic() + 3
    while True:
        left = []
        for style in styles:
            opened, open_now = env.relays[style].opened_since(marks[style])
            if opened & open_now:
                left.append(style)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def expect_closed(styles, marks):
    left = still_open(styles, marks)
    if left:
        fail(
            en=f"These styles' clients were not closed (their connections stayed open): {left}",
            ru=f"Клиенты этих стилей не закрыты (их соединения остались открытыми): {left}",
        )


def reference_bytes(style, city, date):
    """Bytes received for one forecast question, the client made outside the measurement."""
    env = environment()
    with wire.tap(env.servers[style]) as tap:
        client = compare.connect(env.servers, style, tap.url)
        try:
            return wire.measure(tap, lambda url: client.forecast(city, date)).bytes_received
        finally:
            client.close()


# --------------------------------------------------------------------------
# Task 1: one question, six styles


@check(task=1, points=1, en="Every style's forecast", ru="Прогноз каждого стиля")
def every_forecast(ctx):
    answer = learner_call(ctx, "forecast_everywhere", "tokyo", "2026-06-05")
    expected = weather.forecast("tokyo", "2026-06-05")
    if not isinstance(answer, dict) or sorted(answer) != sorted(compare.STYLES):
        fail(
            en=f"Expected a dict with a key for every style, got {answer!r}",
            ru=f"Ожидался dict с ключом для каждого стиля, получено {answer!r}",
        )
    wrong = [style for style in compare.STYLES if answer[style] != expected]
    if wrong:
        fail(
            en=f"Tokyo on 5 June is {expected}; these styles gave something else: {wrong}",
            ru=f"Токио, 5 июня: {expected}; эти стили дали другое: {wrong}",
        )


@check(
    task=1,
    points=1,
    en="Each answer from that style's own server",
    ru="Каждый ответ — от сервера своего стиля",
)
def asked_every_server(ctx):
    env = environment()
    with watching(compare.STYLES):
        learner_call(ctx, "forecast_everywhere", "kazan", "2026-06-02")
    silent = [style for style in compare.STYLES if not env.taps[style].chunks]
    if silent:
        fail(
            en=f"These styles' servers were not asked: {silent}",
            ru=f"Серверы этих стилей не получили вопросов: {silent}",
        )


@check(task=1, points=1, en="Every client closed", ru="Каждый клиент закрыт")
def clients_closed(ctx):
    with watching(compare.STYLES) as marks:
        learner_call(ctx, "forecast_everywhere", "sochi", "2026-06-03")
    expect_closed(compare.STYLES, marks)


# --------------------------------------------------------------------------
# Task 2: the bytes of one answer


def expect_bytes(ctx, styles, city, date):
    for style in styles:
        expected = reference_bytes(style, city, date)
        answer = learner_call(ctx, "forecast_bytes", style, city, date)
        if answer != expected:
            fail(
                en=f"{style}, {city} on {date}: expected {expected} bytes received, "
                f"got {answer!r} (more: the client's setup or the bytes sent were counted too)",
                ru=f"{style}, {city}, {date}: ожидалось {expected} полученных байт, получено "
                f"{answer!r} (больше — значит, посчитана подготовка клиента или отправленное)",
            )


@check(
    task=2,
    points=1,
    en="Bytes received for one answer: REST, XML-RPC, JSON-RPC",
    ru="Байты одного ответа: REST, XML-RPC, JSON-RPC",
)
def plain_bytes(ctx):
    expect_bytes(ctx, ("rest", "xmlrpc", "jsonrpc"), "saint-petersburg", "2026-06-04")


@check(
    task=2,
    points=1,
    en="Without the client's setup: SOAP's WSDL, WebSocket's handshake",
    ru="Без подготовки клиента: WSDL у SOAP, рукопожатие у WebSocket",
)
def setup_left_out(ctx):
    expect_bytes(ctx, ("soap", "websocket"), "saint-petersburg", "2026-06-04")


@check(task=2, points=1, en="The client closed", ru="Клиент закрыт")
def bytes_client_closed(ctx):
    styles = ("rest", "soap", "websocket")
    with watching(styles) as marks:
        for style in styles:
            learner_call(ctx, "forecast_bytes", style, "london", "2026-06-06")
    expect_closed(styles, marks)


# --------------------------------------------------------------------------
# Task 3: polling against push, counted


COUNT = 4
MEASURED = {}  # one change_cost call serves the three count checks: {id(learner): (answer, frames)}


def measured_costs(ctx):
    """change_cost(city, COUNT), called once, and the WebSocket frames that call put on the wire.

    Each check judges its own part of the answer; a failing call fails each of them.
    """
    key = id(ctx.learner)
    if key not in MEASURED:
        env = environment()
        with watching(("websocket",)):
            try:
                answer = ctx.learner.call("change_cost", "sochi", COUNT)
            except LearnerError as error:
                answer = error
        frames = [
            m.direction
            for m in env.taps["websocket"].read()
            if m.kind == "WebSocket" and m.application
        ]
        MEASURED[key] = (answer, frames)
    answer, frames = MEASURED[key]
    if isinstance(answer, LearnerError):
        fail(
            en=f"change_cost('sochi', {COUNT}) raised {answer.type}: {answer.message}",
            ru=f"change_cost('sochi', {COUNT}) выбросила {answer.type}: {answer.message}",
        )
    if not isinstance(answer, dict) or sorted(answer) != sorted(compare.STYLES):
        fail(
            en=f"change_cost should return a dict with a key for every style, got {answer!r}",
            ru=f"change_cost должна вернуть dict с ключом для каждого стиля, получено {answer!r}",
        )
    return answer, frames


@check(
    task=3,
    points=1,
    en="Polling: a request and an answer per look",
    ru="Опрос: запрос и ответ на каждый взгляд",
)
def polling_cost(ctx):
    answer, _ = measured_costs(ctx)
    polling = {style: answer[style] for style in POLLING}
    wrong = {style: value for style, value in polling.items() if value != [2 * COUNT, COUNT]}
    if wrong:
        fail(
            en=f"Polling {COUNT} times: {2 * COUNT} messages, {COUNT} round trips in every "
            f"polling style, the client's setup not counted; got {polling}",
            ru=f"Опрос {COUNT} раз: {2 * COUNT} сообщений и {COUNT} обменов в каждом стиле "
            f"с опросом, без подготовки клиента; получено {polling}",
        )


@check(
    task=3,
    points=1,
    en="gRPC: one request, a message per change",
    ru="gRPC: один запрос, по сообщению на изменение",
)
def stream_cost(ctx):
    answer, _ = measured_costs(ctx)
    if answer["grpc"] != [COUNT + 1, 1]:
        fail(
            en=f"A gRPC stream of {COUNT} changes is one request and {COUNT} messages, one "
            f"round trip: expected {(COUNT + 1, 1)}, got {answer['grpc']!r}",
            ru=f"Поток gRPC из {COUNT} изменений — один запрос и {COUNT} сообщений, один обмен: "
            f"ожидалось {(COUNT + 1, 1)}, получено {answer['grpc']!r}",
        )


def round_trips(directions):
    return sum(
        1
        for before, after in zip(directions, directions[1:])
        if before == wire.TO_SERVER and after == wire.TO_CLIENT
    )


@check(
    task=3,
    points=1,
    en="WebSocket: the messages that crossed the wire, without the handshake",
    ru="WebSocket: сообщения, прошедшие по линии, без рукопожатия",
)
def push_cost(ctx):
    answer, frames = measured_costs(ctx)
    # Every text frame of the WebSocket connection belongs to the changes() call: the client
    # sends nothing else, and the server pushes nothing after the reply to unsubscribe.
    expected = [len(frames), round_trips(frames)]
    if answer["websocket"] != expected:
        fail(
            en=f"On the wire the WebSocket call took {expected[0]} messages and {expected[1]} "
            f"round trips (subscribe, its reply, {COUNT} pushes, the updates already on their "
            f"way, unsubscribe, its reply); got {answer['websocket']!r}. A handshake, if "
            "counted, adds 2 messages and a round trip",
            ru=f"На линии вызов WebSocket занял {expected[0]} сообщений и {expected[1]} обмена "
            f"(subscribe, ответ, {COUNT} рассылок, уже отправленные обновления, unsubscribe, "
            f"ответ); получено {answer['websocket']!r}. Рукопожатие, если его посчитать, "
            "добавляет 2 сообщения и обмен",
        )


@check(task=3, points=1, en="Every client closed", ru="Каждый клиент закрыт")
def cost_clients_closed(ctx):
    with watching(compare.STYLES) as marks:
        learner_call(ctx, "change_cost", "london", 2)
    expect_closed(compare.STYLES, marks)


# --------------------------------------------------------------------------
# Task 4: the break-even point
#
# break_even(cost_few, cost_many, few, many) takes two results of change_cost, so the checks
# hand it measurements of their own making: no server, no timing.


def model(cost_few, cost_many, few, many, style):
    """(fixed, per change) of a style's messages, from two measurements."""
    per_change = (cost_many[style][0] - cost_few[style][0]) / (many - few)
    return cost_few[style][0] - per_change * few, per_change


def expected_break_even(cost_few, cost_many, few, many):
    poll_fixed, poll_per = model(cost_few, cost_many, few, many, "rest")
    push_fixed, push_per = model(cost_few, cost_many, few, many, "websocket")
    if push_per > poll_per:
        return None
    if push_per == poll_per:
        return 0 if push_fixed < poll_fixed else None
    changes = (push_fixed - poll_fixed) / (poll_per - push_per)  # where the lines cross
    return max(0, math.floor(changes) + 1)  # the first whole number strictly past it


def measured(pairs):
    """A change_cost result with these styles' costs, and [0, 0] for the others."""
    styles = dict.fromkeys(compare.STYLES, [0, 0])
    styles.update(pairs)
    return styles


def expect_break_even(ctx, few, costs_few, many, costs_many, expected):
    """break_even of two measurements (REST's and WebSocket's costs, the others' left [0, 0])
    gives ``expected``."""
    cost_few, cost_many = measured(costs_few), measured(costs_many)
    answer = learner_call(ctx, "break_even", cost_few, cost_many, few, many)
    if answer != expected:
        shown = {k: (cost_few[k], cost_many[k]) for k in ("rest", "websocket")}
        fail(
            en=f"Measured for {few} and {many} changes {shown}: expected {expected!r}, "
            f"got {answer!r}",
            ru=f"Измерено для {few} и {many} изменений {shown}: ожидалось {expected!r}, "
            f"получено {answer!r}",
        )


@check(
    task=4,
    points=1,
    en="The break-even point of this course's servers",
    ru="Точка безубыточности серверов курса",
)
def break_even_measured(ctx):
    few = {"rest": [6, 3], "websocket": [7, 2]}
    many = {"rest": [20, 10], "websocket": [14, 2]}
    expected = expected_break_even(measured(few), measured(many), 3, 10)
    expect_break_even(ctx, 3, few, 10, many, expected)


@check(
    task=4,
    points=1,
    en="Other costs; where the lines cross, push is not yet cheaper",
    ru="Другие затраты; там, где прямые пересекаются, push ещё не дешевле",
)
def break_even_other(ctx):
    # Polling 3 messages a look, push 10 + 1 a change: equal at 5 changes, cheaper from 6.
    few = {"rest": [6, 2], "websocket": [12, 2]}
    many = {"rest": [24, 8], "websocket": [18, 2]}
    expect_break_even(ctx, 2, few, 8, many, 6)


@check(
    task=4,
    points=1,
    en="None when push never costs fewer messages",
    ru="None, если push никогда не дешевле",
)
def break_even_never(ctx):
    few = {"rest": [4, 2], "websocket": [10, 2]}
    many = {"rest": [12, 6], "websocket": [22, 2]}
    expect_break_even(ctx, 2, few, 6, many, None)
