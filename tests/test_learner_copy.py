"""The learners' copy: no answer or hidden test in it, lessons unrun, the finished lesson linked."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import learner_copy  # noqa: E402


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return learner_copy.make_copy(tmp_path_factory.mktemp("class") / "course")


def test_no_answer_hidden_test_or_teachers_tool_reaches_learners(copy):
    names = {p.relative_to(copy).parts[0] for p in copy.iterdir()}
    assert not names & {"solutions", "tests", "tools", "benchmarks", ".ci"}
    assert not (copy / "requirements-dev.txt").exists()
    assert learner_copy.leaks(copy) == []
    assert sorted(p.name for p in (copy / "exercises").iterdir()) == sorted(
        p.name for p in (ROOT / "exercises").iterdir()
    )


def test_every_lesson_opens_unrun_and_links_to_the_finished_lesson(copy):
    lessons = sorted((copy / "notebooks").rglob("[0-9][0-9]_*.ipynb"))
    assert len(lessons) == len(list((ROOT / "notebooks").rglob("[0-9][0-9]_*.ipynb")))
    for path in lessons:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), path
        links = re.findall(r"\]\(([^)]*finished/[^)]*)\)", "".join(notebook["cells"][0]["source"]))
        assert len(links) == 1, path
        finished = (path.parent / links[0]).resolve()
        assert finished.is_file(), links[0]
        assert any(c.get("outputs") for c in json.loads(finished.read_text())["cells"])


def test_a_copy_a_learner_may_be_working_in_is_not_overwritten(copy):
    with pytest.raises(FileExistsError):
        learner_copy.make_copy(copy)


def test_the_copy_installs_without_node(copy):
    """make install in the copy runs jupyter_setup, which installs the built tab-title extension."""
    assert (copy / "labextension" / "built" / "package.json").is_file()
    assert not (copy / "labextension" / "node_modules").exists()
