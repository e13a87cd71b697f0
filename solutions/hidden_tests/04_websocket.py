"""Hidden tests of homework 04 (WebSocket), for 04_websocket_en and 04_websocket_ru.

The learner's functions take an open connection, so each check opens one in the learner's kernel
(`_judge_ws`) to a server it can observe through a tap.  What was sent is read from the frames on
the wire; what was left unread is found without a timer: the check sends a request of its own
afterwards, and the server answers in order, so the first message the learner's connection then
reads must be that answer.  Checks that need pushes start a server of their own with a short
push interval, here in the judge process, so that they do not wait on the judge's default.
"""

import contextlib
import json
import time

import websocket
from grading import hidden_helpers
from grading.hidden import LearnerError, check, fail
from grading.hidden_helpers import expect_equal, learner_call

from mock_servers import weather, websocket_server, wire

SERVERS = ("websocket",)


def setup(ctx):
    ctx.learner.run(
        f"_judge_url = {ctx.url('websocket')!r}\n"
        "def connect():\n"
        "    return websocket.create_connection(_judge_url, timeout=5)\n"
    )


# --------------------------------------------------------------------------
# Helpers


@contextlib.contextmanager
def fast_server(ctx):
    """A server of the check's own, pushing every 0.05 s, behind a tap; connect() goes there."""
    server = websocket_server.start(push_interval=0.05)
    tap = wire.tap(server)
    ctx.learner.run(f"_judge_url = {tap.url!r}")
    try:
        yield tap
    finally:
        with contextlib.suppress(LearnerError):
            ctx.learner.run(f"_judge_url = {ctx.url('websocket')!r}")
        tap.stop()
        server.stop()


@contextlib.contextmanager
def learner_connection(ctx):
    """`_judge_ws` in the learner's kernel: a connection from the learner's connect()."""
    ctx.learner.run("_judge_ws = connect()")
    try:
        yield
    finally:
        with contextlib.suppress(LearnerError):
            ctx.learner.run("_judge_ws.close()")


def send(ctx, message):
    ctx.learner.run(f"_judge_ws.send({json.dumps(message)!r})")


def receive(ctx):
    return ctx.learner.eval("json.loads(_judge_ws.recv())")


def follow(ctx, city):
    """Subscribe the learner's connection to ``city`` and read the reply (the judge's own
    request, so the server must answer it first)."""
    send(ctx, {"type": "subscribe", "id": city, "city": city})
    if receive(ctx).get("id") != city:
        raise AssertionError("the judge's own subscription was not answered first")


def learner_eval(ctx, expression):
    """``expression`` in the learner's kernel; an exception fails the check (shown with ws)."""
    shown = expression.replace("_judge_ws", "ws")
    return hidden_helpers.learner_eval(ctx, expression, shown=shown)


def frames(tap, direction=None):
    """(connection, direction, parsed JSON or None) of the text frames since tap.clear()."""
    found = []
    for message in tap.read():
        if message.kind == "WebSocket" and message.summary == "text frame":
            if direction is None or message.direction == direction:
                try:
                    data = json.loads(message.payload)
                except ValueError:
                    data = None
                found.append((message.connection, message.direction, data))
    return found


def sent_messages(tap):
    """The JSON messages the clients sent since tap.clear() (None for text that is not JSON)."""
    return [data for _, _, data in frames(tap, wire.TO_SERVER)]


def next_answer(ctx, skip_updates):
    """The first message the learner's connection reads now (updates passed over if asked)."""
    for _ in range(500):
        message = receive(ctx)
        if not (skip_updates and isinstance(message, dict) and message.get("type") == "update"):
            return message
    return None


def expect_nothing_unread(ctx, skip_updates):
    try:
        send(ctx, {"type": "cities", "id": "judge-probe"})
        message = next_answer(ctx, skip_updates)
    except LearnerError as error:
        fail(
            en="Afterwards the connection could not be used any more: "
            f"{error.type}: {error.message} (was it closed?)",
            ru="После этого соединением уже нельзя было пользоваться: "
            f"{error.type}: {error.message} (оно закрыто?)",
        )
    if not (isinstance(message, dict) and message.get("id") == "judge-probe"):
        fail(
            en="Afterwards the check sent a request of its own; the first message the "
            f"connection read was not its reply but {str(message)[:300]}: something was "
            "left unread",
            ru="После этого проверка отправила свой запрос; первым соединение прочло не ответ "
            f"на него, а {str(message)[:300]}: что-то осталось непрочитанным",
        )


