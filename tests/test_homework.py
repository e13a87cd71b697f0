"""The homework measures what it claims: each task's points, its checks, its wrong answers.

tests/test_grading.py grades the honest example submissions (solved, partial, unsolved) and the
broken ones.  Here: the task texts state the points their checks give, every written task has a
rubric in both languages, and the two learners of plausibly wrong answers
(tests/fixtures/wrong_answers.py) get exactly the points stated for each task, never a task's
full points.  They are graded through tools/grade.py in the run shared with
tests/test_grading.py (tests/grading_runs.py); their code is the same in both languages
(checked here), so the English notebooks are graded and the Russian ones are compared with
them.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

pytest.register_assert_rewrite("grading_runs")  # a plugin too: pytest_plugins below
import grading_runs  # noqa: E402 - tests/grading_runs.py: the runs shared with test_grading.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import wrong_answers  # noqa: E402 - tests/fixtures on the path above
from grading import assignments as assignments_module  # noqa: E402 - tools/ on the path above
from grading import hidden  # noqa: E402

SUBMISSIONS = ROOT / "tests" / "fixtures" / "submissions"
HIDDEN = ROOT / "solutions" / "hidden_tests"
NAMES = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
LESSONS = sorted({name.rsplit("_", 1)[0] for name in NAMES})
pytestmark = pytest.mark.timeout(600)  # wrong_graded waits for a grading run
pytest_plugins = ["grading_runs"]  # its hooks start the shared runs early, their readers go last
HEADING_POINTS = re.compile(r"\((\d+) (?:points?|балл\w*)")


def lesson(name: str) -> str:
    return name.rsplit("_", 1)[0]


@functools.cache
def task_points(name: str) -> dict[int, float]:
    """{task: automatic points} from the hidden-test module."""
    points: dict[int, float] = {}
    for item in hidden.outline(HIDDEN / f"{lesson(name)}.py"):
        points[item["task"]] = points.get(item["task"], 0) + item["points"]
    return points


# --------------------------------------------------------------------------
# What the texts promise


@pytest.mark.parametrize("name", NAMES)
def test_each_task_heading_states_the_points_its_checks_or_the_teacher_give(name):
    assignment = assignments_module.load(name, ROOT)
    automatic = task_points(name)
    for number, task in assignment.tasks.items():
        heading = task.prompt.splitlines()[0]
        stated = HEADING_POINTS.search(heading)
        assert stated, f"{name} task {number}: no points in {heading!r}"
        given = automatic.get(number, 0) + task.manual
        assert float(stated.group(1)) == given, f"{name}: {heading!r}, checks give {given}"


@pytest.mark.parametrize("name", NAMES)
def test_the_introduction_states_the_total_points(name):
    assignment = assignments_module.load(name, ROOT)
    intro = assignment.cells[0].source
    automatic = sum(task_points(name).values())
    manual = assignment.manual_max
    numbers = re.search(r"\*(?:Points|Баллы): (\d+) [^,]+, (\d+)", intro)
    assert numbers, f"{name}: no points line in the introduction"
    assert (float(numbers.group(1)), float(numbers.group(2))) == (automatic, manual)


@pytest.mark.parametrize("lesson_name", LESSONS)
def test_every_check_is_about_one_point_with_titles_in_both_languages(lesson_name):
    for item in hidden.outline(HIDDEN / f"{lesson_name}.py"):
        assert 0.5 <= item["points"] <= 1.5, item
        assert item["titles"]["en"] and item["titles"]["ru"], item


@pytest.mark.parametrize("name", NAMES)
def test_the_written_task_has_a_rubric_with_examples_and_rules(name):
    rubric = assignments_module.rubric(name, ROOT)
    assert rubric, f"solutions/rubrics/{lesson(name)}.{name.rsplit('_', 1)[1]}.md is missing"
    manual = assignments_module.load(name, ROOT).manual_max
    assert f"({int(manual)} " in rubric.splitlines()[0], "the rubric's heading states the points"
    words = {
        "en": ["0 points", "1 point", "½ point", "Other choices", "Factual errors", "Examples"],
        "ru": ["0 баллов", "1 балл", "½ балла", "Другие решения", "Фактические ошибки", "Примеры"],
    }[name.rsplit("_", 1)[1]]
    for word in words:
        assert word in rubric, f"{name}: the rubric says nothing of {word!r}"


def test_visible_checks_are_worth_nothing_and_hidden_tests_left_the_notebooks():
    for name in NAMES:
        nb = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            assert "BEGIN HIDDEN TESTS" not in cell.source, name
            if meta.get("grade") and not meta.get("solution"):
                pytest.fail(f"{name}: {meta.get('grade_id')} is graded in the notebook")


# --------------------------------------------------------------------------
# Plausibly wrong answers get exactly their points


WRONG = [learner for learner in wrong_answers.SCORES if learner.startswith("wrong_")]
GRADED = [(learner, name) for learner, scores in wrong_answers.SCORES.items() for name in scores]


def test_no_wrong_answer_is_worth_a_task_s_full_points_and_other_right_answers_are():
    for learner, by_lesson in wrong_answers.SCORES.items():
        for lesson_name, scores in by_lesson.items():
            full = task_points(f"{lesson_name}_en")
            for number, score in enumerate(scores, start=1):
                if learner in WRONG:
                    assert score < full[number], (learner, lesson_name, number)
                else:
                    assert score == full[number], (learner, lesson_name, number)
    every_task = {
        (lesson_name, task) for lesson_name in LESSONS for task in task_points(f"{lesson_name}_en")
    }
    for learner in WRONG:
        by_lesson = wrong_answers.ANSWERS[learner]
        answered = {(n, int(t[4:])) for n, tasks in by_lesson.items() for t in tasks}
        assert answered == every_task, f"{learner} does not answer every task with code"


@pytest.mark.parametrize("learner", sorted(wrong_answers.ANSWERS))
def test_wrong_answers_are_the_same_code_in_both_languages(learner):
    for lesson_name in wrong_answers.ANSWERS[learner]:
        notebooks = [
            nbformat.read(SUBMISSIONS / learner / f"{lesson_name}_{lang}.ipynb", as_version=4)
            for lang in ("en", "ru")
        ]
        answers = [
            [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
            for nb in notebooks
        ]
        code = [
            [s for s in a if s in wrong_answers.ANSWERS[learner][lesson_name].values()]
            for a in answers
        ]
        assert code[0] == code[1] and len(code[0]) == len(
            wrong_answers.ANSWERS[learner][lesson_name]
        )


@pytest.fixture(scope="module")
def wrong_graded():
    """The fixture learners' English notebooks, graded in the shared honest run
    (tests/grading_runs.py): {(learner, lesson): result}."""
    out = grading_runs.start("honest").wait().out
    found = {}
    for learner in wrong_answers.ANSWERS:
        for path in (out / "results" / grading_runs.folder(learner)).glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            found[(learner, lesson(data["assignment"]))] = data
    return found


@pytest.mark.parametrize(("learner", "lesson_name"), GRADED)
def test_a_wrong_answer_gets_exactly_its_stated_points(wrong_graded, learner, lesson_name):
    result = wrong_graded[(learner, lesson_name)]
    assert result["status"] in ("ok", "needs_review"), result["status"]
    got: dict[int, float] = {}
    for item in result["checks"]:
        got[item["task"]] = got.get(item["task"], 0) + (item["points"] if item["passed"] else 0)
    expected = wrong_answers.SCORES[learner][lesson_name]
    failed = {
        item["name"]: item.get("messages") or item.get("error")
        for item in result["checks"]
        if not item["passed"]
    }
    assert [got.get(n, 0) for n in range(1, len(expected) + 1)] == expected, failed
