"""Make the learners' copy of the course: what a class clones, Binder builds or a hub image holds.

    python tools/learner_copy.py build/learner-copy
    python tools/learner_copy.py build/learner-copy --force   # replace an earlier copy

This repository is the teacher's: it holds `solutions/` (the homework with its answers), the hidden
tests in `solutions/hidden_tests/`, the grader and the test suite.  The learners' copy holds none of
them: the lessons, the mock servers, the self-checks, the homework exercises (generated from the
solutions with every answer and hidden test removed), the glossary and what installs it all.

In the learners' copy every lesson opens *unrun*: no outputs, no execution counts, so a learner
can tell what they have executed.  Each lesson's first cell links to the finished lesson, the same
notebook with every output, kept in `finished/` for reading (for instance on a phone, or before a
class).  Run it again after changing a lesson; it refuses to overwrite an existing copy unless
told, since a learner may be working in it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What learners get, relative to the repository (folders are copied whole).
INCLUDE = (
    "README.md",
    "LICENSE",
    "LICENSE-LESSONS.md",
    "Makefile",
    "pyproject.toml",
    "requirements.txt",
    "runtime.txt",
    "postBuild",
    "mock_servers",
    "labextension",
    "selfcheck",
    "exercises",
    "docs/glossary.md",
)
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", "node_modules")
# Code that must never reach a learner: nbgrader's answer and hidden-test markers, and the
# folders that hold the answers and the hidden tests.
FORBIDDEN = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
FORBIDDEN_FOLDERS = ("solutions", "hidden_tests", "tests")
FINISHED_LINK = {
    "ru": "*Этот урок ещё не запускался.* Готовый урок со всеми результатами, чтобы просто "
    "прочитать: [{name}]({href}).",
    "en": "*This lesson has not been run yet.* The finished lesson with every output, for "
    "reading: [{name}]({href}).",
}


def cleared(notebook: dict) -> dict:
    """The notebook as a learner opens it: no outputs, no execution counts."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def with_finished_link(notebook: dict, language: str, href: str, name: str) -> dict:
    """Add the link to the finished lesson to the navigation cell at the top."""
    first = notebook["cells"][0]
    source = "".join(first["source"])
    link = FINISHED_LINK[language].format(href=href, name=name)
    first["source"] = source.rstrip("\n") + "\n\n" + link + "\n"
    return notebook


def write_notebook(path: Path, notebook: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def copy_lessons(out: Path) -> None:
    source = ROOT / "notebooks"
    for path in sorted(source.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        relative = path.relative_to(source)
        notebook = json.loads(path.read_text(encoding="utf-8"))
        # The finished lesson, outputs and all, for reading.
        shutil.copyfile(path, _ensure(out / "finished" / relative))
        lesson = cleared(notebook)
        language = relative.parts[0] if len(relative.parts) > 1 else None
        if language in FINISHED_LINK:
            href = "../" * len(relative.parts) + f"finished/{relative.as_posix()}"
            lesson = with_finished_link(lesson, language, href, relative.name)
        write_notebook(out / "notebooks" / relative, lesson)


def _ensure(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def leaks(out: Path) -> list[str]:
    """Files of the copy that hold an answer or a hidden test (there must be none)."""
    found = []
    for path in out.rglob("*"):
        parts = path.relative_to(out).parts
        if any(part in FORBIDDEN_FOLDERS for part in parts):
            found.append(f"{path.relative_to(out)}: a teacher's folder")
        if path.is_file() and path.suffix in {".py", ".ipynb"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(out)}: {word}" for word in FORBIDDEN if word in text]
    return found


def make_copy(out: Path, *, force: bool = False) -> Path:
    if out.exists():
        if not force:
            raise FileExistsError(f"{out} exists (a learner may be working in it): use --force")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in INCLUDE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=IGNORE)
        elif source.exists():
            shutil.copyfile(source, _ensure(out / name))
    if (ROOT / "postBuild").exists():
        (out / "postBuild").chmod(0o755)
    copy_lessons(out)
    problems = leaks(out)
    if problems:
        shutil.rmtree(out)
        raise RuntimeError("answers or hidden tests would reach learners:\n" + "\n".join(problems))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "build" / "learner-copy")
    parser.add_argument("--force", action="store_true", help="replace an existing copy")
    args = parser.parse_args(argv)
    try:
        out = make_copy(args.out, force=args.force)
    except (FileExistsError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"learners' copy in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
