"""Judging: the score, status and reasons of one notebook, from the judge's data alone.

The points are the sum of the hidden checks that passed in the judge; nothing the notebook
printed or stored counts.  A notebook stopped by a limit, or whose kernel died, gets the status
of what stopped it; a notebook that changed the kernel's machinery gets ``needs_review`` and
its points are held until the teacher accepts them.
"""

from __future__ import annotations

from grading.assignments import Assignment, task_number
from grading.limits import Limits
from grading.results import Result
from grading.texts import nested


def judge(result: Result, report: dict, assignment: Assignment, limits: Limits) -> None:
    hit = report.get("hit") or {}
    failure = report.get("failure")
    result.cells = report.get("cells") or []
    result.checks = report.get("checks") or []
    result.tampering = report.get("tampering") or []
    result.tampering_details = report.get("tampering_details") or []
    seconds = _number(limits.cell_timeout)
    for cell in result.cells:
        where = place(cell, assignment)
        if cell.get("event") == "cell_timed_out":
            result.add("timed_out", "cell_timed_out", seconds=seconds, where=where)
        elif cell.get("event") == "unstoppable":
            result.add("timed_out", "unstoppable", seconds=seconds, where=where)
        elif cell.get("event") == "notebook_timed_out":
            result.add("timed_out", "notebook_timed_out", seconds=_number(limits.timeout))
    if hit.get("oom_kill") or (hit.get("memory_failures") and failure == "kernel_died"):
        result.add("memory_limit", "memory_limit", megabytes=limits.memory // 2**20)
    elif failure == "kernel_died":
        result.add("kernel_died", "kernel_died")
    if hit.get("processes"):
        result.add("process_limit", "process_limit", count=limits.processes)
    if report.get("file_limit"):
        result.add("file_limit", "file_limit", megabytes=limits.file_size // 2**20)
    if failure == "error":
        detail = (report.get("detail") or "").strip().splitlines() or ["unknown"]
        result.add("error", "error", detail=detail[-1][:300])
        result.detail = report.get("detail") or ""
    if failure:
        result.score = 0.0
        return
    result.score = sum(c["points"] for c in result.checks if c.get("passed"))
    if result.tampering:
        result.held, result.score = result.score, 0.0
        result.add("needs_review", "needs_review", what=", ".join(result.tampering))


def accept(result: Result) -> None:
    """The teacher read the notebook and accepts its points."""
    if result.status == "needs_review":
        result.score, result.held = result.held, 0.0
        result.status = "ok"
        for problem in result.problems:
            if problem["key"] == "needs_review":
                problem["key"] = "accepted"
                problem["values"] = {}


def place(cell: dict, assignment: Assignment) -> dict:
    """Where a cell is, as a text: "task 2, answer cell" or "a cell you added: ..."."""
    number = task_number(cell.get("grade_id"))
    if number and cell["grade_id"].endswith("_answer"):
        return nested("where", task=nested("task", number=number), kind=nested("answer"))
    if cell.get("grade_id"):
        return nested("named_cell", name=cell["grade_id"])
    return nested("added_cell", line=cell.get("first_line", "")[:60])


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
