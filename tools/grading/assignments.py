"""The assignments as the learners got them: their cells, tasks, points and hidden tests.

An assignment is known by its exercise (``exercises/<name>/<name>.ipynb``, made by
tools/release.py): nbgrader gave each of its cells an id and a checksum, which is how a
submitted notebook is recognised and how read-only cells a learner changed are put back.
Automatic points are the hidden-test module's (grading.hidden); the points the teacher gives
by hand are the manual-grade cells' of the solution notebook.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from grading import hidden

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Task:
    number: int
    title: str
    points: float = 0.0  # automatic
    manual: float = 0.0  # by the teacher
    prompt: str = ""  # the task's text, for the written answers' page


@dataclass
class Assignment:
    name: str
    language: str
    cells: list
    tasks: dict = field(default_factory=dict)  # number -> Task
    hidden: Path | None = None
    checks: list = field(default_factory=list)  # grading.hidden.outline()
    version: str = ""  # a hash of the hidden tests: a change regrades
    broken: str = ""  # why its hidden-test module could not be loaded

    @property
    def signature(self) -> set:
        return {(cell_id(c), c.metadata.nbgrader.get("checksum")) for c in self.cells if cell_id(c)}

    @property
    def max_score(self) -> float:
        return sum(c["points"] for c in self.checks)

    @property
    def manual_max(self) -> float:
        return sum(t.manual for t in self.tasks.values())


def cell_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def task_number(grade_id: str | None) -> int | None:
    match = re.match(r"task(\d+)_", grade_id or "")
    return int(match.group(1)) if match else None


def load(name: str, root: Path = ROOT, hidden_folder: Path | None = None) -> Assignment:
    import nbformat

    exercise = nbformat.read(str(root / "exercises" / name / f"{name}.ipynb"), as_version=4)
    solution = nbformat.read(str(root / "solutions" / name / f"{name}.ipynb"), as_version=4)
    assignment = Assignment(name, name.rsplit("_", 1)[-1], exercise.cells)
    for cell in exercise.cells:
        number = task_number(cell_id(cell))
        if number and cell_id(cell).endswith("_text") and cell.cell_type == "markdown":
            heading = cell.source.strip().splitlines()[0].lstrip("#").strip()
            title = re.sub(r"\s*\([^)]*\)$", "", heading)
            assignment.tasks[number] = Task(number, title, prompt=cell.source.strip())
    for cell in solution.cells:
        meta = cell.metadata.get("nbgrader", {})
        number = task_number(cell_id(cell))
        if number and meta.get("grade") and meta.get("solution"):
            assignment.tasks.setdefault(number, Task(number, f"task {number}"))
            assignment.tasks[number].manual += float(meta.get("points", 0))
    path = hidden.module_path(name, hidden_folder or root / "solutions" / "hidden_tests")
    if path.is_file():
        assignment.hidden = path
        try:
            assignment.checks = hidden.outline(path)
        except Exception as error:  # noqa: BLE001 - its notebooks say so; the others are graded
            assignment.broken = f"{path.name}: {type(error).__name__}: {error}"[:300]
        # The module and the helpers every module imports: a change to either regrades.
        helpers = Path(__file__).with_name("hidden_helpers.py")
        digest = hashlib.sha256(path.read_bytes())
        digest.update(helpers.read_bytes() if helpers.is_file() else b"")
        assignment.version = digest.hexdigest()[:16]
        for item in assignment.checks:
            task = assignment.tasks.setdefault(item["task"], Task(item["task"], ""))
            task.points += item["points"]
    return assignment


def load_all(root: Path = ROOT, hidden_folder: Path | None = None) -> dict[str, Assignment]:
    names = sorted(
        p.name
        for p in (root / "exercises").iterdir()
        if (p / f"{p.name}.ipynb").is_file() and (root / "solutions" / p.name).is_dir()
    )
    return {name: load(name, root, hidden_folder) for name in names}


def rubric(name: str, root: Path = ROOT) -> str | None:
    """The teacher's rubric of the written task (solutions/rubrics/<NN_name>.<lang>.md)."""
    lesson, language = name.rsplit("_", 1)
    path = root / "solutions" / "rubrics" / f"{lesson}.{language}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None
