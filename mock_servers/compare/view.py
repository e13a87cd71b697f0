"""Lesson 05's widgets: the side-by-side view of every style's exchange, and a progress bar.

Four panels in two columns (REST, SOAP, the RPC style picked, WebSocket), each
a transcript at the notebook's own font size that wraps instead of scrolling
inside a box, so a whole exchange is readable at JupyterLab's default size.
"""

from __future__ import annotations

import html

from mock_servers.compare.styles import NAMES, QUESTIONS, STYLES
from mock_servers.compare.text import TEXT

WORDS = {
    "en": {
        "question": "Question",
        "summary": "{bytes} bytes, {messages} messages",
        "view": "The side-by-side view of each style's messages appears here when this cell runs.",
        "measuring": "Measuring",
        "bar": "A progress bar appears here when this cell runs and measures every style.",
    },
    "ru": {
        "question": "Вопрос",
        "summary": "{bytes} Б, сообщений: {messages}",
        "view": "Когда ячейка выполнится, здесь появятся сообщения каждого стиля бок о бок.",
        "measuring": "Замеры",
        "bar": "Когда ячейка запустится, здесь появится индикатор хода замеров.",
    },
}
RPC = (("XML-RPC", "xmlrpc"), ("JSON-RPC", "jsonrpc"), ("gRPC", "grpc"))
PRE = "white-space: pre-wrap; overflow-wrap: anywhere; margin: 0"


def panel_html(comparison, style: str, question: str, language: str = "en") -> str:
    """One style's exchange for one question, as HTML: a heading line and the transcript."""
    result = comparison[style, question]
    summary = WORDS[language]["summary"].format(bytes=result.bytes, messages=result.wire.messages)
    transcript = html.escape(comparison.exchange(style, question))
    return f"<b>{NAMES[style]}</b>: {summary}<pre style='{PRE}'>{transcript}</pre>"


def side_by_side(comparison, language: str = "en"):
    """A question picker, an RPC picker and the four panels, which follow both pickers."""
    import ipywidgets as widgets  # only when the view is drawn

    from mock_servers.panels import panel

    question_picker = widgets.Dropdown(
        options=[(TEXT[language][question], question) for question in QUESTIONS],
        description=WORDS[language]["question"],
    )
    rpc_picker = widgets.ToggleButtons(options=RPC, description="RPC")
    panels = [widgets.HTML() for _ in range(4)]

    def show(change=None) -> None:
        styles = ["rest", "soap", rpc_picker.value, "websocket"]
        for box, style in zip(panels, styles):
            box.value = panel_html(comparison, style, question_picker.value, language)

    question_picker.observe(show, "value")
    rpc_picker.observe(show, "value")
    show()
    grid = widgets.GridBox(
        panels, layout=widgets.Layout(grid_template_columns="1fr 1fr", grid_gap="8px 16px")
    )
    return panel([question_picker, rpc_picker, grid], WORDS[language]["view"])


class ProgressBar:
    """A progress bar for :func:`measure_all`: ``display`` it, then pass it as ``progress``."""

    def __init__(self, language: str = "en") -> None:
        import ipywidgets as widgets  # only when the bar is drawn

        from mock_servers.panels import panel

        words = WORDS[language]
        self.bar = widgets.IntProgress(
            max=len(STYLES) * len(QUESTIONS), description=words["measuring"]
        )
        self.view = panel([self.bar], words["bar"])

    def __call__(self, done: int, total: int) -> None:
        self.bar.max, self.bar.value = total, done
        if done == total:
            self.bar.bar_style = "success"

    def _repr_mimebundle_(self, **kwargs):
        return self.view._repr_mimebundle_(**kwargs)


def progress_bar(language: str = "en") -> ProgressBar:
    """A new :class:`ProgressBar` with its label in ``language``."""
    return ProgressBar(language)
