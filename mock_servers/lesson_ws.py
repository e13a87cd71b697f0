"""Helpers for lesson 04 (WebSocket): the plumbing a learner need not read.

* :func:`handshake` splits the HTTP handshake from the frames after it;
* :func:`read_frames` reads WebSocket frames with the ``websockets`` library's
  own parser (RFC 6455, section 5.2), unmasking the client's;
* :class:`WeatherPanel` is the live panel's widgets, so that the lesson's cell
  shows only the callbacks that drive it;
* :func:`start_later` starts a server from another thread after a pause, for
  the reconnect experiment.
"""

from __future__ import annotations

import concurrent.futures
import html
import threading
import time
from collections.abc import Callable

from websockets.frames import Frame
from websockets.streams import StreamReader

from mock_servers.lesson_helpers import number
from mock_servers.panels import panel

TEXT = {
    "en": {
        "waiting": "Waiting for the first update…",
        "wind": "wind {wind} m/s · update {sequence}",
        "closed": "The connection is closed. Run the panel's cell again to reopen it.",
        "alert": "Alert",
        "static": "The live panel: run this cell to see the weather change as updates arrive.",
    },
    "ru": {
        "waiting": "Ждём первое обновление…",
        "wind": "ветер {wind} м/с · обновление {sequence}",
        "closed": "Соединение закрыто. Чтобы открыть его снова, ещё раз выполните ячейку панели.",
        "alert": "Предупреждение",
        "static": "Живая панель: выполните эту ячейку, чтобы увидеть, как погода меняется "
        "с каждым обновлением.",
    },
}


def handshake(data: bytes) -> tuple[str, dict[str, str], bytes]:
    """The start line and headers at the beginning of ``data``, and the bytes after them."""
    head, _, rest = data.partition(b"\r\n\r\n")
    start_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return start_line, headers, rest


def read_frames(data: bytes, *, sent_by_client: bool) -> list[Frame]:
    """The complete WebSocket frames in ``data``; a client's frames must be masked."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=sent_by_client)
        try:
            while True:
                next(parser)
        except StopIteration as done:
            frames.append(done.value)
        except EOFError:  # an incomplete frame at the end
            break
    return frames


class WeatherPanel:
    """A small weather display: the latest reading and the latest alert.

    Its methods are safe to call from a WebSocket callback's thread: they only
    set widget values, which ipywidgets sends to the browser.
    """

    def __init__(self, title: str, language: str = "en") -> None:
        import ipywidgets as widgets  # only the lessons need it

        self.title = html.escape(title)
        self.text = TEXT[language]
        self.language = language
        self.weather = widgets.HTML(f"<h3>{self.title}</h3>{self.text['waiting']}")
        self.alert = widgets.HTML("")
        self.note = widgets.HTML("")
        self.box = panel([self.weather, self.alert, self.note], self.text["static"])
        self._first_update = threading.Event()

    def show_reading(self, reading: dict, sky: str) -> None:
        temperature = number(reading["temperature"], self.language)
        wind = self.text["wind"].format(
            wind=number(reading["wind_speed_ms"], self.language), sequence=reading["sequence"]
        )
        self.weather.value = (
            f"<h3>{self.title}</h3>"
            f"<p style='font-size: 2em'>{temperature} °C, {html.escape(sky)}</p><p>{wind}</p>"
        )
        self._first_update.set()

    def wait_for_update(self, timeout: float) -> None:
        """Return once the panel shows a reading, or after ``timeout`` seconds."""
        self._first_update.wait(timeout)

    def show_alert(self, text: str) -> None:
        self.alert.value = f"<b>{self.text['alert']}: {html.escape(text)}</b>"

    def show_closed(self) -> None:
        self.note.value = f"<i>{self.text['closed']}</i>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


def start_later(seconds: float, start: Callable, **options) -> concurrent.futures.Future:
    """Call ``start(**options)`` in another thread after ``seconds``; the future gets its result."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        time.sleep(seconds)
        try:
            future.set_result(start(**options))
        except BaseException as error:  # the lesson's cell re-raises it from result()
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future


def celsius(value: float, language: str = "en") -> str:
    """A temperature as the lesson's language writes it: "20.5 °C", "20,5 °C"."""
    return f"{number(value, language)} °C"
