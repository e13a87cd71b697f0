"""Lesson 05's side-by-side view: what each style sent and received, as a widget.

Four panels in two columns (REST, SOAP, the RPC style picked, WebSocket), each
a transcript at the notebook's own font size that wraps instead of scrolling
inside a box, so a whole exchange is readable at JupyterLab's default size.
"""

from __future__ import annotations

import html

from mock_servers.compare.styles import NAMES, QUESTIONS
from mock_servers.compare.text import TEXT

WORDS = {
    "en": {"question": "Question", "summary": "{bytes} bytes, {messages} messages"},
    "ru": {"question": "Вопрос", "summary": "{bytes} Б, сообщений: {messages}"},
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

    question_picker = widgets.Dropdown(
        options=[(TEXT[language][question], question) for question in QUESTIONS],
        description=WORDS[language]["question"],
    )
    rpc_picker = widgets.ToggleButtons(options=RPC, description="RPC")
    panels = [widgets.HTML() for _ in range(4)]

    def show(change=None) -> None:
        styles = ["rest", "soap", rpc_picker.value, "websocket"]
        for panel, style in zip(panels, styles):
            panel.value = panel_html(comparison, style, question_picker.value, language)

    question_picker.observe(show, "value")
    rpc_picker.observe(show, "value")
    show()
    grid = widgets.GridBox(
        panels, layout=widgets.Layout(grid_template_columns="1fr 1fr", grid_gap="8px 16px")
    )
    return widgets.VBox([question_picker, rpc_picker, grid])
