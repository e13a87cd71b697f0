"""Homework: solutions, the exercises made from them, and grading with nbgrader.

One run of tools/grade.py over tests/fixtures/submissions (a solved, an unsolved,
a partly solved and several broken notebooks for every assignment) is shared by
the tests below; it takes about two minutes.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_notebooks import code_shape

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())
LESSONS = sorted({name.rsplit("_", 1)[0] for name in ASSIGNMENTS})
CELL_TIMEOUT = 8  # seconds; the slowest cell of a solution takes well under one

# The whole grading run happens in the first test that asks for it.
pytestmark = pytest.mark.timeout(600)


def notebook(folder: Path, name: str) -> dict:
    return json.loads((folder / name / f"{name}.ipynb").read_text(encoding="utf-8"))


def nbgrader(cell: dict) -> dict:
    return cell["metadata"].get("nbgrader", {})


def task_points(name: str) -> dict[str, float]:
    """Autograded points of each task of an assignment, in order: {"task1": 3, ...}."""
    points: dict[str, float] = {}
    for cell in notebook(SOLUTIONS, name)["cells"]:
        meta = nbgrader(cell)
        if meta.get("grade") and not meta.get("solution"):
            task = meta["grade_id"].split("_")[0]
            points[task] = points.get(task, 0) + meta["points"]
    return points


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the example submissions once: (rows by (learner, assignment), output folder)."""
    out = tmp_path_factory.mktemp("grades")
    result = run(
        "tools/grade.py",
        str(FIXTURES / "submissions"),
        "--out",
        str(out),
        "--cell-timeout",
        str(CELL_TIMEOUT),
        "--timeout",
        "150",
        "--jobs",
        "4",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", encoding="utf-8") as file:
        rows = {(row["learner"], row["assignment"]): row for row in csv.DictReader(file)}
    return rows, out, result.stdout


def row(graded, learner: str, name: str) -> dict:
    rows, _out, _stdout = graded
    return rows[(learner, name)]


def score(graded, learner: str, name: str) -> float:
    return float(row(graded, learner, name)["score"])


# --------------------------------------------------------------------------
# Solutions and exercises


def test_there_is_an_assignment_for_every_lesson_from_01_in_both_languages():
    lessons = sorted(p.stem for p in (ROOT / "notebooks" / "en").glob("[0-9][0-9]_*.ipynb"))
    expected = {f"{lesson}_{language}" for lesson in lessons[1:] for language in ("en", "ru")}
    assert expected == set(ASSIGNMENTS)


def test_exercises_are_generated_from_the_solutions():
    result = run("tools/release.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_submissions_are_up_to_date():
    result = run(str(FIXTURES / "make_submissions.py"), "--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_exercises_hold_no_solutions_hidden_tests_or_outputs(name):
    text = (EXERCISES / name / f"{name}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    for cell in notebook(EXERCISES, name)["cells"]:
        assert not cell.get("outputs"), cell["source"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solutions_are_stored_executed_without_errors(name):
    for cell in notebook(SOLUTIONS, name)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["execution_count"] is not None, cell["source"]
            for output in cell["outputs"]:
                assert output["output_type"] != "error", cell["source"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_assignment_has_graded_tasks_visible_and_hidden_tests_and_a_written_answer(name):
    cells = notebook(SOLUTIONS, name)["cells"]
    ids = [nbgrader(cell).get("grade_id") for cell in cells]
    points = task_points(name)
    assert len(points) >= 3 and "setup" in ids and "self_check" in ids
    for task in points:
        assert f"{task}_answer" in ids and f"{task}_tests" in ids and f"{task}_hidden_tests" in ids
    written = [cell for cell in cells if nbgrader(cell).get("grade") and nbgrader(cell)["solution"]]
    assert [cell["cell_type"] for cell in written] == ["markdown"]
    hidden = [c for c in cells if (nbgrader(c).get("grade_id") or "").endswith("_hidden_tests")]
    assert all("### BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in hidden)
    # The hidden tests decide the grade: more points than the visible checks.
    visible = {
        c["grade_id"]: c["points"]
        for c in map(nbgrader, cells)
        if "_tests" in c.get("grade_id", "")
    }
    assert sum(p for i, p in visible.items() if "hidden" in i) > sum(
        p for i, p in visible.items() if "hidden" not in i
    )


@pytest.mark.parametrize("folder", [SOLUTIONS, EXERCISES], ids=["solutions", "exercises"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_russian_and_english_have_the_same_cells_code_and_tests(folder, lesson):
    ru, en = notebook(folder, f"{lesson}_ru")["cells"], notebook(folder, f"{lesson}_en")["cells"]
    assert [c["cell_type"] for c in ru] == [c["cell_type"] for c in en]
    for ru_cell, en_cell in zip(ru, en):
        ru_meta, en_meta = nbgrader(ru_cell), nbgrader(en_cell)
        for key in ("grade_id", "grade", "solution", "locked", "points"):
            assert ru_meta.get(key) == en_meta.get(key), (ru_meta, en_meta)
        if ru_cell["cell_type"] == "code":
            ru_source, en_source = "".join(ru_cell["source"]), "".join(en_cell["source"])
            assert code_shape(ru_source) == code_shape(en_source), (
                f"{folder.name}/{lesson}, {ru_meta.get('grade_id')}: the code differs\n"
                f"--- ru\n{ru_source}\n--- en\n{en_source}"
            )


@pytest.mark.parametrize("lesson", LESSONS)
def test_russian_task_text_is_russian(lesson):
    for cell in notebook(EXERCISES, f"{lesson}_ru")["cells"]:
        if cell["cell_type"] == "markdown" and nbgrader(cell).get("locked"):
            text = "".join(cell["source"])
            assert any("а" <= letter <= "я" for letter in text.lower()), text[:80]


# --------------------------------------------------------------------------
# Grading the example submissions


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_example_submission_gets_a_row(graded, name):
    rows, _out, stdout = graded
    learners = sorted(p.name for p in (FIXTURES / "submissions").iterdir() if p.is_dir())
    assert [learner for learner in learners if (learner, name) in rows] == learners
    assert "per minute" in stdout


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_solution_scores_full_marks(graded, name):
    solved = row(graded, "solved", name)
    assert (solved["status"], solved["reason"]) == ("ok", "")
    assert float(solved["score"]) == float(solved["max_score"]) == sum(task_points(name).values())
    assert float(solved["manual_max"]) > 0  # the written answer, for the teacher


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_unsolved_exercise_scores_zero(graded, name):
    unsolved = row(graded, "unsolved", name)
    assert (unsolved["status"], float(unsolved["score"])) == ("ok", 0)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_half_solved_notebook_gets_the_points_of_its_solved_tasks(graded, name):
    points = list(task_points(name).values())
    expected = sum(points[: (len(points) + 1) // 2])
    assert 0 < score(graded, "partial", name) == expected < sum(points)
    assert row(graded, "partial", name)["status"] == "ok"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_an_endless_loop_is_stopped_and_the_other_tasks_still_count(graded, name):
    looped = row(graded, "endless_loop", name)
    assert looped["status"] == "timed_out"
    assert f"longer than {CELL_TIMEOUT} s and was stopped (task 2, answer cell)" in looped["reason"]
    assert float(looped["score"]) == sum(task_points(name).values()) - task_points(name)["task2"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_loop_that_cannot_be_interrupted_scores_zero_with_a_reason(graded, name):
    looped = row(graded, "unstoppable_loop", name)
    assert (looped["status"], float(looped["score"])) == ("timed_out", 0)
    assert "could not be stopped (task 2, answer cell)" in looped["reason"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_dead_kernel_scores_zero_with_a_reason(graded, name):
    died = row(graded, "kernel_death", name)
    assert (died["status"], float(died["score"])) == ("kernel_died", 0)
    assert "Python process ended" in died["reason"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_deleted_tests_are_put_back_and_decide(graded, name):
    deleted = row(graded, "tests_deleted", name)
    points = task_points(name)
    assert deleted["status"] == "tests_restored"
    assert deleted["reason"] == "Test cells had been deleted (2); they were put back for grading."
    # The last task is unsolved; without its tests it would have lost nothing.
    assert float(deleted["score"]) == sum(points.values()) - points[list(points)[-1]]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_file_that_is_not_a_notebook_scores_zero_with_a_reason(graded, name):
    junk = row(graded, "not_a_notebook", name)
    assert (junk["status"], float(junk["score"])) == ("not_a_notebook", 0)
    assert junk["reason"].startswith("This file is not a Jupyter notebook: it is")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_notebook_of_another_assignment_scores_zero_with_a_reason(graded, name):
    wrong = row(graded, "wrong_assignment", name)
    other = ASSIGNMENTS[(ASSIGNMENTS.index(name) + 1) % len(ASSIGNMENTS)]
    assert (wrong["status"], float(wrong["score"])) == ("wrong_assignment", 0)
    assert f"This is the notebook of {other}, not of {name}" in wrong["reason"]


def test_feedback_tells_each_learner_what_went_wrong_in_the_notebooks_language(graded):
    _rows, out, _stdout = graded
    text = (out / "feedback" / "endless_loop.md").read_text(encoding="utf-8")
    assert "## 01_rest_en · 11 / 15 points" in text and "## 01_rest_ru · 11 из 15 баллов" in text
    assert "name 'get_forecast' is not defined: did the answer cell run without an error?" in text
    assert "выполнилась ли ячейка с ответом без ошибок?" in text
    partial = (out / "feedback" / "partial.md").read_text(encoding="utf-8")
    assert "visible checks, hidden tests: not solved yet" in partial
    assert "открытые проверки, скрытые тесты: ещё не решена" in partial
    assert "Задача 5 · Ваш выбор словами**: оценит преподаватель" in partial
    dead = (out / "feedback" / "kernel_death.md").read_text(encoding="utf-8")
    assert "Процесс Python блокнота завершился" in dead


def test_feedback_html_and_graded_notebooks_are_kept_for_graded_submissions(graded):
    _rows, out, _stdout = graded
    for name in ASSIGNMENTS:
        html = (out / "feedback" / "partial" / f"{name}.html").read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" in html  # the learner sees the tests that decided
        assert (out / "autograded" / "partial" / f"{name}.ipynb").is_file()
    assert not (out / "feedback" / "kernel_death").exists()


def test_written_answers_are_collected_for_the_teacher(graded):
    _rows, out, _stdout = graded
    for name in ASSIGNMENTS:
        text = (out / "written" / f"{name}.md").read_text(encoding="utf-8")
        assert "## solved\n\n" in text and "SOAP" in text
        assert "## unsolved\n\n*(—)*" in text


def test_a_notebook_too_slow_in_all_is_stopped_and_strangers_are_named(tmp_path):
    folder = tmp_path / "submissions"
    (folder / "slow").mkdir(parents=True)
    (folder / "lost").mkdir()
    source = FIXTURES / "submissions" / "endless_loop" / "01_rest_en.ipynb"
    (folder / "slow" / "01_rest_en.ipynb").write_bytes(source.read_bytes())
    lesson = ROOT / "notebooks" / "ru" / "01_rest.ipynb"  # a notebook, but no exercise's
    (folder / "lost" / "01_rest_ru.ipynb").write_bytes(lesson.read_bytes())
    (folder / "notes.txt").write_text("not in a learner's folder", encoding="utf-8")
    out = tmp_path / "out"
    result = run("tools/grade.py", str(folder), "--out", str(out), "--timeout", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notes.txt is in no learner's folder" in result.stderr
    with open(out / "grades.csv", encoding="utf-8") as file:
        lost, slow = csv.DictReader(file)
    assert (slow["status"], slow["score"]) == ("timed_out", "0")
    assert "ran longer than 3 s in all" in slow["reason"]
    assert (lost["status"], lost["score"]) == ("unknown_assignment", "0")
    feedback = (out / "feedback" / "lost.md").read_text(encoding="utf-8")
    assert "Ни одна ячейка этого блокнота не взята из заданий курса" in feedback


def test_grading_a_missing_folder_is_a_usage_error(tmp_path):
    result = run("tools/grade.py", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "is not a folder" in result.stderr
