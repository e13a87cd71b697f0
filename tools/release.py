"""Generate the learners' exercises/ from solutions/ with nbgrader generate_assignment.

    python tools/release.py           # write exercises/ anew
    python tools/release.py --check   # exit 1 if exercises/ is not what solutions/ gives

The solutions are the single source.  Each assignment is a folder
``solutions/<name>/`` holding ``<name>.ipynb``, where <name> ends in the language
(``01_rest_en``, ``01_rest_ru``).  nbgrader turns it into the exercise: outputs
cleared, solutions replaced by a stub, hidden tests removed, cells locked and
checksummed.  It runs in a temporary course folder, so no gradebook or other
nbgrader file lands in the repository; its output has nothing that varies
between runs, so the committed exercises can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CONFIG_FILE = ROOT / "nbgrader_config.py"

# What a learner sees in place of a solution, in the notebook's language.
STUBS = {
    "en": ("# YOUR CODE HERE\nraise NotImplementedError()", "YOUR ANSWER HERE"),
    "ru": ("# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()", "ВАШ ОТВЕТ ЗДЕСЬ"),
}


def assignments() -> list[str]:
    """The assignments in solutions/, in order."""
    return sorted(
        path.name
        for path in SOLUTIONS.iterdir()
        if path.is_dir() and (path / f"{path.name}.ipynb").is_file()
    )


def language(assignment: str) -> str:
    """The language of an assignment, from its name's ending."""
    suffix = assignment.rsplit("_", 1)[-1]
    if suffix not in STUBS:
        raise ValueError(f"assignment {assignment!r} must end in _{' or _'.join(STUBS)}")
    return suffix


def course_config(course: Path):
    """nbgrader's configuration from nbgrader_config.py, moved to the folder ``course``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    config.CourseDirectory.root = str(course)
    for step in ("submitted", "autograded", "feedback"):
        setattr(config.CourseDirectory, f"{step}_directory", step)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    return config


def with_tools_on_path() -> None:
    # nbgrader runs the `alembic` command when it creates a gradebook; it sits
    # next to this Python even when the virtual environment is not activated.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def generate(names: list[str], course: Path, database: bool = False) -> Path:
    """Generate ``names`` in the course folder ``course``; return its release folder.

    With ``database`` the course's gradebook learns the assignments too (their
    tests and checksums), which grading needs.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    with_tools_on_path()
    config = course_config(course)
    source = course / config.CourseDirectory.source_directory
    for name in names:
        shutil.copytree(SOLUTIONS / name, source / name, dirs_exist_ok=True)
    config.SaveCells.enabled = database
    for name in names:
        code_stub, text_stub = STUBS[language(name)]
        config.ClearSolutions.code_stub = {"python": code_stub}
        config.ClearSolutions.text_stub = text_stub
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = name
        app = GenerateAssignment(coursedir=coursedir, config=config)
        app.force = True
        app.create_assignment = True
        app.no_database = not database
        result = capture_log(app)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not generate {name}:\n{result.get('log', '')}")
    return course / config.CourseDirectory.release_directory


def differences(generated: Path, committed: Path) -> list[str]:
    """Files that differ between two release folders, as short lines."""

    def files(folder: Path) -> dict[str, bytes]:
        if not folder.is_dir():
            return {}
        return {
            str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and ".ipynb_checkpoints" not in path.parts
        }

    new, old = files(generated), files(committed)
    lines = [f"missing: exercises/{name}" for name in sorted(new.keys() - old.keys())]
    lines += [f"not from solutions/: exercises/{name}" for name in sorted(old.keys() - new.keys())]
    lines += [
        f"out of date: exercises/{name}"
        for name in sorted(new.keys() & old.keys())
        if old[name] != new[name]
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="release-") as temporary:
        release = generate(assignments(), Path(temporary))
        if args.check:
            problems = differences(release, EXERCISES)
            for line in problems:
                print(line)
            if problems:
                print("Run `python tools/release.py` to regenerate exercises/ from solutions/.")
            return 1 if problems else 0
        if EXERCISES.exists():
            shutil.rmtree(EXERCISES)
        shutil.copytree(release, EXERCISES)
    for name in assignments():
        print(f"exercises/{name}/{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
