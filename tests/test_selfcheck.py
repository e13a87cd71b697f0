"""The lessons' self-checks: well-formed, the same in both languages, in every lesson."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfcheck import LANGUAGES, check, questions, quiz

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("[0-9][0-9]_*.ipynb"))
ALL = [
    (language, lesson, n)
    for language in LANGUAGES
    for lesson in questions(language)
    for n in range(len(questions(language)[lesson]))
]


def test_every_lesson_has_three_to_five_questions_in_each_language():
    for language in LANGUAGES:
        for lesson in LESSONS:
            assert 3 <= len(questions(language).get(lesson, [])) <= 5, (language, lesson)


def test_both_languages_ask_the_same_kinds_of_question():
    ru, en = questions("ru"), questions("en")
    assert ru.keys() == en.keys()
    for lesson in en:
        assert [q["kind"] for q in ru[lesson]] == [q["kind"] for q in en[lesson]]
        for q_ru, q_en in zip(ru[lesson], en[lesson]):
            if q_en["kind"] == "choice":
                assert [o["correct"] for o in q_ru["options"]] == [
                    o["correct"] for o in q_en["options"]
                ]
            else:
                assert q_ru["accept"] == q_en["accept"]


@pytest.mark.parametrize("language, lesson, number", ALL)
def test_question_has_exactly_one_right_answer_and_an_explanation(language, lesson, number):
    question = questions(language)[lesson][number]
    assert question["text"].strip() and question["explanation"].strip()
    if question["kind"] == "choice":
        options = question["options"]
        assert len(options) >= 2
        assert sum(o["correct"] for o in options) == 1
        assert len({o["text"] for o in options}) == len(options)
        right = next(o["text"] for o in options if o["correct"])
        assert check(question, right)[0]
        for option in options:
            if not option["correct"]:
                assert option.get("why", "").strip(), f"say why {option['text']!r} is wrong"
                # A wrong choice says why it is wrong, never the explanation that
                # would give the right answer away.
                assert check(question, option["text"]) == (False, option["why"])
    else:
        assert question["kind"] == "value" and question["accept"]
        assert question.get("hint", "").strip(), "a wrong value gets a hint"
        assert check(question, "  " + question["accept"][0].upper() + " ")[0]
        assert check(question, "something else") == (False, question["hint"])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_ends_with_its_self_check(language, lesson):
    notebook = json.loads(
        (ROOT / "notebooks" / language / f"{lesson}.ipynb").read_text(encoding="utf-8")
    )
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(f'quiz("{lesson}", "{language}")' in source for source in code)


def test_quiz_widget_says_right_or_wrong_without_showing_the_answers():
    widget = quiz("01_rest", "en", seed="test")
    first = widget.children[0]
    _prompt, answer, row = first.children
    button, feedback = row.children
    assert "correct" not in repr(widget) and "explanation" not in repr(widget)
    button.click()
    assert "Choose or type" in feedback.value
    answer.value = "PATCH"
    button.click()
    assert "✗" in feedback.value and "only the fields" in feedback.value
    assert "whole new version" not in feedback.value
    answer.value = "PUT"
    button.click()
    assert "✓" in feedback.value and "whole new version" in feedback.value


def test_enter_in_a_text_answer_checks_it():
    widget = quiz("01_rest", "en", seed="test")
    _prompt, answer, row = widget.children[1].children
    _button, feedback = row.children
    answer.value = "201 Created"  # what Enter commits, with continuous_update off
    assert "✓" in feedback.value
    answer.value = "200"
    assert "✗" in feedback.value and "201" not in feedback.value


@pytest.mark.parametrize(
    "reply", ["127.0.0.1", "http://127.0.0.1", "http://127.0.0.1:8000/", "LOCALHOST", "«localhost»"]
)
def test_an_answer_is_accepted_in_every_form_that_means_the_same(reply):
    question = questions("en")["00_what_is_an_api"][3]
    assert check(question, reply)[0]


@pytest.mark.parametrize(
    ("lesson", "number", "reply"),
    [
        ("03_rpc", 2, "\u221232601"),  # the Russian lesson prints −32601 with a real minus sign
        ("03_rpc", 2, "-32601 Method not found"),
        ("01_rest", 1, "HTTP/1.1 201 Created"),
        ("01_rest", 1, "HTTP 201"),
    ],
)
def test_codes_are_accepted_with_any_minus_sign_and_with_http_before_them(lesson, number, reply):
    for language in ("ru", "en"):
        question = questions(language)[lesson][number]
        assert question["kind"] == "value" and check(question, reply)[0], (language, reply)
    assert not check(questions("en")["01_rest"][1], "HTTP 200")[0]


def test_before_it_runs_the_quiz_reads_as_a_sentence_in_the_lessons_language():
    """JupyterLab shows the text/plain form of a widget output whose kernel has not
    run it yet: that must be a sentence, not a widget repr like VBox(children=...)."""
    for language in LANGUAGES:
        bundle = quiz("01_rest", language)._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert "VBox" not in bundle["text/plain"] and "Shift+Enter" in bundle["text/plain"]


def test_options_come_in_each_learners_own_order():
    orders = {
        seed: tuple(quiz("03_rpc", "en", seed=seed).children[0].children[1].options)
        for seed in ("anna", "ben", "chen", "dana", "emil")
    }
    assert len(set(orders.values())) > 1
    again = quiz("03_rpc", "en", seed="anna").children[0].children[1].options
    assert orders["anna"] == tuple(again)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_right_option_is_not_the_one_that_stands_out_by_length(language):
    """A learner who always picks the longest option must not pass."""
    choice = [q for lesson in questions(language).values() for q in lesson if q["kind"] == "choice"]
    longest_is_right = 0
    for question in choice:
        lengths = [len(o["text"]) for o in question["options"]]
        right = next(len(o["text"]) for o in question["options"] if o["correct"])
        longest_is_right += right == max(lengths) and lengths.count(right) == 1
    assert longest_is_right <= len(choice) // 3, (longest_is_right, len(choice))
