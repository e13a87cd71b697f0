"""One result per learner and assignment, kept on disk so that runs add up.

Each graded notebook's result is written, atomically, to ``results/<learner>/<key>.json`` in the
output folder as soon as it is known; the tables and feedback are made from all of them.  A
later batch adds results instead of wiping earlier ones; an interrupted run loses only the
notebooks it was grading; running again grades what has no result yet (or whose file or hidden
tests changed).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.texts import Problem, worse


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
    problems: list = field(default_factory=list)  # Problem.data()
    checks: list = field(default_factory=list)  # grading.hidden.run_checks(), traces included
    cells: list = field(default_factory=list)  # what happened in each cell (grading.run)
    tampering: list = field(default_factory=list)
    tampering_details: list = field(default_factory=list)  # for the teacher
    held: float = 0.0  # points held while the notebook needs review
    written: str | None = None  # the written answer, for the teacher
    sandbox: bool = True
    sha256: str = ""
    version: str = ""
    detail: str = ""  # for the teacher: a traceback of the grader's own failure
    seconds: float = 0.0

    def add(self, status: str, key: str, **values) -> None:
        self.problems.append(Problem(key, values).data())
        self.status = worse(status, self.status)

    @property
    def key(self) -> str:
        """What the result is stored under: its assignment, or its file when it has none."""
        return self.assignment if self.assignment and not self.unranked else safe(self.file)

    @property
    def unranked(self) -> bool:
        """A result that must not stand for the learner's assignment (a second copy of it)."""
        return self.status in ("duplicate",)

    def languages(self) -> list[str]:
        return [self.language] if self.language else ["en", "ru"]

    def reason(self, language: str = "en") -> str:
        return " ".join(Problem(**p).text(language) for p in self.problems)


def safe(name: str) -> str:
    """A file name made of ``name``: letters (any alphabet), digits, dot, dash, underscore."""
    cleaned = re.sub(r"[^\w.-]", "_", name).lstrip(".")
    return cleaned[:100] or "_"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def save(out: Path, result: Result) -> Path:
    path = out / "results" / safe(result.learner) / f"{result.key}.json"
    write_atomically(path, json.dumps(asdict(result), ensure_ascii=False, indent=1))
    return path


def load_all(out: Path) -> list[Result]:
    results = []
    for path in sorted((out / "results").glob("*/*.json")):
        try:
            results.append(Result(**json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue  # a result from an older grader: it is graded again
    return results


def stored(out: Path, learner: str, key: str) -> Result | None:
    path = out / "results" / safe(learner) / f"{key}.json"
    try:
        return Result(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
