"""'Tell me when it changes': polling, a stream and push follow the same changes over time.

The weather in a city changes once per ``servers.interval``, ``count`` times,
and three clients follow it from the same moment:

- **REST polling**: a weather station keeps one observation up to date with
  ``PUT`` (through a tap of its own); the client asks for it every
  ``poll_every`` seconds with ``If-None-Match`` (``304`` while nothing changed);
- **gRPC stream**: one ``WatchWeather`` call; the server sends the reading of
  the moment, then one reading per change;
- **WebSocket push**: the client subscribes, the server pushes each change,
  the client unsubscribes.

So every style gets the same stream: the same number of changes, at the
same pace, from the same start, each change a new reading of the city's
sequence (``weather.updates``).  A change "happens" when the server has it,
timed the same way for every style: where the change crosses the wire at the
server's side, by a tap's clock.  For polling, that is when the station's
``PUT`` has passed its tap on the way in (the server cannot apply it earlier);
for the stream and push, when the reading has passed the tap on the way out
(the server made it just before).  Either way a client cannot know of a
change before it happened, so no delay is negative, however the threads are
scheduled.  (The station's own hearing of the answer is no measure: a poll
may bring the change before the ``PUT``'s answer reaches the station.)

SOAP, XML-RPC and JSON-RPC are not in the race: these servers offer no call
whose answer changes, so their clients could only poll an unchanging forecast
and would learn nothing.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import statistics
import threading
import time

import websocket

from mock_servers import rest, weather, wire
from mock_servers.compare.clients import GrpcClient, RestClient
from mock_servers.compare.servers import Servers
from mock_servers.compare.styles import TIMEOUT, CallFailed
from mock_servers.compare.text import TEXT, milliseconds
from mock_servers.grpc import weather_pb2

RACERS = ("rest", "grpc", "websocket")


@dataclasses.dataclass
class Watch:
    """One way of hearing about changes, followed over time; seconds count from the start."""

    style: str
    changed: list[float]  # when change 1, 2, ... happened
    seen: dict[int, float]  # change number -> when the client had it, or a later one
    received: set[int]  # the changes whose own reading reached the client
    traffic: list[tuple[float, int]]  # (when, bytes) for each chunk on the wire, both ways
    messages: list[float]  # when each request, answer or push crossed
    kinds: collections.Counter  # what those messages were (see TEXT[...]["messages"])
    connections: int  # TCP connections used while watching

    @property
    def delays(self) -> list[tuple[float, float]]:
        """(when a change happened, seconds until the client knew it), for each change.

        A poll that brings a later reading tells of the changes before it too:
        from then on, the client is up to date.
        """
        return [
            (self.changed[n - 1], at - self.changed[n - 1])
            for n, at in sorted(self.seen.items())
            if 0 < n <= len(self.changed)
        ]

    @property
    def missed(self) -> int:
        """Changes whose reading the client never got: a later one replaced it first."""
        return len(self.changed) - len(self.received)

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.traffic)

    def cumulative_bytes(self) -> tuple[list[float], list[int]]:
        """Times and running totals of bytes, for a step plot."""
        times, totals, total = [0.0], [0], 0
        for when, size in sorted(self.traffic):
            total += size
            times.append(when)
            totals.append(total)
        return times, totals

    def cumulative_messages(self) -> tuple[list[float], list[int]]:
        times = [0.0, *sorted(self.messages)]
        return times, list(range(len(times)))

    def explain(self, language: str = "en") -> str:
        """Every message counted, by what it was for."""
        return TEXT[language]["messages"][self.style].format(
            total=len(self.messages), **{kind: self.kinds[kind] for kind in _KINDS[self.style]}
        )


_KINDS = {
    "rest": ("requests", "fresh", "unchanged"),
    "grpc": ("changes",),
    "websocket": ("changes",),
}


@dataclasses.dataclass
class Race:
    """The three ways of hearing about changes, run side by side over the same time."""

    watches: dict[str, Watch]
    interval: float
    poll_every: float

    @property
    def rest(self) -> Watch:
        return self.watches["rest"]

    @property
    def grpc(self) -> Watch:
        return self.watches["grpc"]

    @property
    def websocket(self) -> Watch:
        return self.watches["websocket"]

    def summary(self, language: str = "en") -> str:
        """One column per way of hearing, then what each one's messages were."""
        text = TEXT[language]
        columns = []
        for style in RACERS:
            watch = self.watches[style]
            delays = [delay for _, delay in watch.delays]
            columns.append(
                [
                    text["race"][style],
                    len(watch.changed),
                    len(watch.received),
                    watch.missed,
                    milliseconds(statistics.median(delays), language) if delays else "–",
                    milliseconds(max(delays), language) if delays else "–",
                    len(watch.messages),
                    watch.bytes,
                    watch.connections,
                ]
            )
        labels = ["", *text["rows"]]
        width = max(len(label) for label in labels)
        widths = [max(len(str(value)) for value in column) for column in columns]
        lines = []
        for n, label in enumerate(labels):
            cells = [str(column[n]).rjust(w) for column, w in zip(columns, widths)]
            lines.append(f"{label:<{width}}  " + "  ".join(cells))
        lines.append("")
        for style in RACERS:
            lines.append(f"{text['race'][style]}: {self.watches[style].explain(language)}")
        return "\n".join(lines)


