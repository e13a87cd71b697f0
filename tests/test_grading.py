"""Homework: solutions, the exercises made from them, and grading in the sandbox.

Most tests below read the shared grading runs (tests/grading_runs.py, the module fixture
``graded``): for every assignment that has hidden tests, a solved, a partly solved and an
unsolved notebook; for 01_rest_en only, each kind of broken submission
(tests/fixtures/submissions), each cheat (tests/fixtures/cheats) and each bad file.  Every kind
is graded once, in two runs side by side that start as soon as the tests are collected; the
tests that read them run last in the session, the others meanwhile.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_notebooks import code_shape

pytest.register_assert_rewrite("grading_runs")  # a plugin too: pytest_plugins below
import grading_runs  # noqa: E402 - tests/grading_runs.py: the runs shared with test_homework.py
from grading_runs import BROKEN, CELL_TIMEOUT, MEMORY, SECRET  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
CHEATS = FIXTURES / "cheats"
HIDDEN = SOLUTIONS / "hidden_tests"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())
LESSONS = sorted({name.rsplit("_", 1)[0] for name in ASSIGNMENTS})
GRADED = grading_runs.graded_assignments()

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(FIXTURES))
import make_cheats  # noqa: E402 - tests/fixtures/cheats, on the path since grading_runs
import make_submissions  # noqa: E402 - tests/fixtures, found through the line above
from grading import hidden, limits  # noqa: E402 - tools/grading, found through the line above

pytestmark = pytest.mark.timeout(600)
pytest_plugins = ["grading_runs"]  # its hooks start the shared runs early, their readers go last


def notebook(folder: Path, name: str) -> dict:
    return json.loads((folder / name / f"{name}.ipynb").read_text(encoding="utf-8"))


def nbgrader(cell: dict) -> dict:
    return cell["metadata"].get("nbgrader", {})


def task_points(name: str) -> dict[int, float]:
    """Automatic points of each task, from the hidden-test module: {1: 3, 2: 4, ...}."""
    points: dict[int, float] = {}
    for item in hidden.outline(hidden.module_path(name, HIDDEN)):
        points[item["task"]] = points.get(item["task"], 0) + item["points"]
    return points


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=500
    )


def read_rows(out: Path) -> dict:
    """grades.csv by (learner, assignment), or (learner, file) for a row that is no one's."""
    with open(out / "grades.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    keyed = {}
    for row in rows:
        unranked = not row["assignment"] or row["status"] == "duplicate"
        keyed[(row["learner"], row["file"] if unranked else row["assignment"])] = row
    return keyed


def printed(out: Path, learner: str, name: str = BROKEN) -> str:
    """Everything the learner's notebook printed while it was graded."""
    nb = json.loads((out / "autograded" / learner / f"{name}.ipynb").read_text(encoding="utf-8"))
    return "".join(
        output.get("text", "") for cell in nb["cells"] for output in cell.get("outputs", [])
    )


class Graded:
    """The shared grading runs: honest notebooks, and tricks (cheats, broken and bad files)."""

    def __init__(self, honest: grading_runs.Run, tricks: grading_runs.Run) -> None:
        self.honest, self.tricks = honest.out, tricks.out
        self.stdout, self.bad = honest.stdout + tricks.stdout, tricks.bad
        self.honest_rows = read_rows(self.honest)
        self.rows = {**self.honest_rows, **read_rows(self.tricks)}


@pytest.fixture(scope="module")
def graded():
    """Both shared runs (tests/grading_runs.py), once they have ended."""
    runs = [grading_runs.start(kind).wait() for kind in ("honest", "tricks")]
    return Graded(*runs)


def row(graded, learner: str, name: str = BROKEN) -> dict:
    return graded.rows[(grading_runs.folder(learner), name)]


def outcome(graded, learner: str, name: str = BROKEN) -> tuple[float, str, str]:
    found = row(graded, learner, name)
    return float(found["score"]), found["status"], found["reason"]


# --------------------------------------------------------------------------
# Solutions, exercises and hidden tests


def test_there_is_an_assignment_for_every_lesson_from_01_in_both_languages():
    lessons = sorted(
        p.name.removesuffix(".ipynb")
        for p in (ROOT / "notebooks" / "en").glob("[0-9][0-9]_*.ipynb")
    )
    expected = {f"{lesson}_{language}" for lesson in lessons[1:] for language in ("en", "ru")}
    assert expected == set(ASSIGNMENTS)


def test_exercises_are_generated_from_the_solutions():
    result = run("tools/release.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_submissions_and_cheats_are_up_to_date(capsys):
    for script in (make_submissions, make_cheats):
        assert script.main(["--check"]) == 0, capsys.readouterr()


def test_exercises_hold_no_hidden_tests_folder():
    assert not list(EXERCISES.rglob("hidden_tests")) and not list(EXERCISES.rglob("*.py"))


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
def test_each_assignment_has_answer_cells_checks_and_a_written_answer(name):
    cells = notebook(SOLUTIONS, name)["cells"]
    ids = [nbgrader(cell).get("grade_id") for cell in cells]
    answers = [i for i in ids if i and i.startswith("task") and i.endswith("_answer")]
    assert len(answers) >= 4 and "setup" in ids and "self_check" in ids
    written = [cell for cell in cells if nbgrader(cell).get("grade") and nbgrader(cell)["solution"]]
    assert [cell["cell_type"] for cell in written] == ["markdown"]


@pytest.mark.parametrize("name", GRADED)
def test_hidden_checks_belong_to_the_tasks_with_code_answers(name):
    cells = notebook(SOLUTIONS, name)["cells"]
    code_tasks = {
        int(nbgrader(c)["grade_id"][4:].split("_")[0])
        for c in cells
        if c["cell_type"] == "code" and (nbgrader(c).get("grade_id") or "").endswith("_answer")
    }
    assert set(task_points(name)) == code_tasks


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
# Grading runs of their own (while the shared runs grade): time limits, the sandbox
# missing, trusted work, Ctrl-C


def test_a_notebook_too_slow_in_all_and_strangers_without_the_sandbox(tmp_path):
    folder = tmp_path / "submissions"
    (folder / "slow").mkdir(parents=True)
    (folder / "lost").mkdir()
    shutil.copy(SUBMISSIONS / "endless_loop" / f"{BROKEN}.ipynb", folder / "slow")
    lesson = ROOT / "notebooks" / "ru" / "01_rest.ipynb"  # a notebook, but no exercise's
    shutil.copy(lesson, folder / "lost" / "01_rest_ru.ipynb")
    (folder / "notes.txt").write_text("not in a learner's folder", encoding="utf-8")
    out = tmp_path / "out"
    result = run("tools/grade.py", str(folder), "--out", str(out), "--timeout", "3", "--no-sandbox")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notes.txt is in no learner's folder" in result.stderr
    rows = read_rows(out)
    slow, lost = rows[("slow", BROKEN)], rows[("lost", "01_rest_ru")]
    assert (slow["status"], slow["score"], slow["sandbox"]) == ("timed_out", "0", "none")
    assert slow["reason"].startswith("Graded without the sandbox (--no-sandbox)")
    assert "ran longer than 3 s in all" in slow["reason"]
    assert (lost["status"], lost["score"], lost["sandbox"]) == ("unknown_assignment", "0", "none")
    feedback = (out / "feedback" / "lost.md").read_text(encoding="utf-8")
    assert "Ни одна ячейка этого блокнота не взята из заданий курса" in feedback


def test_without_the_sandbox_grading_stops_and_names_what_is_missing(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap, no unshare on it
    result = run("tools/grade.py", str(SUBMISSIONS), "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 3
    assert "missing: the command bwrap (Debian package bubblewrap)" in result.stderr
    assert "--no-sandbox" in result.stderr


def test_grading_a_missing_folder_is_a_usage_error(tmp_path):
    result = run("tools/grade.py", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "is not a folder" in result.stderr


def test_ctrl_c_keeps_the_results_so_far_and_a_second_run_finishes(tmp_path):
    folder = tmp_path / "submissions"
    unsolved = json.loads(
        (SUBMISSIONS / "unsolved" / f"{BROKEN}.ipynb").read_text(encoding="utf-8")
    )
    # Learners 1 and 2 take a few seconds each, so that Ctrl-C after learner 0's result always
    # lands while one of them is being graded, however fast the grader has become.
    slow = json.loads(json.dumps(unsolved))
    slow["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "slow-start",
            "metadata": {},
            "outputs": [],
            "source": "import time\n\ntime.sleep(5)",
        },
    )
    for number, notebook in enumerate([unsolved, slow, slow]):
        (folder / f"learner{number}").mkdir(parents=True)
        (folder / f"learner{number}" / f"{BROKEN}.ipynb").write_text(
            json.dumps(notebook), encoding="utf-8"
        )
    out = tmp_path / "out"
    command = [sys.executable, "tools/grade.py", str(folder), "--out", str(out)]
    process = subprocess.Popen(
        command + ["--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while not list(out.glob("results/*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130 and "Stopped by Ctrl-C" in stdout, stdout
    done = len(read_rows(out))
    assert 1 <= done < 3
    cgroups = limits.own_cgroup("pids") / "course-grading"
    assert not list(cgroups.glob(f"{process.pid}-*"))  # nothing of the stopped run is left
    again = run(*command[1:], "--jobs", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(read_rows(out)) == 3 and f"Graded {3 - done} submissions" in again.stdout
    assert f"Kept {done} results of earlier runs" in again.stdout


# --------------------------------------------------------------------------
# Honest submissions keep their scores


@pytest.mark.parametrize("name", GRADED)
def test_the_solution_scores_full_marks(graded, name):
    solved = row(graded, "solved", name)
    assert (solved["status"], solved["reason"], solved["sandbox"]) == ("ok", "", "bwrap")
    assert float(solved["score"]) == float(solved["max_score"]) == sum(task_points(name).values())
    assert float(solved["manual_max"]) > 0  # the written answer, for the teacher


@pytest.mark.parametrize("name", [name for name in GRADED if name.endswith("_en")])
def test_the_unsolved_exercise_scores_zero(graded, name):
    assert outcome(graded, "unsolved", name) == (0, "ok", "")


@pytest.mark.parametrize("name", [name for name in GRADED if name.endswith("_en")])
def test_a_half_solved_notebook_gets_the_points_of_its_solved_tasks(graded, name):
    points = [points for _task, points in sorted(task_points(name).items())]
    expected = sum(points[: (len(points) + 1) // 2])
    assert outcome(graded, "partial", name) == (expected, "ok", "")


# --------------------------------------------------------------------------
# Broken submissions: each a status and a reason


def test_an_endless_loop_is_stopped_and_the_other_tasks_still_count(graded):
    points = task_points(BROKEN)
    score, status, reason = outcome(graded, "endless_loop")
    assert (score, status) == (sum(points.values()) - points[2], "timed_out")
    assert (
        reason == f"A cell ran longer than {CELL_TIMEOUT} s and was stopped (task 2, answer cell)."
    )


def test_a_loop_that_cannot_be_interrupted_scores_zero_with_a_reason(graded):
    assert outcome(graded, "unstoppable_loop") == (
        0,
        "timed_out",
        f"A cell ran longer than {CELL_TIMEOUT} s and could not be stopped (task 2, answer cell); "
        "nothing could be graded. Does a loop catch KeyboardInterrupt?",
    )


def test_a_dead_kernel_scores_zero_with_a_reason(graded):
    assert outcome(graded, "kernel_death") == (
        0,
        "kernel_died",
        "The notebook's Python process ended while it ran (os._exit or a crash); nothing could "
        "be graded.",
    )


def test_deleted_read_only_cells_are_put_back_and_the_hidden_checks_decide(graded):
    points = task_points(BROKEN)
    exercise = {nbgrader(c).get("grade_id") for c in notebook(EXERCISES, BROKEN)["cells"]}
    fixture = json.loads((SUBMISSIONS / "tests_deleted" / f"{BROKEN}.ipynb").read_text())
    deleted = len(exercise - {nbgrader(c).get("grade_id") for c in fixture["cells"]})
    expected = (
        ("tests_restored", f"Read-only cells had been deleted ({deleted}); they were put back.")
        if deleted
        else ("ok", "")
    )
    # The last task is unsolved; with its checks gone or not, it earns nothing.
    assert outcome(graded, "tests_deleted") == (
        sum(points.values()) - points[max(points)],
        *expected,
    )


def test_files_that_are_not_notebooks_score_zero_with_a_reason(graded):
    rows = [r for (learner, _), r in graded.rows.items() if learner == "not_a_notebook"]
    assert len(rows) == len(list((SUBMISSIONS / "not_a_notebook").iterdir()))
    for found in rows:
        assert (found["status"], found["score"]) == ("not_a_notebook", "0")
        assert found["reason"].startswith("This file is not a Jupyter notebook: it is")


def test_the_notebook_of_another_assignment_scores_zero_with_a_reason(graded):
    score, status, reason = outcome(graded, "wrong_assignment")
    assert (score, status) == (0, "wrong_assignment")
    assert reason.startswith(f"This is the notebook of 01_rest_ru, not of {BROKEN}")


def test_bad_files_each_get_a_status_and_a_reason_and_overwrite_nothing(graded):
    rows, bad = graded.rows, graded.bad
    for key, (status, reason) in bad.items():
        assert (rows[key]["status"], rows[key]["score"]) == (status, "0"), key
        assert rows[key]["reason"].startswith(reason), (key, rows[key]["reason"])


# --------------------------------------------------------------------------
# Cheats: the points of what they did not solve stay 0


@pytest.mark.parametrize("kind", sorted(make_cheats.EXPECTED))
def test_a_cheat_gets_the_score_status_and_reason_it_must(graded, kind):
    score, status, reason = make_cheats.EXPECTED[kind]
    assert outcome(graded, kind) == (score, status, reason.format(memory=MEMORY))


def test_held_points_are_given_when_the_teacher_accepts_them(graded, tmp_path):
    out = graded.tricks
    copy = tmp_path / "grades"
    shutil.copytree(out, copy)
    result = run("tools/grade.py", "--out", str(copy), "--accept-review", f"post_run_cell/{BROKEN}")
    assert result.returncode == 0, result.stdout + result.stderr
    accepted = read_rows(copy)[("post_run_cell", BROKEN)]
    # Its hard-coded answer passes the one check that reads only the returned value.
    held = json.loads((out / "results" / "post_run_cell" / f"{BROKEN}.json").read_text())["held"]
    assert (accepted["status"], float(accepted["score"])) == ("ok", held)
    assert accepted["reason"] == "Your teacher looked at it and accepted the points."


def test_the_learner_reads_and_writes_nothing_outside_its_scratch_folder(graded):
    out = graded.tricks
    fetched = printed(out, "solution_fetched")
    assert "FETCHED" not in fetched and fetched.count("BLOCKED") == 2
    seen = printed(out, "reads_secrets")
    listed = ast.literal_eval(seen.split("SEEN ", 1)[1].splitlines()[0])
    assert all(path.startswith("/tmp/work/") for path in listed), listed
    assert SECRET not in seen and "secret.txt" not in seen
    wrote = printed(out, "writes_outside")
    assert "WROTE" not in wrote and wrote.count("BLOCKED") == 3
    assert not (ROOT / "pwned.txt").exists() and not (SOLUTIONS / "pwned.txt").exists()
    assert not Path("/pwned.txt").exists()


def test_no_process_of_a_notebook_outlives_its_grading(graded):
    left = subprocess.run(
        ["pgrep", "-f", r"sleep (986|987|30\.25)$"], capture_output=True, text=True
    )
    assert left.stdout == ""
    assert "STOPPED AT" in printed(graded.tricks, "fork_bomb")


def test_notebooks_graded_at_once_cannot_reach_each_other_or_the_internet(graded):
    out = graded.tricks
    assert "LISTENING" in printed(out, "network_listener")
    assert "REACHED []" in printed(out, "network_caller")


# --------------------------------------------------------------------------
# What people read


def test_feedback_says_which_check_failed_without_the_hidden_tests(graded):
    out, stdout = graded.honest, graded.stdout
    assert "per minute" in stdout
    text = (out / "feedback" / "partial.md").read_text(encoding="utf-8")
    assert "## 01_rest_en · " in text and "## 01_rest_ru · " in text
    assert "✗ Saves with the API key and returns the Location header: save_observation(" in text
    assert "не решена" not in text and "Возвращает запрошенные дни" in text
    source = (HIDDEN / "01_rest.py").read_text(encoding="utf-8")
    assert "def " not in text and "ctx." not in text and "Traceback" not in text
    assert not any(line.strip() in text for line in source.splitlines() if len(line) > 40)
    teacher = (out / "teacher" / "partial.md").read_text(encoding="utf-8")
    assert "Traceback" in teacher and "save_observation" in teacher
    review = (graded.tricks / "teacher" / "settrace.md").read_text(encoding="utf-8")
    assert "changed in the kernel: a trace function (sys.settrace)" in review


def test_graded_notebooks_are_kept_for_the_teacher(graded):
    out = graded.honest
    assert "The weather service runs at" in printed(out, "solved")
    assert not (graded.tricks / "autograded" / "not_a_notebook").exists()


def test_written_answers_come_with_the_task_and_the_marks_are_merged(graded, tmp_path):
    out = graded.honest
    text = (out / "written" / f"{BROKEN}.md").read_text(encoding="utf-8")
    assert "Task 5 · Your choice, in words" in text and "## solved\n\n" in text
    assert "## unsolved\n\n*(—)*" in text
    copy = tmp_path / "grades"
    shutil.copytree(out, copy)
    (copy / "written_marks.csv").write_text(
        f"learner,assignment,points\nsolved,{BROKEN},2.5\n", encoding="utf-8"
    )
    result = run("tools/grade.py", "--out", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    solved = read_rows(copy)[("solved", BROKEN)]
    assert (solved["written_score"], float(solved["total"])) == (
        "2.5",
        float(solved["score"]) + 2.5,
    )
    feedback = (copy / "feedback" / "solved.md").read_text(encoding="utf-8")
    assert "✎ 2.5 / 3 points from your teacher" in feedback


# --------------------------------------------------------------------------
# Runs that add up


def test_a_later_batch_adds_results_and_a_rerun_grades_only_what_is_new(graded, tmp_path):
    out = graded.honest
    copy = tmp_path / "grades"
    shutil.copytree(out, copy)
    batch = tmp_path / "late"
    (batch / "late_learner").mkdir(parents=True)
    shutil.copy(SUBMISSIONS / "unsolved" / f"{BROKEN}.ipynb", batch / "late_learner")
    (batch / "solved").mkdir()
    shutil.copy(SUBMISSIONS / "solved" / f"{BROKEN}.ipynb", batch / "solved")
    result = run("tools/grade.py", str(batch), "--out", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = read_rows(copy)
    assert set(rows) == set(graded.honest_rows) | {("late_learner", BROKEN)}
    assert rows[("late_learner", BROKEN)]["status"] == "ok"
    assert "Graded 1 submissions" in result.stdout  # the solved one was kept, not run again
    assert "Kept 1 results of earlier runs" in result.stdout
