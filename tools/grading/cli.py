"""The grading command: find, grade (a few notebooks at a time), report; progress as it goes.

    python tools/grade.py SUBMISSIONS [--out build/grades] [--jobs N] [--cell-timeout 30]
        [--timeout 300] [--memory 1024] [--processes 128] [--file-size 64] [--network]
        [--regrade] [--accept-review LEARNER/ASSIGNMENT ...] [--written-marks FILE]
        [--no-sandbox]

See grading/__init__.py for what the grading guarantees.  Ctrl-C stops it: the notebooks
being graded are stopped, every result found so far is kept and written; running the same
command again grades the rest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from grading import assignments as assignments_module
from grading import limits, notebook, reports, results, sandbox, submissions, verdict
from grading.limits import Limits

ROOT = assignments_module.ROOT


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="grade.py",
        description="Grade learners' homework notebooks, each in a sandbox, with hidden tests "
        "that run apart from the learner's code.",
        epilog="The results: grades.csv, feedback/, teacher/, autograded/, written/ in --out.",
    )
    parser.add_argument("submissions", type=Path, nargs="?", help="one folder per learner")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grades")
    jobs = max(1, min(8, 2 * (os.cpu_count() or 1)))
    parser.add_argument("--jobs", type=int, default=jobs, help=f"notebooks at a time ({jobs})")
    parser.add_argument("--cell-timeout", type=float, default=30, help="seconds per cell (30)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook (300)")
    parser.add_argument("--memory", type=int, default=1024, help="MiB per notebook (1024)")
    parser.add_argument("--processes", type=int, default=128, help="per notebook (128)")
    parser.add_argument("--file-size", type=int, default=64, help="MiB per written file (64)")
    parser.add_argument("--network", action="store_true", help="let notebooks reach other machines")
    parser.add_argument("--regrade", action="store_true", help="grade again what has a result")
    parser.add_argument(
        "--accept-review",
        action="append",
        default=[],
        metavar="LEARNER/ASSIGNMENT",
        help="accept the held points of a notebook marked needs_review, after reading it",
    )
    parser.add_argument(
        "--written-marks",
        type=Path,
        help="CSV of learner,assignment,points for the written answers "
        "(default: OUT/written_marks.csv)",
    )
    parser.add_argument("--hidden-tests", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run the notebooks as your own user, the old way: trusted work only",
    )
    args = parser.parse_args(argv)
    if args.submissions is not None and not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    args.out = args.out.resolve()
    args.written_marks = args.written_marks or args.out / "written_marks.csv"
    args.limits = Limits(
        memory=args.memory * 2**20,
        processes=args.processes,
        file_size=args.file_size * 2**20,
        cell_timeout=args.cell_timeout,
        timeout=args.timeout,
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # A command started in the background of a script inherits an ignored SIGINT, and Python
    # then never raises KeyboardInterrupt: Ctrl-C (or kill -INT) would do nothing at all.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.sandbox and args.submissions is not None:
        lacking = sandbox.missing()
        if lacking:
            print(
                "The grading sandbox cannot run here; missing: " + "; ".join(lacking) + ".",
                file=sys.stderr,
            )
            print(
                "Install bubblewrap (make grade does), run as root, or grade trusted work "
                "with --no-sandbox.",
                file=sys.stderr,
            )
            return 3
    started = time.monotonic()
    assignments = assignments_module.load_all(ROOT, args.hidden_tests)
    graded: list[results.Result] = []
    kept: list[results.Result] = []
    interrupted = False
    if args.submissions is not None:
        try:
            graded, kept = grade_folder(args.submissions.resolve(), assignments, args)
        except KeyboardInterrupt:
            interrupted = True
    for item in args.accept_review:
        accept(args.out, item)
    every = results.load_all(args.out)
    reports.write_all(every, assignments, args.out, args.written_marks)
    print_table(graded, time.monotonic() - started)
    if kept:
        print(f"Kept {len(kept)} results of earlier runs (same file, same hidden tests).")
    print(f"Grades: {args.out / 'grades.csv'}; feedback: {args.out / 'feedback'}")
    if interrupted:
        print("Stopped by Ctrl-C: the results so far are written; run again for the rest.")
        return 130
    return 0


def accept(out: Path, item: str) -> None:
    learner, _, assignment = item.partition("/")
    result = results.stored(out, learner, assignment)
    if result is None or result.status != "needs_review":
        print(f"warning: {item} has no result that needs review", file=sys.stderr)
        return
    verdict.accept(result)
    results.save(out, result)


def grade_folder(folder: Path, assignments: dict, args) -> tuple[list, list]:
    """Grade what has no result yet; (results of this run, results kept from earlier runs)."""
    from tqdm import tqdm

    prepared = submissions.prepare(submissions.find(folder), assignments)
    work = Path(tempfile.mkdtemp(prefix="grading-"))
    hidden_folder = args.hidden_tests or ROOT / "solutions" / "hidden_tests"
    args.hide = [folder, args.out, work, hidden_folder.resolve()]
    todo, done, kept = [], [], []
    for result, nb in prepared:
        result.sandbox = args.sandbox
        if not args.sandbox:
            result.add("ok", "no_sandbox")
        if nb is None:
            results.save(args.out, result)
            done.append(result)
            continue
        old = results.stored(args.out, result.learner, result.key)
        if (
            old
            and not args.regrade
            and (old.sha256, old.version, old.sandbox)
            == (result.sha256, result.version, args.sandbox)
        ):
            kept.append(old)
            continue
        todo.append((result, nb))
    if todo:  # the judges of this run start from their imports, done once
        modules = sorted({str(assignments[r.assignment].hidden) for r, _ in todo})
        notebook.start_fork_server(modules, args.sandbox and not args.network)
    problems = sum(1 for r in done + kept if r.status != "ok")
    stop = threading.Event()
    bar = tqdm(total=len(todo), unit="notebook", disable=None, dynamic_ncols=True)
    bar.set_postfix(problems=problems)

    def one(result, nb):
        if stop.is_set():
            return None
        try:
            notebook.grade(result, nb, assignments[result.assignment], work, args)
        except Exception as error:  # noqa: BLE001 - one notebook's failure stops no other
            result.add("error", "error", detail=f"{type(error).__name__}: {error}"[:300])
        if stop.is_set():
            return None  # stopped half way: graded again next time
        results.save(args.out, result)
        save_notebook(args.out, result)
        return result

    pool = ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(one, result, nb) for result, nb in todo]
        for future in as_completed(futures):
            result = future.result()
            if result is not None:
                done.append(result)
                problems += result.status != "ok"
            bar.update(1)
            bar.set_postfix(problems=problems)
    except KeyboardInterrupt:
        stop.set()
        notebook.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        shutil.rmtree(work, ignore_errors=True)
        if args.sandbox:
            limits.tidy()
    return done, kept


def save_notebook(out: Path, result: results.Result) -> None:
    text = getattr(result, "notebook", None)
    if text:
        path = out / "autograded" / results.safe(result.learner) / f"{result.key}.ipynb"
        results.write_atomically(path, text)


def print_table(graded: list[results.Result], seconds: float) -> None:
    rows = [["learner", "assignment", "score", "status", "reason"]]
    for r in graded:
        reason = r.reason("en")
        reason = reason if len(reason) <= 70 else reason[:69] + "…"
        score = f"{reports.number(r.score)}/{reports.number(r.max_score)}" if r.max_score else "-"
        rows.append([r.learner, r.assignment or r.file, score, r.status, reason])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
    count = len(graded)
    rate = count / seconds * 60 if seconds else 0.0
    print(f"\nGraded {count} submissions in {seconds:.1f} s ({rate:.1f} per minute).")