def race(
    servers: Servers, seconds: float = 0.5, poll_every: float = 0.25, city: str = "sochi"
) -> Race:
    """Follow ``seconds`` worth of changes, one every ``servers.interval``, three ways at once."""
    interval = servers.interval
    count = max(1, int(seconds / interval + 1e-9))
    readings = list(itertools.islice(weather.updates(city), count + 1))
    taps = {style: wire.tap(servers[style]) for style in RACERS}
    station_tap = wire.tap(servers["rest"])  # times the changes; its bytes are not the poller's
    station = RestClient(station_tap.url)
    station.session.headers["X-API-Key"] = rest.API_KEY
    seen: dict[str, dict[int, float]] = {style: {} for style in RACERS}
    received: dict[str, set[int]] = {style: set() for style in RACERS}
    observation, created = _station_observation(station, city, readings[0])
    poller = RestClient(taps["rest"].url)
    streamer = GrpcClient(taps["grpc"].url)
    listener = websocket.create_connection(taps["websocket"].url, timeout=TIMEOUT)
    for tap in (*taps.values(), station_tap):
        tap.clear()  # the connections' setup is behind us: watch only the watching
    try:
        start = time.monotonic()

        def clock() -> float:
            return time.monotonic() - start

        def push() -> None:
            listener.send(json.dumps({"type": "subscribe", "id": 1, "city": city}))
            while len(received["websocket"]) < count:
                message = json.loads(listener.recv())
                if message["type"] == "update":
                    number = message["reading"]["sequence"]
                    seen["websocket"][number] = clock()
                    received["websocket"].add(number)
            listener.send(json.dumps({"type": "unsubscribe", "id": 2, "city": city}))
            while json.loads(listener.recv())["type"] != "unsubscribe":
                pass

        def stream() -> None:
            request = weather_pb2.WatchWeatherRequest(city=city, count=count + 1)
            for update in streamer.stub.WatchWeather(request):
                number = update.sequence - 1  # the first reading is the weather now
                seen["grpc"][number] = clock()
                if number:
                    received["grpc"].add(number)

        def report() -> None:
            for number in range(1, count + 1):
                time.sleep(max(0.0, number * interval - clock()))
                body = _observation(city, readings[number]["temperature"], number)
                station.session.put(station.url + observation, json=body, timeout=TIMEOUT)

        threads = [threading.Thread(target=job) for job in (push, stream, report)]
        for thread in threads:
            thread.start()
        etag = None
        # The polls keep a quarter interval away from the changes, so that no
        # poll and change arrive together and the counts stay the same each run.
        phase = interval / 4
        # ... and go on until one poll comes after the last change: by the plan, or later
        # when a loaded machine made the last change late (then the poller keeps polling, as
        # a real one would, until it has the last change).
        planned = int((count * interval - phase) / poll_every) + 2
        for poll in itertools.count():
            if poll >= planned and (count in seen["rest"] or clock() >= seconds + TIMEOUT):
                break
            time.sleep(max(0.0, phase + poll * poll_every - clock()))
            headers = {"If-None-Match": etag} if etag else {}
            response = poller.session.get(
                poller.url + observation, headers=headers, timeout=TIMEOUT
            )
            if response.status_code == 200:
                etag = response.headers["ETag"]
                number = int(response.json()["note"].split()[-1])
                now = clock()
                if number:
                    received["rest"].add(number)
                for earlier in range(1, number + 1):
                    seen["rest"].setdefault(earlier, now)
        for thread in threads:
            thread.join(TIMEOUT + seconds)
        # Every client has its last answer, so its bytes have passed the tap; wait until
        # the tap has read them all.
        for tap in (*taps.values(), station_tap):
            tap.wait_quiet()
    finally:
        listener.close()
        streamer.close()
        poller.close()
        if created:
            station.session.delete(station.url + observation, timeout=TIMEOUT)
        station.close()
        for tap in (*taps.values(), station_tap):
            tap.stop()
    pushed = {style: _pushed(style, taps[style], start) for style in ("grpc", "websocket")}
    changed = {"rest": _reported(station_tap, start), **pushed}
    watches = {
        style: _watch(
            style, changed[style][:count], seen[style], received[style], taps[style], start
        )
        for style in RACERS
    }
    return Race(watches, interval, poll_every)


