"""The grading runs tests/test_grading.py and tests/test_homework.py share, started early.

Grading the example submissions is most of these tests' time.  Each kind of submission is
graded once, in two runs of tools/grade.py side by side in the background, started as soon as
the session's tests are collected; the tests that read them go last in the session (the hooks
below), so that the other tests run meanwhile.  A test that reads a run waits for it
(``Run.wait``).

- ``honest``: every assignment solved, and partly solved and unsolved (the English notebooks,
  and 01_rest_ru for the Russian feedback; the code and hidden tests of ru and en are the
  same), with the English notebooks of the learners of plausibly wrong answers
  (tests/fixtures/wrong_answers.py).  A generous cell limit: lesson 05's first cell imports for
  seconds on a loaded machine.
- ``tricks``: for 01_rest_en only, each kind of broken submission (tests/fixtures/submissions),
  each cheat (tests/fixtures/cheats) and each bad file; a short cell limit, so that the endless
  loops end soon.  It runs with a HOME and an environment variable the cheats must not see.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
CHEATS = FIXTURES / "cheats"
HIDDEN = ROOT / "solutions" / "hidden_tests"
BROKEN = "01_rest_en"  # the assignment each kind of broken submission and cheat is tried on
BROKEN_KINDS = ("endless_loop", "unstoppable_loop", "kernel_death", "tests_deleted")
CELL_TIMEOUT = 10  # seconds, for the tricks: endless loops are stopped after this
HONEST_CELL_TIMEOUT = 90  # seconds: lesson 05's first cell takes 10 s and more under load
MEMORY = 512  # MiB, below the default so that the memory hog is stopped sooner
SECRET = "GRADER_SECRET_VARIABLE"
# The grader takes learners in the order of their folders' names.  These learners' notebooks
# wait longest (a loop until the cell limit, a stream without a deadline), mostly idle: they
# go first, so that they do not end a run long after the others.
FIRST = ("endless_loop", "unstoppable_loop", "wrong_1", "wrong_2")


def folder(learner: str) -> str:
    """The learner's folder (and name in the results): FIRST ones get a prefix that sorts first."""
    return f"0_{learner}" if learner in FIRST else learner


sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(CHEATS))
import make_cheats  # noqa: E402 - tests/fixtures/cheats, found through the line above
import wrong_answers  # noqa: E402 - tests/fixtures, found through the line above


def graded_assignments() -> list[str]:
    """The assignments that have hidden tests, e.g. 01_rest_en."""
    return sorted(
        p.name
        for p in (ROOT / "solutions").iterdir()
        if (p / f"{p.name}.ipynb").is_file()
        and (HIDDEN / f"{p.name.rsplit('_', 1)[0]}.py").is_file()
    )


class Run:
    """One run of tools/grade.py in the background: its submissions, its output folder."""

    def __init__(self, submitted: Path, out: Path, options: list[str], env: dict, bad: dict):
        self.submitted, self.out, self.bad = submitted, out, bad
        command = [sys.executable, "tools/grade.py", str(submitted), "--out", str(out), *options]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.stdout: str | None = None

    def wait(self) -> Run:
        """Wait for the run to end (once); it must have ended well."""
        if self.stdout is None:
            self.stdout, _ = self.process.communicate(timeout=550)
        assert self.process.returncode == 0, self.stdout
        return self

    def stop(self) -> None:
        """Stop the run as Ctrl-C does (its notebooks and their processes are stopped too)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()


RUNS: dict[str, Run] = {}
READERS = {"graded": ("honest", "tricks"), "wrong_graded": ("honest",)}  # fixture: runs it reads
TEMPORARY: list[Path] = []  # the runs' folder, made when the first run starts


def start(kind: str) -> Run:
    """The run ``kind`` ("honest" or "tricks"), started if it is not yet."""
    if kind not in RUNS:
        if not TEMPORARY:
            TEMPORARY.append(Path(tempfile.mkdtemp(prefix="grading-tests-")))
        base = TEMPORARY[0]
        submitted = base / kind
        submitted.mkdir()
        bad = {}
        # Jobs: the honest run has more notebooks, and longer ones, many of them waiting on
        # purpose (a stream, a deadline); the two runs then end at about the same time.
        if kind == "honest":
            honest(submitted)
            options = ["--cell-timeout", str(HONEST_CELL_TIMEOUT), "--jobs", "6"]
        else:
            bad = tricks(submitted)
            options = ["--cell-timeout", str(CELL_TIMEOUT), "--jobs", "3"]
        options += ["--timeout", "240", "--memory", str(MEMORY)]
        home = base / f"{kind}_home"
        home.mkdir()
        (home / "secret.txt").write_text("the grader's own file", encoding="utf-8")
        env = dict(os.environ, HOME=str(home), **{SECRET: "do not show"})
        RUNS[kind] = Run(submitted, base / f"{kind}_grades", options, env, bad)
    return RUNS[kind]


# --------------------------------------------------------------------------
# As a pytest plugin (``pytest_plugins`` in test_grading.py and test_homework.py): the runs
# start as soon as the tests are collected, and the tests that read them go last, so that the
# notebooks are graded while every other test of the session runs.


def readers(items) -> list:
    return [item for item in items if READERS.keys() & set(getattr(item, "fixturenames", ()))]


@pytest.hookimpl(trylast=True)  # after the selection by -k and -m
def pytest_collection_modifyitems(session, config, items) -> None:
    last = readers(items)
    if last:
        ids = {id(item) for item in last}
        items[:] = [item for item in items if id(item) not in ids] + last


def pytest_collection_finish(session) -> None:
    if session.config.option.collectonly:
        return
    used = {name for item in readers(session.items) for name in item.fixturenames}
    for fixture, kinds in READERS.items():
        if fixture in used:
            for kind in kinds:
                start(kind)


def pytest_sessionfinish(session) -> None:
    """Stop the runs no test waited for (the session was stopped early), remove their folder."""
    for run in RUNS.values():
        run.stop()
    if TEMPORARY:
        shutil.rmtree(TEMPORARY[0], ignore_errors=True)


def honest(target: Path) -> None:
    for name in graded_assignments():
        for kind in ("solved", "partial", "unsolved"):
            if kind == "solved" or name.endswith("_en") or name == "01_rest_ru":
                (target / kind).mkdir(exist_ok=True)
                shutil.copy(SUBMISSIONS / kind / f"{name}.ipynb", target / kind)
    for learner in wrong_answers.ANSWERS:
        (target / folder(learner)).mkdir()
        for lesson in wrong_answers.ANSWERS[learner]:
            shutil.copy(SUBMISSIONS / learner / f"{lesson}_en.ipynb", target / folder(learner))


def tricks(target: Path) -> dict:
    """Copy the tricks into ``target``; the bad files' {(learner, key): (status, reason)}."""
    for kind in (*BROKEN_KINDS, "wrong_assignment"):
        (target / folder(kind)).mkdir()
        shutil.copy(SUBMISSIONS / kind / f"{BROKEN}.ipynb", target / folder(kind))
    shutil.copytree(SUBMISSIONS / "not_a_notebook", target / "not_a_notebook")
    for kind in make_cheats.CHEATS:
        shutil.copytree(CHEATS / kind, target / kind)
    return make_cheats.add_bad_files(target)