# --------------------------------------------------------------------------
# Task 1: a request and its reply


@check(
    task=1,
    points=1,
    en="The reply with this id, past earlier replies of the same type",
    ru="Ответ с этим id, мимо более ранних ответов того же типа",
)
def reply_by_id(ctx):
    with learner_connection(ctx):
        # Before the call, replies to other requests wait unread, one of them a forecast too:
        # the server answers in order, so they come before the reply to id 42.
        send(ctx, {"type": "subscribe", "id": "london", "city": "london"})
        send(ctx, {"type": "forecast", "id": 41, "city": "sochi", "date": "2026-06-01"})
        send(ctx, {"type": "cities", "id": 40})
        answer = learner_eval(ctx, "get_forecast(_judge_ws, 'kazan', '2026-06-03', 42)")
    expected = weather.forecast("kazan", "2026-06-03")
    if answer != expected:
        fail(
            en="Replies to other requests (one a forecast with id 41) came first; get_forecast "
            f"should return the forecast of the reply with id 42, {expected}, got {answer!r}",
            ru="Сначала пришли ответы на другие запросы (один из них — прогноз с id 41); "
            f"get_forecast должна вернуть прогноз из ответа с id 42, {expected}, "
            f"получено {answer!r}",
        )


@check(task=1, points=1, en="An error reply gives None", ru="Ответ-ошибка даёт None")
def error_reply(ctx):
    with learner_connection(ctx):
        send(ctx, {"type": "forecast", "id": 43, "city": "moscow", "date": "2026-06-02"})
        answer = learner_eval(ctx, "get_forecast(_judge_ws, 'kazan', '2026-06-08', 44)")
    if answer is not None:
        fail(
            en=f"There is no forecast for 8 June, the reply is an error: expected None, "
            f"got {answer!r}",
            ru=f"Прогноза на 8 июня нет, ответ — ошибка: ожидалось None, получено {answer!r}",
        )


@check(
    task=1,
    points=1,
    en="The request as the task gives it, a string id too",
    ru="Запрос в том виде, что дан в задании, и со строковым id",
)
def request_on_the_wire(ctx):
    tap = ctx.tap("websocket")
    tap.clear()
    with learner_connection(ctx):
        answer = learner_eval(ctx, "get_forecast(_judge_ws, 'tokyo', '2026-06-05', 'tokyo-5')")
    sent = sent_messages(tap)
    wanted = {"type": "forecast", "id": "tokyo-5", "city": "tokyo", "date": "2026-06-05"}
    if wanted not in sent:
        fail(
            en=f"Expected the request {wanted} on the wire; the server got {sent}",
            ru=f"Ожидался запрос {wanted}; сервер получил {sent}",
        )
    expected = weather.forecast("tokyo", "2026-06-05")
    if answer != expected:
        fail(
            en=f"For the id 'tokyo-5' expected {expected}, got {answer!r}",
            ru=f"Для id 'tokyo-5' ожидалось {expected}, получено {answer!r}",
        )


# --------------------------------------------------------------------------
# Task 2: pushed readings


def first_updates(city, count):
    updates = weather.updates(city)
    return [next(updates) for _ in range(count)]


@check(task=2, points=1, en="The first readings pushed", ru="Первые присланные показания")
def readings(ctx):
    with fast_server(ctx), learner_connection(ctx):
        answer = learner_eval(ctx, "first_readings(_judge_ws, 'kazan', 5)")
    expected = first_updates("kazan", 5)
    what_en, what_ru = "The first five readings for Kazan", "Первые пять показаний для Казани"
    expect_equal(answer, expected, what_en, what_ru)


@check(
    task=2,
    points=1,
    en="Only this city's updates count",
    ru="Считаются только обновления этого города",
)
def only_this_city(ctx):
    with fast_server(ctx), learner_connection(ctx):
        follow(ctx, "london")
        answer = learner_eval(ctx, "first_readings(_judge_ws, 'tokyo', 4)")
    expected = first_updates("tokyo", 4)
    if answer != expected:
        fail(
            en="The connection follows London too: count only the updates for Tokyo. "
            f"Expected {expected}, got {answer!r}",
            ru="Соединение следит и за Лондоном: считайте только обновления для Токио. "
            f"Ожидалось {expected}, получено {answer!r}",
        )


