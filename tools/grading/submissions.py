"""Finding the submissions and telling what each one is.

SUBMISSIONS holds one folder per learner, with that learner's notebooks in it, each named
after its assignment as downloaded from exercises/ (``anna/01_rest_ru.ipynb``).  Every file in
a learner's folder counts (hidden files and .ipynb_checkpoints aside).  Before anything runs,
each file is looked at from outside: a symbolic link is not followed, a file too large is not
read, a file that is not a notebook, another assignment's notebook, a second file of the same
assignment, or a learner folder whose name clashes with another's after cleaning each gets a
status and a reason of its own.  The assignment is read from the cells (nbgrader's ids and
checksums), not from the file name.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from grading.assignments import Assignment, cell_id
from grading.results import Result, safe

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class Found:
    learner: str
    path: Path
    relative: str
    symlink: bool = False


def find(folder: Path) -> list[Found]:
    """Every file in a learner's folder, symbolic links included but never followed."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            found.append(Found(entry.name, entry, entry.name, symlink=True))
        elif entry.is_file():
            print(f"warning: {entry.name} is in no learner's folder; skipped", file=sys.stderr)
        elif entry.is_dir():
            for top, dirs, files in os.walk(entry, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files) + [d for d in dirs if os.path.islink(Path(top, d))]:
                    path = Path(top, name)
                    if name.startswith("."):
                        continue
                    relative = str(path.relative_to(folder))
                    found.append(Found(entry.name, path, relative, path.is_symlink()))
    return found


def read_notebook(path: Path):
    """(notebook, None), or (None, (key, values)) saying why it is not one."""
    import nbformat

    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None, {"key": "not_text", "values": {}}
    try:
        json.loads(text)
    except ValueError as error:
        return None, {"key": "not_json", "values": {"detail": str(error)[:200]}}
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds for "not a notebook"
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else repr(error)
        return None, {"key": "not_nbformat", "values": {"detail": detail}}
    return nb, None


def identify(nb, assignments: dict[str, Assignment], named: str | None) -> str | None:
    """The assignment whose cells ``nb`` holds; the one it is named after wins a tie."""
    cells = {(cell_id(c), c.metadata.nbgrader.get("checksum")) for c in nb.cells if cell_id(c)}
    matches = {name: len(cells & a.signature) for name, a in assignments.items()}
    best = max(matches.values(), default=0)
    if best == 0:
        return None
    if named in matches and matches[named] == best:
        return named
    return next(name for name, count in matches.items() if count == best)


def restore_read_only_cells(nb, assignment: Assignment) -> tuple[int, int]:
    """Put back the read-only cells a learner deleted or changed; (deleted, changed)."""
    from nbformat.v4.nbbase import random_cell_id

    deleted = changed = 0
    positions = {cell_id(cell): index for index, cell in enumerate(nb.cells) if cell_id(cell)}
    previous = None
    for original in (c for c in assignment.cells if cell_id(c)):
        grade_id = cell_id(original)
        if not original.metadata.nbgrader.get("locked"):
            previous = grade_id if grade_id in positions else previous
            continue
        if grade_id in positions:
            cell = nb.cells[positions[grade_id]]
            if (cell.cell_type, cell.source) != (original.cell_type, original.source):
                nb.cells[positions[grade_id]] = copy.deepcopy(original)
                changed += 1
            previous = grade_id
            continue
        deleted += 1
        index = positions[previous] + 1 if previous in positions else 0
        nb.cells.insert(index, copy.deepcopy(original))
        positions = {cell_id(cell): i for i, cell in enumerate(nb.cells) if cell_id(cell)}
        previous = grade_id
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    seen = set()
    for cell in nb.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = random_cell_id()
        seen.add(cell["id"])
    return deleted, changed


def written_answer(nb) -> str | None:
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
            return cell.source
    return None


def prepare(found: list[Found], assignments: dict[str, Assignment]) -> list[tuple[Result, object]]:
    """A result for every file found, and its notebook when it is to be graded."""
    prepared, owners, taken = [], {}, {}
    for item in found:
        result = Result(item.learner, item.relative)
        cleaned = safe(item.learner)
        if owners.setdefault(cleaned, item.learner) != item.learner:
            result.add("name_clash", "name_clash", learner=item.learner, other=owners[cleaned])
            prepared.append((result, None))
            continue
        nb = None
        try:
            nb = examine(item, result, assignments)
        except Exception as error:  # noqa: BLE001 - one unreadable file never stops the others
            result.add("error", "error", detail=f"{type(error).__name__}: {error}"[:300])
        if nb is not None:
            slot = (item.learner, result.assignment)
            if slot in taken:
                result.problems = []  # "graded as ..." would say the opposite
                result.add(
                    "duplicate", "duplicate", other=taken[slot], assignment=result.assignment
                )
                nb = None
            else:
                taken[slot] = item.relative
        prepared.append((result, nb))
    return prepared


def examine(item: Found, result: Result, assignments: dict[str, Assignment]):
    """Fill in what can be known without running the notebook; the notebook, or None."""
    stem = item.path.name.split(".", 1)[0]  # 01_rest_en.ipynb, or 01_rest_en.txt instead
    named = stem if stem in assignments else None
    if named:
        set_assignment(result, assignments[named])
    if item.symlink:
        result.add("symlink", "symlink", file=item.path.name)
        return None
    if item.path.stat().st_size > MAX_FILE_BYTES:
        result.add("too_large", "too_large", megabytes=MAX_FILE_BYTES // 2**20)
        return None
    result.sha256 = hashlib.sha256(item.path.read_bytes()).hexdigest()
    nb, why = read_notebook(item.path)
    if nb is None:
        result.add("not_a_notebook", "not_a_notebook", detail=why)
        return None
    actual = identify(nb, assignments, named)
    if actual is None:
        result.add("unknown_assignment", "unknown_assignment")
        return None
    if named and actual != named:
        result.add("wrong_assignment", "wrong_assignment", actual=actual, expected=named)
        return None
    assignment = assignments[actual]
    if not named:
        set_assignment(result, assignment)
        result.add("ok", "renamed", file=item.path.name, actual=actual)
    result.version = assignment.version
    if assignment.hidden is None:
        result.add("no_hidden_tests", "no_hidden_tests", assignment=actual)
        return None
    if assignment.broken:
        result.add("error", "error", detail=f"the hidden tests do not load ({assignment.broken})")
        return None
    result.written = written_answer(nb)
    deleted, changed = restore_read_only_cells(nb, assignment)
    if deleted:
        result.add("tests_restored", "tests_deleted", count=deleted)
    if changed:
        result.add("tests_restored", "tests_changed", count=changed)
    return nb


def set_assignment(result: Result, assignment: Assignment) -> None:
    result.assignment, result.language = assignment.name, assignment.language
    result.max_score, result.manual_max = assignment.max_score, assignment.manual_max