poll_vs_push = race  # the name lesson 05 used first


def _reported(tap: wire.Tap, start: float) -> list[float]:
    """When each of the station's PUTs had passed its tap on the way to the server."""
    puts = [m for m in tap.read() if m.direction == wire.TO_SERVER and m.summary.startswith("PUT ")]
    return [m.seconds + tap.started - start for m in puts]


def _pushed(style: str, tap: wire.Tap, start: float) -> list[float]:
    """When each change's reading passed the tap on its way to the client."""
    answers = [m for m in tap.read() if m.application and m.direction == wire.TO_CLIENT]
    if style == "grpc":
        times = [m.seconds for m in answers][1:]  # the first reading is the weather now
    else:
        times = [m.seconds for m in answers if json.loads(m.payload).get("type") == "update"]
    return [when + tap.started - start for when in times]


def _kind(style: str, message: wire.Message, index: int) -> str:
    if message.direction == wire.TO_SERVER:
        return "requests" if style != "websocket" else "control"
    if style == "rest":
        return "unchanged" if " 304 " in f"{message.summary} " else "fresh"
    if style == "grpc":
        return "now" if index == 0 else "changes"
    return "changes" if json.loads(message.payload).get("type") == "update" else "control"


def _watch(style, changed, seen, received, tap: wire.Tap, start: float) -> Watch:
    offset = tap.started - start
    traffic = [(chunk.seconds + offset, len(chunk.data)) for chunk in tap.chunks]
    application = [m for m in tap.read() if m.application]
    answers = [m for m in application if m.direction == wire.TO_CLIENT]
    kinds = collections.Counter(
        _kind(style, m, answers.index(m) if m in answers else -1) for m in application
    )
    messages = [m.seconds + offset for m in application]
    connections = len({chunk.connection for chunk in tap.chunks})
    return Watch(style, changed, seen, received, traffic, messages, kinds, connections)


def _observation(city: str, temperature: float, number: int) -> dict:
    return {
        "city": city,
        "date": weather.DATES[-1],
        "temperature": temperature,
        "note": f"change {number}",
    }


def _station_observation(station: RestClient, city: str, reading: dict) -> tuple[str, bool]:
    """The path of the station's observation, and whether this call created it."""
    body = _observation(city, reading["temperature"], 0)
    response = station.session.post(station.url + "/observations", json=body, timeout=TIMEOUT)
    if response.status_code == 409:  # left over from an earlier run that was interrupted
        path = response.json()["existing"]
        station.session.put(station.url + path, json=body, timeout=TIMEOUT)
        return path, False
    if response.status_code != 201:
        raise CallFailed(f"{response.status_code}: {response.text}")
    return response.headers["Location"], True
