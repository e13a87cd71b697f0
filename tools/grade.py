"""Grade learners' homework notebooks with nbgrader, and tell each learner what went wrong.

    python tools/grade.py SUBMISSIONS [--out build/grades] [--jobs N]
                          [--cell-timeout 30] [--timeout 300] [--offline]

SUBMISSIONS holds one folder per learner with that learner's notebooks in it,
each named after its assignment, as downloaded from exercises/:

    SUBMISSIONS/anna/01_rest_ru.ipynb
    SUBMISSIONS/anna/02_soap_ru.ipynb
    SUBMISSIONS/ben/01_rest_en.ipynb

Every file in a learner's folder counts as a submission (hidden files and
.ipynb_checkpoints aside).  Which assignment a notebook belongs to is read from
its cells: nbgrader marked each cell of an exercise with an id and a checksum.
A file named after one assignment that holds another's notebook is graded 0 as
the wrong assignment; a file whose name is no assignment's (``Copy1.ipynb``) is
graded as the assignment its cells belong to.

Each notebook is autograded by nbgrader in a temporary course folder of its
own, with its own gradebook, in a separate process: a cell that runs longer
than --cell-timeout seconds is interrupted, a notebook that takes longer than
--timeout seconds in all is stopped, and whatever one notebook does never stops
the grading of the others.  Test cells a learner deleted or changed are put
back as they were.  The mock servers the notebooks start listen on 127.0.0.1,
so grading needs the loopback interface; --offline runs each notebook in a
network namespace of its own (Linux, `unshare` and `ip`) with loopback up and
nothing else, for notebooks you do not trust.  Notebooks still run as your
user: grade untrusted work in a container or virtual machine.

Results, in --out (build/grades by default):

    grades.csv                              one row per notebook: learner, assignment, file,
                                            score, max_score (autograded points), manual_max
                                            (points the teacher gives by hand), status, reason
    feedback/<learner>.md                   for the learner: each task's points and what went
                                            wrong, in the notebook's language
    feedback/<learner>/<assignment>.html    nbgrader's feedback: the graded notebook, hidden
                                            tests and their errors included
    autograded/<learner>/<assignment>.ipynb the notebook as graded, with its outputs
    written/<assignment>.md                 every learner's written answer, to grade by hand

Status is one of: ok; tests_restored (deleted or changed test cells were put
back); timed_out; kernel_died; not_a_notebook; wrong_assignment;
unknown_assignment; error (nbgrader itself failed; the reason says why).
"""

from __future__ import annotations

import argparse
import ast
import copy
import csv
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import release  # noqa: E402 - the sibling module, found through the line above

ROOT = release.ROOT
STUDENT = "learner"  # every notebook has a course folder of its own, so one name does
MAX_FILE_BYTES = 20 * 1024 * 1024
MESSAGE_CHARS = 600  # of an error message shown to a learner

# Worse first: a notebook's status is the worst of its problems.
STATUSES = [
    "not_a_notebook",
    "unknown_assignment",
    "wrong_assignment",
    "kernel_died",
    "error",
    "timed_out",
    "tests_restored",
    "ok",
]

