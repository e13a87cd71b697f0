"""Short self-checks at the end of each lesson: a few questions as ipywidgets.

    from selfcheck import quiz

    quiz("01_rest", "en")

Each question is multiple choice or asks for a value to type. *Check* (or Enter
in a text answer) says right or wrong in the lesson's language: a wrong choice
says why that option is wrong, a wrong value gets a hint, and only a right
answer shows the explanation, so no explanation gives away an answer still
open.  The options come in an order of their own for each learner (seeded by
the user name, so the order is stable for that learner and the tests can fix
it), so neither position nor layout tells the answer.  The questions, their
answers and the explanations live in ``questions.<language>.json`` beside this
file, so the lesson's visible source does not give the answers away.

A notebook opened before its cells have run shows a short text in the lesson's
language where the widget will be, never a widget's repr; and the widget says
how to bring it back when the kernel behind it has restarted.
"""

from __future__ import annotations

import getpass
import hashlib
import html
import json
import random
import re
from functools import cache
from importlib import resources

from mock_servers.panels import panel

LANGUAGES = ("ru", "en")
LABELS = {
    "en": {
        "check": "Check",
        "right": "Right.",
        "wrong": "Not quite.",
        "empty": "Choose or type an answer first.",
        "try_again": "Try again.",
        "static": "Self-check: run this cell (Shift+Enter) to answer the questions here.",
        "restart": "Does “Check” do nothing? The kernel has restarted: run this cell again.",
    },
    "ru": {
        "check": "Проверить",
        "right": "Верно.",
        "wrong": "Не совсем.",
        "empty": "Сначала выберите или введите ответ.",
        "try_again": "Попробуйте ещё раз.",
        "static": "Самопроверка: запустите эту ячейку (Shift+Enter), чтобы ответить на вопросы.",
        "restart": "«Проверить» не отвечает? Ядро перезапускалось: запустите эту ячейку снова.",
    },
}


@cache
def questions(language: str) -> dict[str, list[dict]]:
    """Every lesson's questions in one language: {lesson: [question, ...]}."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    text = (
        resources.files(__name__).joinpath(f"questions.{language}.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


def normalise(text: str) -> str:
    """Case, spaces, a decimal comma, surrounding quotes and the kind of minus sign (Russian
    typography writes −32601 with U+2212) do not matter."""
    text = str(text).replace("\u2212", "-").replace("\u2013", "-")
    text = " ".join(text.strip().lower().replace(",", ".").split())
    return text.strip("«»\"'`").strip()


def _forms(text: str) -> set[str]:
    """The forms a typed answer may take and still mean the same thing: with or
    without a scheme, a port and a trailing slash for an address; a status code
    with or without its reason phrase and "HTTP" ("201", "201 Created", "HTTP/1.1 201")."""
    text = normalise(text)
    forms = {text}
    address = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).rstrip("/")
    forms |= {address, re.sub(r":\d+$", "", address)}
    code = re.match(r"^(?:http(?:/[\d.]+)?\s+)?(-?\d+)\b", text)  # "HTTP 201", "HTTP/1.1 201"
    if code:
        forms.add(code.group(1))
    return forms


def check(question: dict, reply) -> tuple[bool, str]:
    """Whether ``reply`` answers ``question``, and the text to show.

    For a choice question ``reply`` is the chosen option's text; for a value
    question, whatever the learner typed.  Right: the explanation.  Wrong: why
    that option is wrong, or the question's hint, never the explanation.
    """
    if question["kind"] == "choice":
        chosen = next((o for o in question["options"] if o["text"] == reply), None)
        right = bool(chosen and chosen["correct"])
        wrong_text = chosen.get("why", "") if chosen else ""
    else:
        accepted = {normalise(a) for a in question["accept"]}
        right = bool(_forms(reply) & accepted)
        wrong_text = question.get("hint", "")
    return right, question["explanation"] if right else wrong_text


def learner_seed() -> str:
    """A seed that differs between learners and stays the same for one learner."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers: one fixed order then
        return "learner"


def shuffled(options: list[dict], key: str) -> list[dict]:
    """The options in an order fixed by ``key`` (random.Random is stable across
    Python versions for the same seed and shuffle)."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    order = list(options)
    random.Random(seed).shuffle(order)
    return order


def quiz(lesson: str, language: str, *, seed: str | None = None):
    """The self-check of one lesson, as a widget to display."""
    import ipywidgets as widgets

    labels = LABELS[language]
    seed = learner_seed() if seed is None else seed
    rows = []
    for number, question in enumerate(questions(language)[lesson], start=1):
        prompt = widgets.HTML(f"<b>{number}.</b> {html.escape(question['text'])}")
        if question["kind"] == "choice":
            order = shuffled(question["options"], f"{seed}/{lesson}/{number}")
            answer = widgets.RadioButtons(
                options=[o["text"] for o in order],
                value=None,
                layout=widgets.Layout(width="auto"),
            )
        else:
            # continuous_update=False: the value changes on Enter (or leaving the box),
            # and that change checks the answer, as the button does.
            answer = widgets.Text(placeholder="…", continuous_update=False)
        button = widgets.Button(description=labels["check"])
        feedback = widgets.HTML()
        checker = _checker(question, answer, feedback, labels)
        button.on_click(checker)
        if question["kind"] == "value":
            answer.observe(lambda _change, checker=checker: checker(None), names="value")
        rows.append(widgets.VBox([prompt, answer, widgets.HBox([button, feedback])]))
    note = widgets.HTML(f"<small style='opacity:0.75'>{html.escape(labels['restart'])}</small>")
    return panel(rows + [note], labels["static"])


def _checker(question, answer, feedback, labels):
    def on_click(_button):
        if answer.value in (None, ""):
            feedback.value = labels["empty"]
            return
        right, text = check(question, answer.value)
        mark, verdict = ("✓", labels["right"]) if right else ("✗", labels["wrong"])
        if not right and not text:
            text = labels["try_again"]
        # The mark and the word carry the verdict, so the colour is never the only sign.
        colour = "var(--jp-success-color1, green)" if right else "var(--jp-error-color1, firebrick)"
        verdict_html = f"<span style='color:{colour}'><b>{mark} {verdict}</b></span>"
        feedback.value = f"{verdict_html} {html.escape(text)}"

    return on_click
