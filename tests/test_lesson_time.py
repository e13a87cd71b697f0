"""Each lesson states the time its main path takes, by the method in tools/lesson_time.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("lesson_time", ROOT / "tools" / "lesson_time.py")
lesson_time = importlib.util.module_from_spec(SPEC)
sys.modules["lesson_time"] = lesson_time  # dataclasses look their module up here
SPEC.loader.exec_module(lesson_time)

LESSONS = sorted({p.name for p in lesson_time.lessons()})


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str = "print(1)") -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": []}


def notebook(*cells: dict) -> dict:
    return {"cells": list(cells)}


WORDS_180 = " ".join(["word"] * 180)  # one minute of English reading


def test_reading_running_trying_and_self_check_add_up():
    lesson = notebook(
        markdown("<!--NAVIGATION-->\n[Next](01.ipynb)"),
        markdown("# Title\n\n*≈ 20 minutes*"),
        markdown(WORDS_180),
        code(),
        code(),
        markdown(
            "## Your turn\n\n1. Do this.\n2. Do that.\n\n<details>" + WORDS_180 + "</details>"
        ),
        code(),
        markdown("## Check yourself"),
        code("quiz()"),
    )
    result = lesson_time.estimate(lesson, "en")
    assert result.stated == 20
    assert result.code_cells == 2  # exercise and quiz cells are in their own allowances
    assert result.exercises == 2
    assert result.self_check
    # title (2 words + "20 minutes") + 180 words + "Your turn", "Do this", "Do that" lines
    assert result.words < 200
    assert 1 + 2 + 8 + 5 < result.exact_minutes < 1 + 2 + 8 + 5 + 0.2
    assert result.minutes == 20


def test_under_the_hood_runs_to_the_next_heading_of_the_same_level():
    lesson = notebook(
        markdown("# Title\n\n*≈ 5 minutes*"),
        markdown("## Under the hood: frames\n\n" + WORDS_180),
        code(),
        markdown("### Deeper still\n\n" + WORDS_180),
        code(),
        markdown("## Back on the main path"),
        code(),
    )
    result = lesson_time.estimate(lesson, "en")
    assert result.code_cells == 1
    assert result.words < 20


def test_a_heading_inside_a_code_fence_is_not_a_heading():
    lesson = notebook(
        markdown("# Title\n\n## Под капотом\n\n```\n# комментарий\n## не заголовок\n```"),
        code(),
    )
    assert lesson_time.estimate(lesson, "ru").code_cells == 0


def test_russian_reads_at_150_words_a_minute_and_rounds_up_to_five():
    lesson = notebook(markdown("# Урок\n\n*≈ 5 минут*\n\n" + " ".join(["слово"] * 300)))
    result = lesson_time.estimate(lesson, "ru")
    assert result.stated == 5
    assert 2 < result.exact_minutes < 2.1
    assert result.minutes == 5


def test_a_your_turn_without_numbered_items_is_one_exercise():
    lesson = notebook(markdown("# T"), markdown("## Попробуйте сами\n\nПоменяйте город."), code())
    assert lesson_time.estimate(lesson, "ru").exercises == 1


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_states_a_time_its_main_path_supports(name):
    paths = [lesson_time.NOTEBOOKS / language / name for language in lesson_time.LANGUAGES]
    found = lesson_time.problems([p for p in paths if p.exists()])
    assert not found, "\n".join(found) + "\n\n" + lesson_time.table(paths)
