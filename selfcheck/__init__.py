"""Short self-checks at the end of each lesson: a few questions as ipywidgets.

    from selfcheck import quiz

    quiz("01_rest", "en")

Each question is multiple choice or asks for a value to type. Pressing *Check*
says right or wrong, and why, in the lesson's language.  The questions, their
answers and the explanations live in ``questions.<language>.json`` beside this
file, so the lesson's visible source does not give the answers away.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources

LANGUAGES = ("ru", "en")
LABELS = {
    "en": {
        "check": "Check",
        "right": "Right.",
        "wrong": "Not quite.",
        "empty": "Choose or type an answer first.",
    },
    "ru": {
        "check": "Проверить",
        "right": "Верно.",
        "wrong": "Не совсем.",
        "empty": "Сначала выберите или введите ответ.",
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
    return " ".join(str(text).strip().lower().replace(",", ".").split())


def check(question: dict, reply) -> tuple[bool, str]:
    """Whether ``reply`` answers ``question``, and the explanation to show.

    For a choice question ``reply`` is the chosen option's text; for a value
    question, whatever the learner typed.
    """
    if question["kind"] == "choice":
        chosen = next((o for o in question["options"] if o["text"] == reply), None)
        right = bool(chosen and chosen["correct"])
        why = chosen.get("why", "") if chosen and not right else ""
    else:
        right = normalise(reply) in {normalise(a) for a in question["accept"]}
        why = ""
    return right, " ".join(part for part in (why, question["explanation"]) if part)


def quiz(lesson: str, language: str):
    """The self-check of one lesson, as a widget to display."""
    import ipywidgets as widgets

    labels = LABELS[language]
    rows = []
    for number, question in enumerate(questions(language)[lesson], start=1):
        prompt = widgets.HTML(f"<b>{number}.</b> {html.escape(question['text'])}")
        if question["kind"] == "choice":
            answer = widgets.RadioButtons(
                options=[o["text"] for o in question["options"]],
                value=None,
                layout=widgets.Layout(width="auto"),
            )
        else:
            answer = widgets.Text(placeholder="…")
        button = widgets.Button(description=labels["check"])
        feedback = widgets.HTML()
        button.on_click(_checker(question, answer, feedback, labels))
        rows.append(widgets.VBox([prompt, answer, widgets.HBox([button, feedback])]))
    return widgets.VBox(rows)


def _checker(question, answer, feedback, labels):
    def on_click(_button):
        if answer.value in (None, ""):
            feedback.value = labels["empty"]
            return
        right, explanation = check(question, answer.value)
        mark, colour = ("✓", "green") if right else ("✗", "firebrick")
        verdict = labels["right"] if right else labels["wrong"]
        verdict_html = f"<span style='color:{colour}'><b>{mark} {verdict}</b></span>"
        feedback.value = f"{verdict_html} {html.escape(explanation)}"

    return on_click