TEXT = {
    "en": {
        "not_a_notebook": "This file is not a Jupyter notebook: {detail}.",
        "too_large": "it is larger than {megabytes} MB",
        "not_text": "it is not UTF-8 text",
        "not_json": "it is not valid JSON ({detail})",
        "not_nbformat": "it is JSON, but not in the notebook format ({detail})",
        "unknown_assignment": "None of this notebook's cells come from an exercise of the "
        "course, so it cannot be graded; submit the notebook you got from exercises/.",
        "wrong_assignment": "This is the notebook of {actual}, not of {expected}; "
        "it was not graded. Submit the notebook of {expected}.",
        "renamed": "The file name {file} is not an assignment's; it was graded as {actual}, "
        "the assignment its cells come from.",
        "tests_deleted": "Test cells had been deleted ({count}); they were put back for grading.",
        "tests_changed": "Test cells had been changed ({count}); the originals were used for "
        "grading.",
        "cells_deleted": "Read-only cells had been deleted ({count}); they were put back.",
        "cells_changed": "Read-only cells had been changed ({count}); the originals were used.",
        "cell_timed_out": "A cell ran longer than {seconds} s and was stopped ({where}).",
        "unstoppable": "A cell ran longer than {seconds} s and could not be stopped "
        "({where}); nothing could be graded. Does a loop catch KeyboardInterrupt?",
        "notebook_timed_out": "The notebook ran longer than {seconds} s in all and was "
        "stopped; nothing could be graded. Is there an endless loop?",
        "kernel_died": "The notebook's Python process ended while it ran (os._exit, a crash "
        "or too much memory); nothing could be graded.",
        "error": "Grading failed: {detail}",
        "not_solved": "not solved yet",
        "undefined": "{detail}: did the answer cell run without an error?",
        "stopped": "stopped after {seconds} s: is there an endless loop?",
        "visible": "visible checks",
        "hidden": "hidden tests",
        "answer": "answer cell",
        "added_cell": "a cell you added: {line}",
        "task": "task {number}",
        "where": "{task}, {kind}",
        "title": "Feedback for {learner}",
        "points": "{score} / {max_score} points",
        "by_teacher": "graded by your teacher (up to {points})",
        "no_written_answer": "no answer written yet",
        "manual_note": "+ up to {points} points for the written answer, from your teacher.",
        "details": "The graded notebook, with every test and its output",
    },
    "ru": {
        "not_a_notebook": "Этот файл — не блокнот Jupyter: {detail}.",
        "too_large": "он больше {megabytes} МБ",
        "not_text": "это не текст в UTF-8",
        "not_json": "это не JSON ({detail})",
        "not_nbformat": "это JSON, но не в формате блокнота ({detail})",
        "unknown_assignment": "Ни одна ячейка этого блокнота не взята из заданий курса, "
        "поэтому оценить его нельзя; сдайте блокнот, полученный из exercises/.",
        "wrong_assignment": "Это блокнот задания {actual}, а не {expected}; он не оценён. "
        "Сдайте блокнот задания {expected}.",
        "renamed": "Имя файла {file} не совпадает ни с одним заданием; он оценён как "
        "{actual} — задание, из которого его ячейки.",
        "tests_deleted": "Ячейки с тестами были удалены ({count}); для оценки они возвращены "
        "на место.",
        "tests_changed": "Ячейки с тестами были изменены ({count}); для оценки взяты исходные "
        "версии.",
        "cells_deleted": "Ячейки только для чтения были удалены ({count}); они возвращены.",
        "cells_changed": "Ячейки только для чтения были изменены ({count}); взяты исходные версии.",
        "cell_timed_out": "Ячейка работала дольше {seconds} с и была остановлена ({where}).",
        "unstoppable": "Ячейка работала дольше {seconds} с, и остановить её не удалось "
        "({where}); ничего не оценено. Может быть, цикл перехватывает KeyboardInterrupt?",
        "notebook_timed_out": "Блокнот работал дольше {seconds} с и был остановлен; ничего не "
        "оценено. Нет ли бесконечного цикла?",
        "kernel_died": "Процесс Python блокнота завершился во время работы (os._exit, сбой "
        "или нехватка памяти); ничего не оценено.",
        "error": "Оценить не удалось: {detail}",
        "not_solved": "ещё не решена",
        "undefined": "{detail}: выполнилась ли ячейка с ответом без ошибок?",
        "stopped": "остановлено через {seconds} с: нет ли бесконечного цикла?",
        "visible": "открытые проверки",
        "hidden": "скрытые тесты",
        "answer": "ячейка с ответом",
        "added_cell": "добавленная вами ячейка: {line}",
        "task": "задача {number}",
        "where": "{task}, {kind}",
        "title": "Отзыв для {learner}",
        "points": "{score} из {max_score} баллов",
        "by_teacher": "оценит преподаватель (максимум {points})",
        "no_written_answer": "ответ ещё не написан",
        "manual_note": "+ до {points} баллов за письменный ответ выставит преподаватель.",
        "details": "Оценённый блокнот со всеми тестами и их выводом",
    },
}


# --------------------------------------------------------------------------
# The assignments, as nbgrader released them


@dataclass
class Task:
    name: str  # "task1": the prefix of its cells' grade ids
    title: str
    points: float = 0.0
    manual: bool = False


@dataclass
class Assignment:
    name: str
    language: str
    cells: list  # the released notebook's cells
    points: dict = field(default_factory=dict)  # grade id -> points
    manual: set = field(default_factory=set)  # grade ids the teacher grades
    tasks: list = field(default_factory=list)

    @property
    def signature(self) -> set:
        """(grade id, checksum) of every nbgrader cell: what identifies its notebook."""
        return {(cell_id(cell), cell.metadata.nbgrader.get("checksum")) for cell in self.nbgrader}

    @property
    def nbgrader(self) -> list:
        return [cell for cell in self.cells if cell_id(cell)]

    @property
    def max_score(self) -> float:
        return sum(p for name, p in self.points.items() if name not in self.manual)

    @property
    def manual_max(self) -> float:
        return sum(p for name, p in self.points.items() if name in self.manual)


