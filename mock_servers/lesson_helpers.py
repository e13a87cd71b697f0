"""Helpers for lessons 00 and 01: the plumbing a learner need not read.

* :func:`number` - a number written the way the lesson's language writes it
  (a decimal comma in Russian: ``3,1``);
* :func:`forecast_explorer` - lesson 01's panel: pick a city and a day, see the
  ``GET`` request and the answer.  Before its cell runs, the notebook shows a
  sentence in the lesson's language where the panel will be, not a widget repr,
  and the panel says what to do when the kernel behind it has restarted.

The lesson cells make the requests they teach themselves; these helpers only
format what the learner reads.
"""

from __future__ import annotations

import html
import json

import requests

from mock_servers.panels import panel

DECIMAL_SEPARATOR = {"en": ".", "ru": ","}

EXPLORER_TEXT = {
    "en": {
        "city": "City",
        "date": "Date",
        "static": "The request explorer: run this cell (Shift+Enter) to pick a city and a day.",
        "restart": "Does the panel not answer? The kernel has restarted: run the cells above "
        "again (Run → Run All Above), then this one.",
    },
    "ru": {
        "city": "Город",
        "date": "Дата",
        "static": "Обозреватель запросов: запустите эту ячейку (Shift+Enter), чтобы выбрать "
        "город и день.",
        "restart": "Панель не отвечает? Ядро перезапускалось: запустите ячейки выше ещё раз "
        "(Run → Run All Above), а потом эту.",
    },
}


def number(value: float, language: str = "en") -> str:
    """``value`` as the lesson's language writes it: ``number(3.1, "ru") == "3,1"``."""
    return str(value).replace(".", DECIMAL_SEPARATOR[language])


def forecast_explorer(base: str, language: str, dates: list[str]):
    """A panel that sends ``GET /cities/{city}/forecast/{date}?lang=…`` for the chosen
    city and date and shows the request line, the status and the JSON answer."""
    import ipywidgets as widgets

    text = EXPLORER_TEXT[language]
    listing = requests.get(f"{base}/cities", params={"limit": 100}, timeout=5).json()
    cities = [city["id"] for city in listing["items"]]
    city_picker = widgets.Dropdown(options=cities, value=cities[0], description=text["city"])
    date_picker = widgets.Dropdown(options=dates, description=text["date"])
    answer = widgets.HTML()

    def show_forecast(_change=None):
        path = f"/cities/{city_picker.value}/forecast/{date_picker.value}"
        response = requests.get(base + path, params={"lang": language}, timeout=5)
        shown = f"GET {path}?lang={language}\n{response.status_code} {response.reason}\n\n"
        shown += json.dumps(response.json(), indent=2, ensure_ascii=False)
        answer.value = f"<pre>{html.escape(shown)}</pre>"

    city_picker.observe(show_forecast, "value")
    date_picker.observe(show_forecast, "value")
    show_forecast()
    note = widgets.HTML(f"<small style='opacity:0.75'>{html.escape(text['restart'])}</small>")
    return panel([widgets.HBox([city_picker, date_picker]), answer, note], text["static"])
