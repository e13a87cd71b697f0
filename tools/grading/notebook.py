"""Grading one notebook: a judge process in a network of its own, and what it found.

The main grader writes the notebook and a job description into a folder of its own, makes the
notebook's cgroups, starts the judge (grading.judge) and waits for it no longer than the
notebook's time limit and a margin.  Afterwards it kills whatever is left in the cgroups,
removes them, reads the judge's result.json (data only) and the cgroups' counters, and turns
them into the notebook's result: the score, the status, the reasons.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from grading import limits as limits_module
from grading import sandbox, verdict
from grading.assignments import Assignment
from grading.limits import Limits
from grading.results import Result

TOOLS = Path(__file__).resolve().parent.parent
MARGIN = 30.0  # seconds the judge gets beyond the notebook's limit: kernel start, checks
RUNNING: set = set()  # the judges running now, stopped all at once by stop_all()


def stop_all() -> None:
    """Ctrl-C: stop every running judge and all it started (their cgroups are then emptied)."""
    for process in list(RUNNING):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def grade(result: Result, nb, assignment: Assignment, work: Path, options) -> None:
    """Grade ``nb`` (a prepared notebook) into ``result``."""
    import nbformat

    folder = Path(tempfile.mkdtemp(prefix="notebook-", dir=os.path.realpath(work)))
    scratch = folder / "scratch"
    scratch.mkdir()
    os.chmod(scratch, 0o777)  # the kernel's user inside the sandbox writes here
    limits: Limits = options.limits
    job = {
        "assignment": assignment.name,
        "lang": assignment.language,
        "hidden": str(assignment.hidden),
        "scratch": str(scratch),
        "sandbox": options.sandbox,
        "private_network": options.sandbox and not options.network,
        "limits": asdict(limits),
        "cell_timeout": limits.cell_timeout,
        "timeout": limits.timeout,
        "hide": [str(p) for p in options.hide],
        "cgroup": [],
    }
    (folder / "notebook.json").write_text(nbformat.writes(nb), encoding="utf-8")
    cgroup = None
    started = time.monotonic()
    try:
        if options.sandbox:
            cgroup = limits_module.Cgroup(f"{os.getpid()}-{folder.name}", limits)
            job["cgroup"] = cgroup.procs
        (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
        finished = run_judge(folder, limits.timeout + MARGIN, options)
    finally:
        hit = cgroup.hit() if cgroup else {}
        if cgroup:
            cgroup.close()
    result.seconds = time.monotonic() - started
    report = read_report(folder)
    if not finished and report is None:
        report = {"failure": "timed_out", "cells": [{"event": "notebook_timed_out"}]}
    report = report or {"failure": "error", "detail": "the judge stopped without a result"}
    report["file_limit"] = written_too_much(scratch, limits.file_size)
    report["hit"] = hit
    verdict.judge(result, report, assignment, limits)
    executed = folder / "executed.json"
    result.notebook = executed.read_text(encoding="utf-8") if executed.exists() else None
    if not options.keep:
        shutil.rmtree(folder, ignore_errors=True)


def start_fork_server(hidden_modules: list[str], private_network: bool) -> None:
    """Fork the judges from one process that has imported what they need (grading.preload).

    A forked judge enters its own network namespace with unshare(2), which needs the privilege
    that ``unshare --net`` has as root; without root, each judge is a new Python instead.
    """
    global FORK
    if (private_network and os.geteuid() != 0) or not sys.platform.startswith("linux"):
        return
    os.environ["GRADING_PRELOAD"] = json.dumps(hidden_modules)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["grading.preload"])
    FORK = context


FORK = None


def run_judge(folder: Path, timeout: float, options) -> bool:
    """Run the judge for ``folder``; False when it had to be stopped."""
    if FORK is not None:
        return run_forked(folder, timeout, options.sandbox and not options.network)
    command = [sys.executable, "-m", "grading.judge", str(folder)]
    if options.sandbox and not options.network:
        command = sandbox.judge_prefix() + command
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(TOOLS)
    with open(folder / "judge.log", "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal stops the grader, which stops this
        )
        RUNNING.add(process)
        try:
            process.wait(timeout=timeout)
            return True
        except BaseException:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            if isinstance(sys.exc_info()[1], subprocess.TimeoutExpired):
                return False
            raise
        finally:
            RUNNING.discard(process)


def run_forked(folder: Path, timeout: float, private_network: bool) -> bool:
    from grading import judge

    process = FORK.Process(target=judge.forked, args=(str(folder), private_network))
    process.start()
    RUNNING.add(process)
    try:
        process.join(timeout)
        if process.exitcode is not None:
            return True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.join()
        return False
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.join()
        raise
    finally:
        RUNNING.discard(process)


def read_report(folder: Path) -> dict | None:
    path = folder / "result.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log = folder / "judge.log"
        if log.exists():
            text = log.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                return {"failure": "error", "detail": text[-2000:]}
        return None
    return report if isinstance(report, dict) else None


def written_too_much(scratch: Path, limit: int) -> bool:
    """Whether a file in the scratch folder reached the size limit (and was cut there)."""
    for top, _dirs, files in os.walk(scratch, followlinks=False):
        for name in files:
            try:
                if os.lstat(Path(top, name)).st_size >= limit:
                    return True
            except OSError:
                continue
    return False