def cell_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def task_of(grade_id: str | None) -> str | None:
    return grade_id.split("_", 1)[0] if grade_id and grade_id.startswith("task") else None


def load_assignment(name: str, notebook: Path) -> Assignment:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    assignment = Assignment(name, release.language(name), nb.cells)
    tasks: dict[str, Task] = {}
    for cell in nb.cells:
        grade_id, meta = cell_id(cell), cell.metadata.get("nbgrader", {})
        task = task_of(grade_id)
        if task and task not in tasks:
            tasks[task] = Task(task, task)
        if task and grade_id.endswith("_text") and cell.cell_type == "markdown":
            heading = cell.source.strip().splitlines()[0].lstrip("#").strip()
            tasks[task].title = re.sub(r"\s*\([^)]*\)$", "", heading)
        if meta.get("grade"):
            assignment.points[grade_id] = float(meta.get("points", 0))
            if meta.get("solution"):
                assignment.manual.add(grade_id)
            if task:
                tasks[task].points += float(meta.get("points", 0))
                tasks[task].manual |= bool(meta.get("solution"))
    assignment.tasks = list(tasks.values())
    return assignment


# --------------------------------------------------------------------------
# One submission: read, identify, repair, grade


@dataclass
class Problem:
    """Something wrong with a submission, said in any language."""

    key: str
    values: dict = field(default_factory=dict)

    def text(self, language: str) -> str:
        values = dict(self.values)
        # Nested texts (a reason's detail, a cell's place) are keys too.
        for name, value in values.items():
            if isinstance(value, Problem):
                values[name] = value.text(language)
        return TEXT[language][self.key].format(**values)


@dataclass
class TaskResult:
    task: Task
    score: float = 0.0
    messages: list = field(default_factory=list)  # ([kinds of cell], Problem or test's text)
    written: str | None = None


@dataclass
class Result:
    learner: str
    file: str
    assignment: str = ""
    language: str = ""
    score: float = 0.0
    max_score: float = 0.0
    manual_max: float = 0.0
    status: str = "ok"
    problems: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    feedback_html: Path | None = None
    autograded: Path | None = None
    written: str | None = None
    seconds: float = 0.0

    def add(self, status: str, problem: Problem) -> None:
        self.problems.append(problem)
        if STATUSES.index(status) < STATUSES.index(self.status):
            self.status = status

    @property
    def name(self) -> str:
        """The submitted file's name without its ending: what its feedback files are called."""
        return Path(self.file).name.split(".", 1)[0]

    def languages(self) -> list[str]:
        return [self.language] if self.language else list(TEXT)

    def reason(self, language: str = "en") -> str:
        return " ".join(problem.text(language) for problem in self.problems)


def read_notebook(path: Path):
    """The notebook in ``path``, or a Problem saying why it is not one."""
    import nbformat

    if path.stat().st_size > MAX_FILE_BYTES:
        return Problem("not_a_notebook", {"detail": Problem("too_large", {"megabytes": 20})})
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return Problem("not_a_notebook", {"detail": Problem("not_text")})
    try:
        json.loads(text)
    except ValueError as error:
        return Problem("not_a_notebook", {"detail": Problem("not_json", {"detail": str(error)})})
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds for "not a notebook"
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else repr(error)
        return Problem("not_a_notebook", {"detail": Problem("not_nbformat", {"detail": detail})})
    return nb


def identify(nb, assignments: dict[str, Assignment], named: str | None) -> str | None:
    """The assignment whose cells ``nb`` holds; the one it is named after wins a tie."""
    cells = {
        (cell_id(cell), cell.metadata.nbgrader.get("checksum"))
        for cell in nb.cells
        if cell_id(cell)
    }
    matches = {name: len(cells & a.signature) for name, a in assignments.items()}
    best = max(matches.values(), default=0)
    if best == 0:
        return None
    if named in matches and matches[named] == best:
        return named
    return next(name for name, count in matches.items() if count == best)


