"""How many homework notebooks `make grade` grades per minute, and what the sandbox costs.

    python benchmarks/grading.py [--copies 1] [--jobs N] [--lessons 01_rest,02_soap]

1. A class: every assignment solved, partly solved and unsolved, ``--copies`` times over, as
   learners hand them in, graded with the sandbox on (the figure to plan a session by), and
   each lesson's own rate (lessons that import more start slower).
2. The sandbox's own cost: one notebook (01_rest_en unsolved) graded several times one at a
   time, with the sandbox and with --no-sandbox; the difference per notebook is the sandbox's
   (network namespace, bubblewrap, cgroups); and the start of a Python that does nothing,
   bare and inside the sandbox.

Each figure counts whole runs of tools/grade.py, as `make grade` runs it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "fixtures" / "submissions"


def grade(folder: Path, *options: str) -> tuple[list[dict], float, Path]:
    """Grade ``folder``; (rows of grades.csv, seconds, output folder)."""
    out = Path(tempfile.mkdtemp())
    command = [sys.executable, str(ROOT / "tools" / "grade.py"), str(folder), "--out", str(out)]
    began = time.perf_counter()
    subprocess.run(command + list(options), check=True, capture_output=True)
    seconds = time.perf_counter() - began
    with open(out / "grades.csv", encoding="utf-8") as file:
        return list(csv.DictReader(file)), seconds, out


def a_class(folder: Path, copies: int, lessons: list[str] | None) -> None:
    for kind in ("solved", "partial", "unsolved"):
        for copy in range(1, copies + 1):
            target = folder / f"{kind}_{copy}"
            target.mkdir(parents=True)
            for path in (EXAMPLES / kind).glob("*.ipynb"):
                if not lessons or path.stem.rsplit("_", 1)[0] in lessons:
                    shutil.copy(path, target)


def report(label: str, count: int, seconds: float) -> None:
    rate = count / seconds * 60
    print(f"{label:<44} {count:3} notebooks {seconds:6.1f} s  {rate:5.1f} per minute")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--jobs", type=int, help="notebooks at a time (grade.py's default)")
    parser.add_argument("--lessons", help="comma-separated, e.g. 01_rest,02_soap (all)")
    parser.add_argument("--repeat", type=int, default=4, help="runs of the overhead figure")
    args = parser.parse_args(argv)
    lessons = args.lessons.split(",") if args.lessons else None
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "class"
        a_class(folder, args.copies, lessons)
        rows, seconds, out = grade(folder, *jobs)
        report("a class (solved, partial, unsolved), sandbox", len(rows), seconds)
        spent: dict[str, list[float]] = {}
        for path in (out / "results").glob("*/*.json"):
            result = json.loads(path.read_text(encoding="utf-8"))
            lesson = result["assignment"].rsplit("_", 1)[0]
            spent.setdefault(lesson, []).append(result["seconds"])
        for lesson, times in sorted(spent.items()):
            print(f"  {lesson:<20} {sum(times) / len(times):5.1f} s per notebook, in the class run")
        problems = [r for r in rows if r["status"] != "ok"]
        if problems:
            print(f"  ({len(problems)} not ok: {sorted({r['status'] for r in problems})})")
        shutil.rmtree(out, ignore_errors=True)

        single = Path(temporary) / "single"
        for number in range(args.repeat):
            (single / f"learner{number}").mkdir(parents=True)
            shutil.copy(EXAMPLES / "unsolved" / "01_rest_en.ipynb", single / f"learner{number}")
        figures = {}
        for label, options in (("sandbox", []), ("bare (--no-sandbox)", ["--no-sandbox"])):
            rows, seconds, out = grade(single, "--jobs", "1", *options)
            figures[label] = seconds / len(rows)
            shutil.rmtree(out, ignore_errors=True)
            print(f"one notebook at a time, {label:<22} {figures[label]:5.2f} s per notebook")
        overhead = figures["sandbox"] - figures["bare (--no-sandbox)"]
        print(f"the sandbox's own cost                    {overhead:5.2f} s per notebook")
        start_alone(args.repeat * 5)


def start_alone(times: int) -> None:
    """The sandbox's start on its own: a Python in bubblewrap and a network namespace, with
    its cgroups, beside a bare Python (what grading adds to each notebook's kernel start)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from grading import limits, sandbox

    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o777)
        cgroup = limits.Cgroup(f"benchmark-{os.getpid()}", limits.Limits())
        try:
            argv = sandbox.kernel_argv(Path(scratch), cgroup, limits.Limits(), [])
            python = argv.index(sys.executable)
            boxed = sandbox.judge_prefix() + argv[:python] + [sys.executable, "-c", "pass"]
            for label, command in (("bare", [sys.executable, "-c", "pass"]), ("sandboxed", boxed)):
                began = time.perf_counter()
                for _ in range(times):
                    subprocess.run(command, check=True)
                each = (time.perf_counter() - began) / times
                print(f"a Python that does nothing, {label:<14} {each * 1000:6.0f} ms")
        finally:
            cgroup.close()


if __name__ == "__main__":
    main()
