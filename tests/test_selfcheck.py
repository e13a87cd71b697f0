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
                assert check(question, option["text"]) == (
                    False,
                    option["why"] + " " + question["explanation"],
                )
    else:
        assert question["kind"] == "value" and question["accept"]
        assert check(question, "  " + question["accept"][0].upper() + " ")[0]
        assert not check(question, "something else")[0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_ends_with_its_self_check(language, lesson):
    notebook = json.loads(
        (ROOT / "notebooks" / language / f"{lesson}.ipynb").read_text(encoding="utf-8")
    )
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(f'quiz("{lesson}", "{language}")' in source for source in code)


def test_quiz_widget_says_right_or_wrong_without_showing_the_answers():
    widget = quiz("01_rest", "en")
    first = widget.children[0]
    _prompt, answer, row = first.children
    button, feedback = row.children
    assert "correct" not in repr(widget) and "explanation" not in repr(widget)
    button.click()
    assert "Choose or type" in feedback.value
    answer.value = "PATCH"
    button.click()
    assert "✗" in feedback.value and "only the fields" in feedback.value
    answer.value = "PUT"
    button.click()
    assert "✓" in feedback.value