def restore_read_only_cells(nb, assignment: Assignment) -> tuple[list, list]:
    """Put back the read-only cells (tests among them) a learner deleted or changed.

    nbgrader itself puts back the original source of a changed cell it still
    finds, hidden tests included; a deleted cell it cannot find, so it goes back
    here, after the cell that came before it in the exercise.
    Returns the original cells that had been deleted, and those changed.
    """
    from nbformat.v4.nbbase import random_cell_id

    deleted, changed = [], []
    positions = {cell_id(cell): index for index, cell in enumerate(nb.cells) if cell_id(cell)}
    previous = None
    for original in assignment.nbgrader:
        grade_id = cell_id(original)
        if not original.metadata.nbgrader.get("locked"):
            previous = grade_id if grade_id in positions else previous
            continue
        if grade_id in positions:
            cell = nb.cells[positions[grade_id]]
            if (cell.cell_type, cell.source) != (original.cell_type, original.source):
                changed.append(original)
            previous = grade_id
            continue
        deleted.append(original)
        index = positions[previous] + 1 if previous in positions else 0
        nb.cells.insert(index, copy.deepcopy(original))
        positions = {cell_id(cell): i for i, cell in enumerate(nb.cells) if cell_id(cell)}
        previous = grade_id
    # Cells inserted from the exercise must not repeat an id already in the notebook.
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    seen = set()
    for cell in nb.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = random_cell_id()
        seen.add(cell["id"])
    return deleted, changed


def prepare(learner: str, path: Path, folder: Path, assignments: dict) -> tuple[Result, object]:
    """A result for the submission at ``path``, and its notebook if it can be graded."""
    stem = path.name.split(".", 1)[0]  # 01_rest_en.ipynb, and 01_rest_en.txt uploaded instead
    named = stem if stem in assignments else None
    result = Result(learner, str(path.relative_to(folder)))
    if named:
        result.assignment, result.language = named, assignments[named].language
        result.max_score = assignments[named].max_score
        result.manual_max = assignments[named].manual_max
    nb = read_notebook(path)
    if isinstance(nb, Problem):
        result.add("not_a_notebook", nb)
        return result, None
    actual = identify(nb, assignments, named)
    if actual is None:
        result.add("unknown_assignment", Problem("unknown_assignment"))
        return result, None
    if named and actual != named:
        result.add(
            "wrong_assignment", Problem("wrong_assignment", {"actual": actual, "expected": named})
        )
        return result, None
    assignment = assignments[actual]
    if not named:
        result.assignment, result.language = actual, assignment.language
        result.max_score, result.manual_max = assignment.max_score, assignment.manual_max
        result.add("ok", Problem("renamed", {"file": path.name, "actual": actual}))
    deleted, changed = restore_read_only_cells(nb, assignment)
    for what, cells in (("deleted", deleted), ("changed", changed)):
        tests = sum(1 for cell in cells if cell.metadata.nbgrader.get("grade"))
        if tests:
            result.add("tests_restored", Problem(f"tests_{what}", {"count": tests}))
        if len(cells) > tests:
            result.add("tests_restored", Problem(f"cells_{what}", {"count": len(cells) - tests}))
    return result, nb


def prepare_safely(learner: str, path: Path, folder: Path, assignments: dict):
    """prepare(), with any failure of its own written into the result, not raised."""
    try:
        return prepare(learner, path, folder, assignments)
    except Exception as error:  # an unreadable file must not stop the grading of the others
        result = Result(learner, str(path.relative_to(folder)))
        result.add("error", Problem("error", {"detail": f"{type(error).__name__}: {error}"}))
        return result, None


