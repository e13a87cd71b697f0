"""The judge: grades one notebook, apart from the learner's code, and prints the result as JSON.

    python -m grading.judge JOB.json     (tools/ on sys.path; started by grading.cli)

Started by the main grader inside a network namespace of its own (see grading.sandbox).  It
starts the course servers the hidden tests need behind wire taps, starts the learner's kernel
in the sandbox, runs the learner's notebook in it cell by cell, takes a look at the kernel's
machinery (grading.tamper), then runs the hidden checks here, in this process, where no learner
code runs.  Its result is data for the main grader: result.json in the job folder.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import grading
from grading import bridge, hidden, run, tamper
from mock_servers import STYLES

CLONE_NEWNET = 0x40000000  # <sched.h>: a network namespace of its own


class Context:
    """``ctx`` of a hidden-test module: the learner's kernel and the judge's own servers."""

    def __init__(self, lang: str, learner: bridge.Learner, servers: dict, taps: dict) -> None:
        self.lang = lang
        self.learner = learner
        self._servers = servers
        self._taps = taps

    def url(self, style: str) -> str:
        return self._taps[style].url

    def tap(self, style: str):
        return self._taps[style]

    def server(self, style: str):
        return self._servers[style]


def start_servers(styles) -> tuple[dict, dict]:
    from mock_servers import wire

    servers, taps = {}, {}
    for style in styles:
        servers[style] = importlib.import_module(STYLES[style]).start()
        taps[style] = wire.tap(servers[style])
    return servers, taps


def judge(job: dict) -> dict:
    folder = Path(job["folder"])
    result: dict = {"cells": [], "checks": [], "tampering": [], "failure": None}
    if job["private_network"]:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    module = hidden.load(Path(job["hidden"]))
    servers, taps = start_servers(getattr(module, "SERVERS", ()))
    deadline = time.monotonic() + job["timeout"]
    kernel = None
    try:
        kernel = run.start_kernel(job, folder)
        learner = bridge.Learner(kernel)
        before = probe(learner)
        notebook = json.loads((folder / "notebook.json").read_text(encoding="utf-8"))
        result["cells"], result["failure"] = run.run_cells(kernel, notebook, deadline)
        (folder / "executed.json").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        if result["failure"] in ("timed_out", "kernel_died"):
            return result  # nothing of the learner's can be called any more
        after = probe(learner)
        result["tampering"] = tamper.differences(before, after)
        result["tampering_details"] = tamper.details(before, after)
        ctx = Context(job["lang"], learner, servers, taps)
        if hasattr(module, "setup"):
            try:
                module.setup(ctx)
            except Exception:  # noqa: BLE001 - the checks then fail one by one, and say why
                result["setup_error"] = traceback.format_exc()
        kernel.timeout = job["cell_timeout"]
        result["checks"] = hidden.run_checks(module, ctx)
        if not kernel.alive():
            result["failure"] = "kernel_died"
        return result
    finally:
        if kernel is not None:
            run.stop_kernel(kernel)
        for tap in taps.values():
            tap.stop()
        for server in servers.values():
            server.stop()


def probe(learner: bridge.Learner):
    """What grading.tamper looks at in the kernel, or why it could not."""
    try:
        learner.run(tamper.DEFINE)
        return learner.eval(tamper.CALL)
    except hidden.LearnerError as error:
        return {"error": str(error)}


def forked(folder: str, private_network: bool) -> None:
    """A judge forked from the grader's fork server (grading.preload): a session and a log of
    its own, its own network namespace when asked, then main()."""
    os.setsid()  # so that a timeout stops it and all it started
    log = os.open(os.path.join(folder, "judge.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1)
    os.dup2(log, 2)
    if private_network:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    os.chdir(folder)
    main(folder)


def main(folder: str | None = None) -> int:
    grading.skip_iri_parser()  # a judge of its own (python -m): before the servers' imports
    folder = Path(folder or sys.argv[1])
    job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    job["folder"] = str(folder)
    try:
        result = judge(job)
    except Exception:  # noqa: BLE001 - the main grader reports it as this notebook's error
        result = {"failure": "error", "detail": traceback.format_exc()}
    (folder / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