@check(
    task=2,
    points=1,
    en="Unsubscribed, read up to the reply: nothing left unread",
    ru="Отписка и чтение до ответа на неё: ничего не осталось непрочитанным",
)
def unsubscribed(ctx):
    with fast_server(ctx) as tap, learner_connection(ctx):
        learner_eval(ctx, "first_readings(_judge_ws, 'sochi', 3)")
        sent = sent_messages(tap)
        gone = [m for m in sent if isinstance(m, dict) and m.get("type") == "unsubscribe"]
        if not any(m.get("city") == "sochi" for m in gone):
            fail(
                en=f"Expected an unsubscribe request for 'sochi'; the server got {sent}",
                ru=f"Ожидался запрос unsubscribe для 'sochi'; сервер получил {sent}",
            )
        expect_nothing_unread(ctx, skip_updates=False)


# --------------------------------------------------------------------------
# Task 3: bad messages

FORMAT_CASES = [
    ("hello", "invalid-json"),
    ('{"type": "cities", "id": 2', "invalid-json"),
    (json.dumps([1, 2, 3]), "invalid-message"),
    (json.dumps({"id": 3}), "invalid-message"),
]
REQUEST_CASES = [
    (json.dumps({"type": "weather", "id": 2}), "unknown-type"),
    (json.dumps({"type": "forecast", "id": 3, "city": "moscow"}), "missing-field"),
    (json.dumps({"type": "week", "id": 4, "city": "atlantis"}), "unknown-city"),
    (
        json.dumps({"type": "forecast", "id": 6, "city": "sochi", "date": "2026-06-08"}),
        "no-forecast",
    ),
    (json.dumps({"type": "subscribe", "id": 7, "city": "sochi"}), "already-subscribed"),
]
PROPER_CASES = [
    (json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"}), None),
    (json.dumps({"type": "week", "id": 8, "city": "tokyo"}), None),
    (json.dumps({"type": "cities", "id": 9}), None),
]


def codes_while_pushed(ctx, cases, then=None):
    """error_codes() on a connection that follows Sochi, with updates arriving in between."""
    with fast_server(ctx), learner_connection(ctx):
        follow(ctx, "sochi")
        texts = [text for text, _ in cases]
        answer = learner_eval(ctx, f"error_codes(_judge_ws, {texts!r})")
        expected = [code for _, code in cases]
        if answer != expected:
            fail(
                en=f"For {texts} expected {expected}, got {answer!r}",
                ru=f"Для {texts} ожидалось {expected}, получено {answer!r}",
            )
        if then is not None:
            then(ctx)


@check(
    task=3,
    points=1,
    en="Texts that are not requests: their codes, by order (id null)",
    ru="Тексты, которые не запросы: их коды по порядку (id null)",
)
def format_errors(ctx):
    codes_while_pushed(ctx, FORMAT_CASES)


@check(
    task=3,
    points=1,
    en="Requests the server cannot answer: their codes",
    ru="Запросы, на которые сервер не может ответить: их коды",
)
def request_errors(ctx):
    codes_while_pushed(ctx, REQUEST_CASES)


@check(
    task=3,
    points=1,
    en="Proper replies give None, updates are not answers",
    ru="Обычные ответы дают None, обновления — не ответы",
)
def proper_replies(ctx):
    mixed = [PROPER_CASES[0], FORMAT_CASES[0], PROPER_CASES[1], REQUEST_CASES[2], PROPER_CASES[2]]
    codes_while_pushed(ctx, mixed)


@check(
    task=3,
    points=1,
    en="The connection goes on with nothing unread",
    ru="Соединение работает дальше, ничего не осталось непрочитанным",
)
def connection_goes_on(ctx):
    codes_while_pushed(
        ctx,
        [FORMAT_CASES[0], PROPER_CASES[0], REQUEST_CASES[0]],
        then=lambda ctx: expect_nothing_unread(ctx, skip_updates=True),
    )


# --------------------------------------------------------------------------
# Task 4: two clients and an alert


def alert_run(ctx, city, text):
    """pass_alert(city, text) with another client of the judge's own following the city."""
    tap = ctx.tap("websocket")
    other = websocket.create_connection(ctx.server("websocket").url, timeout=5)
    try:
        other.send(json.dumps({"type": "subscribe", "id": "judge", "city": city}))
        json.loads(other.recv())  # the reply: now another client follows the city
        tap.clear()
        result = learner_call(ctx, "pass_alert", city, text)
    finally:
        other.close()
    if not (isinstance(result, list) and len(result) == 2):
        fail(
            en=f"pass_alert should return a pair (delivered, alert), got {result!r}",
            ru=f"pass_alert должна вернуть пару (delivered, alert), получено {result!r}",
        )
    return result, tap


@check(
    task=4,
    points=1,
    en="delivered: the number from A's reply",
    ru="delivered — число из ответа A",
)
def delivered(ctx):
    (count, _), _ = alert_run(ctx, "kazan", "Storm at 18:00")
    if count != 2:
        fail(
            en="B and another client follow Kazan, so A's reply says 2: expected delivered 2, "
            f"got {count!r}",
            ru="За Казанью следят B и ещё один клиент, ответ A говорит 2: ожидалось "
            f"delivered 2, получено {count!r}",
        )


@check(task=4, points=1, en="The alert B received", ru="Предупреждение, которое получил B")
def alert_received(ctx):
    text = "Hail «in» 20 minutes & more"
    (_, alert), _ = alert_run(ctx, "sochi", text)
    expected = {"type": "alert", "city": "sochi", "text": text}
    got = {key: alert.get(key) for key in expected} if isinstance(alert, dict) else alert
    if got != expected or not str(alert.get("from")).startswith("client-"):
        fail(
            en=f"B should receive the pushed alert {expected} with 'from', got {alert!r}",
            ru=f"B должен получить присланное предупреждение {expected} с 'from', "
            f"получено {alert!r}",
        )


def places(order, direction, kind):
    """Where in ``order`` (frames()) the messages of that direction and type stand."""
    return [
        n
        for n, (_, went, data) in enumerate(order)
        if went == direction and isinstance(data, dict) and data.get("type") == kind
    ]


@check(
    task=4,
    points=1,
    en="B's subscription answered before A sends the alert",
    ru="Подписка B подтверждена до того, как A отправит предупреждение",
)
def subscribed_first(ctx):
    _, tap = alert_run(ctx, "tokyo", "Heat wave")
    order = frames(tap)
    replied = places(order, wire.TO_CLIENT, "subscribe")
    alerted = places(order, wire.TO_SERVER, "alert")
    if not replied or not alerted or replied[0] > alerted[0]:
        fail(
            en="B should wait for the reply to its subscribe before A sends the alert; "
            "on the wire the alert came first",
            ru="B должен дождаться ответа на subscribe, прежде чем A отправит предупреждение; "
            "на линии предупреждение было раньше",
        )


@check(
    task=4,
    points=1,
    en="Both connections closed",
    ru="Оба соединения закрыты",
)
def closed(ctx):
    _, tap = alert_run(ctx, "london", "Fog")
    # websocket-client's close() waits for the server's answer to its close frame, which
    # passes the tap after the client's frame: by now both are recorded.  A short grace
    # period only covers a close() that does not wait.
    deadline = time.monotonic() + 2
    while True:
        messages = tap.read()
        # The connections pass_alert opened: their handshake came after tap.clear().
        opened = {
            m.connection for m in messages if m.kind == "HTTP" and m.direction == wire.TO_SERVER
        }
        closing = {
            m.connection
            for m in messages
            if m.direction == wire.TO_SERVER and m.summary == "close frame"
        }
        if (len(opened) == 2 and opened <= closing) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if len(opened) != 2 or not opened <= closing:
        fail(
            en=f"pass_alert opened {len(opened)} connections and closed {len(opened & closing)} "
            "of them "
            "with a close frame: close both (ws.close()) before returning",
            ru=f"pass_alert открыла соединений: {len(opened)}, закрыла кадром close: "
            f"{len(opened & closing)}; закройте оба (ws.close()) до возврата",
        )