def grade_one(result: Result, nb, assignment: Assignment, template: Path, work: Path, args):
    """Autograde one notebook in a course folder of its own, in a process of its own."""
    import nbformat

    course = Path(tempfile.mkdtemp(prefix="course-", dir=work))
    shutil.copy(template / "gradebook.db", course / "gradebook.db")
    source = template / "solutions" / assignment.name
    shutil.copytree(source, course / "solutions" / assignment.name)
    submitted = course / "submitted" / STUDENT / assignment.name
    submitted.mkdir(parents=True)
    nbformat.write(nb, str(submitted / f"{assignment.name}.ipynb"))

    started = time.monotonic()
    finished = run_worker(course, assignment.name, args)
    result.seconds = time.monotonic() - started
    if not finished:
        result.add("timed_out", Problem("notebook_timed_out", {"seconds": args.timeout}))
        return
    try:
        report = json.loads((course / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log = course / "worker.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        lines = text.strip().splitlines() or ["the grading process stopped without a word"]
        result.add("error", Problem("error", {"detail": lines[-1][:300]}))
        return
    read_report(result, report, assignment, args.cell_timeout)


def run_worker(course: Path, assignment: str, args) -> bool:
    """Run worker() for one course folder in a new process; False if it had to be stopped.

    Where it can, the process is forked from a server that has nbgrader imported
    already, which halves the time a notebook takes; otherwise it is a new Python.
    """
    if FORK_SERVER is None or args.offline:
        return run_worker_command(course, assignment, args)
    process = FORK_SERVER.Process(
        target=worker_process, args=(str(course), assignment, args.cell_timeout)
    )
    process.start()
    process.join(args.timeout)
    if process.exitcode is None:
        kill_group(process.pid)
        process.join()
        return False
    return True


def worker_process(course: str, assignment: str, cell_timeout: int) -> None:
    """The forked worker: a session and a log of its own, then worker()."""
    os.setsid()  # so that a timeout can stop it and all it started
    environment = dict(os.environ)  # the fork server's, which is the grader's
    log = os.open(os.path.join(course, "worker.log"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.clear()
    os.environ.update(worker_environment(Path(course), environment))
    os.chdir(course)
    worker(Path(course), assignment, cell_timeout)


def run_worker_command(course: Path, assignment: str, args) -> bool:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(course)]
    command += [assignment, "--cell-timeout", str(args.cell_timeout)]
    if args.offline:
        # A network of its own: nothing outside, and loopback up for the mock servers.
        script = 'ip link set lo up && exec "$@"'
        unshare = ["unshare", "--user", "--map-root-user", "--net"]
        command = unshare + ["sh", "-c", script, "sh"] + command
    with open(course / "worker.log", "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=course,
            env=worker_environment(course, os.environ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that a timeout can stop it and all it started
        )
        try:
            process.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()
            return False
    return True


def worker_environment(course: Path, base) -> dict:
    env = dict(base)
    # The notebooks import mock_servers from this repository, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # nbgrader runs `alembic`, which sits next to this Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["IPYTHONDIR"] = str(course / "ipython")  # none of the teacher's startup files
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


def kill_group(pid: int) -> None:
    """Kill a worker and its process group.

    The kernel runs in a session of its own, but it watches its parent and exits
    as soon as the worker is gone.
    """
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # not a group leader yet: the kill below still reaches it
    try:
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    except (ProcessLookupError, PermissionError):
        pass


def start_fork_server():
    """A server that imports nbgrader once and forks a worker per notebook (POSIX only).

    Its workers import the main module again, so only a script's main() starts it.
    """
    global FORK_SERVER
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    FORK_SERVER = multiprocessing.get_context("forkserver")
    FORK_SERVER.set_forkserver_preload(["nbformat", "nbgrader.api", "nbgrader.converters"])


FORK_SERVER = None


def grade_safely(result: Result, nb, *args) -> None:
    """grade_one, with any failure of its own written into the result, not raised."""
    try:
        grade_one(result, nb, *args)
    except Exception as error:  # one notebook must never stop the grading of the others
        result.add("error", Problem("error", {"detail": f"{type(error).__name__}: {error}"}))


def read_report(result: Result, report: dict, assignment: Assignment, seconds: int) -> None:
    """Scores and what went wrong, from the worker's report."""
    failure = report.get("failure")
    if failure == "kernel_died":
        result.add("kernel_died", Problem("kernel_died"))
    elif failure == "timed_out":
        where = place(report.get("grade_id"), report.get("first_line") or "?")
        result.add("timed_out", Problem("unstoppable", {"seconds": seconds, "where": where}))
    elif failure:
        result.add("error", Problem("error", {"detail": report.get("detail") or "?"}))
    if failure:
        return

    grades, errors = report["grades"], {}
    result.score = sum(
        grades.get(name, {}).get("auto_score") or 0
        for name in assignment.points
        if name not in assignment.manual
    )
    for cell in report["cells"]:
        if any(ename == "CellTimeoutError" for ename, _ in cell["errors"]):
            where = place(cell["grade_id"], cell["first_line"])
            result.add("timed_out", Problem("cell_timed_out", {"seconds": seconds, "where": where}))
        if cell["grade_id"]:
            errors[cell["grade_id"]] = cell["errors"]
            if cell["grade_id"] in assignment.manual:
                result.written = cell.get("source")
    for task in assignment.tasks:
        outcome = TaskResult(task)
        names = [name for name in assignment.points if task_of(name) == task.name]
        outcome.score = sum(grades.get(name, {}).get("auto_score") or 0 for name in names)
        if task.manual:
            outcome.written = result.written
        # One line per distinct message, naming every kind of cell that gave it.
        for name in [f"{task.name}_answer"] + [n for n in names if n not in assignment.manual]:
            for ename, evalue in errors.get(name, []):
                if ename == "CellTimeoutError":  # nbgrader's echo of an interrupt
                    continue
                message, label = explain_error(ename, evalue, seconds), Problem(kind_of(name))
                same = [labels for labels, said in outcome.messages if said == message]
                if not same:
                    outcome.messages.append(([label], message))
                elif label not in same[0]:
                    same[0].append(label)
        result.tasks.append(outcome)
    result.feedback_html = Path(report["feedback"]) if report.get("feedback") else None
    if report.get("feedback_error"):
        detail = report["feedback_error"].get("detail")
        print(f"warning: no feedback page for {result.file}: {detail}", file=sys.stderr)
    result.autograded = Path(report["autograded"]) if report.get("autograded") else None


def kind_of(grade_id: str) -> str:
    if grade_id.endswith("_answer"):
        return "answer"
    return "hidden" if "hidden" in grade_id else "visible"


def place(grade_id: str | None, first_line: str) -> Problem:
    """Where a cell is, in words: its task and kind, or its first line."""
    task = task_of(grade_id)
    if task:
        number = task[len("task") :]
        return Problem(
            "where",
            {"task": Problem("task", {"number": number}), "kind": Problem(kind_of(grade_id))},
        )
    return Problem("added_cell", {"line": f"`{first_line[:60]}`"})


def explain_error(ename: str, evalue: str, seconds: int):
    """A test's error as a learner should read it: a Problem, or the test's own message."""
    if ename == "NotImplementedError":
        return Problem("not_solved")
    if ename in ("CellTimeoutError", "KeyboardInterrupt"):
        return Problem("stopped", {"seconds": seconds})
    if ename == "NameError":
        return Problem("undefined", {"detail": evalue})
    text = " ".join(evalue.split())
    if len(text) > MESSAGE_CHARS:
        text = text[: MESSAGE_CHARS - 1] + "…"
    if ename == "AssertionError" and text:
        return text
    return f"{ename}: {text}" if text else ename


# --------------------------------------------------------------------------
# The worker: runs in its own process, in the course folder of one notebook


def worker(course: Path, assignment: str, cell_timeout: int) -> None:
    """Autograde the one submitted notebook in ``course``; write result.json there."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    config = release.course_config(course)
    config.Execute.timeout = cell_timeout
    config.Execute.interrupt_on_timeout = True
    config.Execute.shutdown_kernel = "immediate"  # nothing to save; a stuck kernel costs seconds
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, STUDENT
    autograde = Autograde(coursedir=coursedir, config=config)
    autograde.force = True
    autograde.create_student = True
    log = capture_log(autograde)
    report = {"failure": None}
    (course / "nbgrader.log").write_text(
        log.get("log", "") + log.get("error", ""), encoding="utf-8"
    )
    if not log["success"]:
        report.update(failure_of(log.get("log", "") + log.get("error", "")))
        if report.get("preview"):
            submitted = course / "submitted" / STUDENT / assignment / f"{assignment}.ipynb"
            report.update(cell_starting_with(submitted, report.pop("preview")))
    else:
        graded = course / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
        with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
            notebook = gradebook.find_submission_notebook(assignment, assignment, STUDENT)
            report["grades"] = {
                grade.name: {"auto_score": grade.auto_score, "max_score": grade.max_score}
                for grade in notebook.grades
            }
        report["cells"] = cells_of(graded)
        report["autograded"] = str(graded)
        config.HTMLExporter.template_name = "feedback"
        feedback = GenerateFeedback(coursedir=coursedir, config=config)
        feedback.force = True
        made = capture_log(feedback)
        html = course / "feedback" / STUDENT / assignment / f"{assignment}.html"
        if made["success"] and html.exists():
            report["feedback"] = str(html)
        else:
            report["feedback_error"] = failure_of(made.get("log", "") + made.get("error", ""))
    (course / "result.json").write_text(json.dumps(report), encoding="utf-8")


def failure_of(log: str) -> dict:
    """Why nbgrader could not grade a notebook, from its log."""
    if "DeadKernelError" in log or "Kernel died" in log:
        return {"failure": "kernel_died"}
    if "CellTimeoutError" in log or "UnresponsiveKernelError" in log:
        # nbclient shows the first lines of the cell that would not stop, as a list.
        preview = log.split("Here is a preview of the cell contents:", 1)[-1]
        first = next((line.strip() for line in preview.splitlines() if "[" in line), "")
        try:
            lines = [line.strip() for line in ast.literal_eval(first) if line.strip()]
        except (ValueError, SyntaxError, TypeError):
            lines = []
        return {"failure": "timed_out", "preview": lines}
    errors = [line.strip() for line in log.splitlines() if re.match(r"\s*\w+(\.\w+)*Error:", line)]
    return {"failure": "error", "detail": (errors or ["see nbgrader's log"])[-1][:300]}


def cell_starting_with(path: Path, lines: list[str]) -> dict:
    """The grade id and first line of the cell whose code starts with ``lines``."""
    import nbformat

    for cell in nbformat.read(str(path), as_version=4).cells:
        code = [line.strip() for line in cell.source.splitlines() if line.strip()]
        if code and code[: len(lines)] == lines:
            return {"grade_id": cell_id(cell), "first_line": code[0]}
    return {"first_line": lines[0] if lines else "?"}


def cells_of(path: Path) -> list[dict]:
    """What the report needs of each graded cell: its id, errors and written answer."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = []
    for cell in nb.cells:
        errors = [
            [output.ename, output.evalue]
            for output in cell.get("outputs", [])
            if output.output_type == "error"
        ]
        meta = cell.metadata.get("nbgrader", {})
        entry = {
            "grade_id": cell_id(cell),
            "first_line": (cell.source.strip().splitlines() or [""])[0],
        }
        entry["errors"] = errors
        if meta.get("grade") and meta.get("solution"):
            entry["source"] = cell.source
        if entry["grade_id"] or errors:
            cells.append(entry)
    return cells


# --------------------------------------------------------------------------
# Grading a folder


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """(learner, file) for every file in a learner's folder."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            print(f"warning: {path.name} is in no learner's folder; skipped", file=sys.stderr)
    found = []
    for learner in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(learner.rglob("*")):
            parts = path.relative_to(learner).parts
            if path.is_file() and not any(p.startswith(".") for p in parts):
                found.append((learner.name, path))
    return found


def grade(folder: Path, out: Path, args) -> list[Result]:
    """Grade every submission in ``folder``; write the results to ``out``."""
    release.with_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="grading-") as temporary:
        work = Path(temporary)
        template = work / "template"
        released = release.generate(release.assignments(), template, database=True)
        assignments = {
            name: load_assignment(name, released / name / f"{name}.ipynb")
            for name in release.assignments()
        }
        for line in release.differences(released, release.EXERCISES):
            print(f"warning: {line} (graded against solutions/)", file=sys.stderr)

        prepared = [
            prepare_safely(learner, path, folder, assignments)
            for learner, path in submissions(folder)
        ]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for result, nb in prepared:
                if nb is not None:
                    assignment = assignments[result.assignment]
                    pool.submit(grade_safely, result, nb, assignment, template, work, args)
        results = [result for result, _ in prepared]
        write_results(results, assignments, out)
    return results


def write_results(results: list[Result], assignments: dict, out: Path) -> None:
    """grades.csv, the feedback, the graded notebooks and the written answers."""
    (out / "grades.csv").unlink(missing_ok=True)
    for name in ("feedback", "autograded", "written"):
        shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "learner",
                "assignment",
                "file",
                "score",
                "max_score",
                "manual_max",
                "status",
                "reason",
            ]
        )
        for r in results:
            writer.writerow(
                [r.learner, r.assignment, r.file, number(r.score), number(r.max_score)]
                + [number(r.manual_max), r.status, r.reason("en")]
            )
    for r in results:
        if r.feedback_html and r.feedback_html.exists():
            target = out / "feedback" / r.learner / f"{r.name}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(r.feedback_html, target)
        if r.autograded and r.autograded.exists():
            target = out / "autograded" / r.learner / f"{r.name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(r.autograded, target)
    for learner in sorted({r.learner for r in results}):
        own = [r for r in results if r.learner == learner]
        text = feedback_markdown(learner, own, out)
        (out / "feedback").mkdir(parents=True, exist_ok=True)
        (out / "feedback" / f"{learner}.md").write_text(text, encoding="utf-8")
    for name, assignment in assignments.items():
        answers = [r for r in results if r.assignment == name and r.written is not None]
        if answers:
            (out / "written").mkdir(parents=True, exist_ok=True)
            (out / "written" / f"{name}.md").write_text(
                written_answers(assignment, answers), encoding="utf-8"
            )


def written_answers(assignment: Assignment, results: list[Result]) -> str:
    """Every learner's written answer to one assignment, for the teacher to grade."""
    tasks = [f"{task.title} ({number(task.points)})" for task in assignment.tasks if task.manual]
    lines = [f"# {assignment.name}: {', '.join(tasks)}", ""]
    for r in results:
        answer = r.written.strip()
        blank = answer in {text_stub for _, text_stub in release.STUBS.values()}
        lines += [f"## {r.learner}", "", "*(—)*" if blank else answer, ""]
    return "\n".join(lines)


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def feedback_markdown(learner: str, results: list[Result], out: Path) -> str:
    """One learner's feedback: each notebook, each task, what went wrong."""
    languages = sorted({language for r in results for language in r.languages()})
    titles = [TEXT[language]["title"].format(learner=learner) for language in languages]
    lines = [f"# {' · '.join(titles)}", ""]
    for r in results:
        for language in r.languages():
            t = TEXT[language]
            score = t["points"].format(score=number(r.score), max_score=number(r.max_score))
            lines += [f"## {r.assignment or r.file} · {score}", ""]
            lines += [f"> {problem.text(language)}" for problem in r.problems]
            lines += [""] if r.problems else []
            for outcome in r.tasks:
                task = outcome.task
                if task.manual:
                    mark = "✎"
                    status = t["by_teacher"].format(points=number(task.points))
                    stubs = {text_stub for _, text_stub in release.STUBS.values()}
                    if not outcome.written or outcome.written.strip() in stubs:
                        status += " — " + t["no_written_answer"]
                else:
                    mark = (
                        "✓" if outcome.score >= task.points else ("✗" if not outcome.score else "½")
                    )
                    status = t["points"].format(
                        score=number(outcome.score), max_score=number(task.points)
                    )
                lines.append(f"- {mark} **{task.title}**: {status}")
                for labels, message in outcome.messages:
                    text = message if isinstance(message, str) else message.text(language)
                    where = ", ".join(label.text(language) for label in labels)
                    lines.append(f"  - {where}: {text}")
            if r.manual_max and r.tasks:
                lines += ["", t["manual_note"].format(points=number(r.manual_max))]
            if r.feedback_html:
                lines += [
                    "",
                    f"{t['details']}: [{r.name}.html](<{learner}/{r.name}.html>)",
                ]
            lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def print_table(results: list[Result], seconds: float) -> None:
    rows = [["learner", "assignment", "score", "status", "reason"]]
    for r in results:
        reason = r.reason("en")
        reason = reason if len(reason) <= 70 else reason[:69] + "…"
        score = f"{number(r.score)}/{number(r.max_score)}" if r.max_score else "-"
        rows.append([r.learner, r.assignment or r.file, score, r.status, reason])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
    count = len(results)
    rate = count / seconds * 60 if seconds else 0.0
    print(f"\nGraded {count} submissions in {seconds:.1f} s ({rate:.1f} per minute).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Grade learners' notebooks with nbgrader.",
        epilog="See the top of tools/grade.py for the folder layout and the results.",
    )
    parser.add_argument(
        "submissions", type=Path, nargs="?", help="one folder per learner, notebooks in it"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grades")
    # Twice the CPUs: a notebook spends much of its time waiting for its kernel.
    jobs = min(8, 2 * (os.cpu_count() or 1))
    parser.add_argument("--jobs", type=int, default=jobs, help=f"notebooks at a time ({jobs})")
    parser.add_argument("--cell-timeout", type=int, default=30, help="seconds per cell")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per notebook")
    parser.add_argument("--offline", action="store_true", help="no network but loopback")
    parser.add_argument(
        "--worker", nargs=2, metavar=("COURSE", "ASSIGNMENT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker(Path(args.worker[0]), args.worker[1], args.cell_timeout)
        return 0
    if args.submissions is None or not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    if args.offline and not (shutil.which("unshare") and shutil.which("ip")):
        parser.error("--offline needs the Linux commands unshare and ip")
    started = time.monotonic()
    start_fork_server()
    results = grade(args.submissions.resolve(), args.out.resolve(), args)
    print_table(results, time.monotonic() - started)
    print(f"Grades: {args.out / 'grades.csv'}; feedback: {args.out / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
