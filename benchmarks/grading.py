"""How many homework notebooks `make grade` grades per minute.

    python benchmarks/grading.py [--copies 3] [--jobs N]   (default: grade.py's, 2 per CPU)

Two runs of tools/grade.py, each in a process of its own as `make grade` runs it:

1. a class: every assignment solved, partly solved and unsolved, ``--copies`` times
   over, as learners hand them in (the figure to plan a grading session by);
2. the example submissions in tests/fixtures/submissions, broken ones included;
   their endless loops wait out --cell-timeout, so this rate is lower.

Each figure counts the whole run: the gradebook made from the solutions first,
then every notebook in a fresh kernel on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "fixtures" / "submissions"
CELL_TIMEOUT = 10


def grade(folder: Path, jobs: int | None) -> tuple[int, float]:
    """Grade ``folder`` with tools/grade.py; (notebooks graded, seconds)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "tools" / "grade.py"), str(folder), "--out", out]
        command += ["--cell-timeout", str(CELL_TIMEOUT)] + (["--jobs", str(jobs)] if jobs else [])
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - began
        rows = (Path(out) / "grades.csv").read_text(encoding="utf-8").strip().splitlines()
    return len(rows) - 1, seconds


def a_class(folder: Path, copies: int) -> None:
    """Learners with the solved, partial and unsolved example notebooks, ``copies`` each."""
    for kind in ("solved", "partial", "unsolved"):
        for copy in range(1, copies + 1):
            shutil.copytree(EXAMPLES / kind, folder / f"{kind}_{copy}")


def report(label: str, count: int, seconds: float) -> None:
    rate = count / seconds * 60
    print(f"{label:<48} {count:3} notebooks {seconds:6.1f} s  {rate:5.1f} per minute")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="notebooks at a time")
    args = parser.parse_args(argv)
    jobs = args.jobs or min(8, 2 * (os.cpu_count() or 1))
    print(f"{os.cpu_count()} CPUs, {jobs} notebooks at a time")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        a_class(folder, args.copies)
        report("a class (solved, partial, unsolved)", *grade(folder, args.jobs))
    report(
        f"examples, broken ones too (--cell-timeout {CELL_TIMEOUT})", *grade(EXAMPLES, args.jobs)
    )


if __name__ == "__main__":
    main()
