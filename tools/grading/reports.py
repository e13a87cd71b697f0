"""What grading writes for people: grades.csv, each learner's feedback, the teacher's copy,
the written answers to mark by hand.

    grades.csv                      one row per learner and assignment (and per file that is
                                    no assignment's): scores, status, reason, sandbox
    feedback/<learner>.md           for the learner, in the notebook's language: each task's
                                    points, each failed check's title and message; never a
                                    hidden test's code or another task's solution
    teacher/<learner>.md            for the teacher: the same and everything else (tracebacks,
                                    what changed in the kernel, what each cell did)
    autograded/<learner>/<a>.ipynb  the notebook as it ran in the sandbox, with its outputs
    written/<assignment>.md         each learner's written answer under the task and rubric
    written_marks.csv               (the teacher's) learner, assignment, points: merged here
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from grading import assignments as assignments_module
from grading.results import Result, safe, write_atomically
from grading.texts import TEXT, Problem

COLUMNS = [
    "learner",
    "assignment",
    "file",
    "score",
    "max_score",
    "written_score",
    "manual_max",
    "total",
    "status",
    "reason",
    "sandbox",
]
STUBS = {"YOUR ANSWER HERE", "ВАШ ОТВЕТ ЗДЕСЬ"}


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def written_marks(path: Path) -> dict[tuple[str, str], float]:
    """The teacher's marks for written answers: {(learner, assignment): points}."""
    marks = {}
    if path.is_file():
        with open(path, encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                try:
                    marks[(row["learner"].strip(), row["assignment"].strip())] = float(
                        row["points"].replace(",", ".")
                    )
                except (KeyError, ValueError, AttributeError):
                    continue
    return marks


def write_all(results: list[Result], assignments: dict, out: Path, marks_file: Path) -> None:
    marks = written_marks(marks_file)
    write_grades(results, marks, out / "grades.csv")
    for learner in sorted({r.learner for r in results}):
        own = [r for r in results if r.learner == learner]
        write_atomically(out / "feedback" / f"{safe(learner)}.md", feedback(learner, own, marks))
        write_atomically(out / "teacher" / f"{safe(learner)}.md", teacher(learner, own))
    for name, assignment in assignments.items():
        answers = [r for r in results if r.assignment == name and r.written is not None]
        if answers:
            text = written_page(assignment, answers)
            write_atomically(out / "written" / f"{name}.md", text)


def write_grades(results: list[Result], marks: dict, path: Path) -> None:
    """grades.csv, replaced in one step: a reader sees the old table or the new one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for r in sorted(results, key=lambda r: (r.learner, r.assignment, r.file)):
        mark = marks.get((r.learner, r.assignment)) if not r.unranked else None
        total = r.score + (mark or 0)
        writer.writerow(
            [r.learner, r.assignment, r.file, number(r.score), number(r.max_score)]
            + ["" if mark is None else number(mark), number(r.manual_max), number(total)]
            + [r.status, r.reason("en"), "bwrap" if r.sandbox else "none"]
        )
    write_atomically(path, buffer.getvalue())


def mark_of(check: dict) -> str:
    return "✓" if check.get("passed") else "✗"


def feedback(learner: str, results: list[Result], marks: dict) -> str:
    """One learner's feedback: what each check said, in the notebook's language."""
    languages = sorted({language for r in results for language in r.languages()})
    titles = [TEXT[language]["title"].format(learner=learner) for language in languages]
    lines = [f"# {' · '.join(titles)}", ""]
    for r in results:
        for language in r.languages():
            t = TEXT[language]
            score = t["points"].format(score=number(r.score), max_score=number(r.max_score))
            lines += [f"## {r.assignment or r.file} · {score}", ""]
            lines += [f"> {Problem(**p).text(language)}" for p in r.problems]
            lines += [""] if r.problems else []
            tasks = {}
            for check in r.checks:
                tasks.setdefault(check["task"], []).append(check)
            for number_, checks in sorted(tasks.items()):
                got = sum(c["points"] for c in checks if c.get("passed"))
                of = sum(c["points"] for c in checks)
                head = t["task"].format(number=number_)
                head = head[0].upper() + head[1:]
                lines.append(
                    f"- **{head}**: {t['points'].format(score=number(got), max_score=number(of))}"
                )
                for check in checks:
                    line = f"  - {mark_of(check)} {check['titles'].get(language) or check['name']}"
                    if not check.get("passed"):
                        messages = check.get("messages")
                        text = (messages or {}).get(language) or t["check_error"]
                        line += f": {one_line(text)}"
                    lines.append(line)
            if r.manual_max and r.checks:
                mark = marks.get((r.learner, r.assignment))
                if mark is None:
                    note = t["manual_note"].format(points=number(r.manual_max))
                    if not r.written or r.written.strip() in STUBS:
                        note += " — " + t["no_written_answer"]
                else:
                    note = "✎ " + t["written_mark"].format(
                        points=number(mark), max_score=number(r.manual_max)
                    )
                lines += ["", note]
            lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def one_line(text: str, limit: int = 600) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def teacher(learner: str, results: list[Result]) -> str:
    """Everything about one learner's notebooks, for the teacher."""
    lines = [f"# {learner} (teacher's copy)", ""]
    for r in results:
        held = f", {number(r.held)} held for review" if r.held else ""
        lines += [
            f"## {r.assignment or r.file} · {number(r.score)} / {number(r.max_score)}{held}",
            "",
            f"- file: `{r.file}`; status: **{r.status}**; "
            f"sandbox: {'bwrap' if r.sandbox else 'none'}; {r.seconds:.1f} s",
        ]
        lines += [f"- {Problem(**p).text('en')}" for p in r.problems]
        if r.tampering:
            lines.append(f"- changed in the kernel: {', '.join(r.tampering)}")
            lines += [f"  - `{line}`" for line in r.tampering_details]
        for cell in r.cells:
            if cell.get("event") == "error":
                lines.append(
                    f"- cell {cell.get('grade_id') or cell.get('first_line')!r}: "
                    f"{cell.get('ename')}: {one_line(cell.get('evalue', ''), 300)}"
                )
        for check in r.checks:
            lines.append(
                f"- {mark_of(check)} task {check['task']} · {check['name']} "
                f"({number(check['points'])}): {check['titles'].get('en', '')}"
            )
            if not check.get("passed") and check.get("trace"):
                lines += ["", "```", check["trace"].rstrip(), "```", ""]
        if r.detail:
            lines += ["", "```", r.detail.rstrip(), "```"]
        lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def written_page(assignment, results: list[Result]) -> str:
    """Every learner's written answer under the task's text and the rubric."""
    t = TEXT[assignment.language] if assignment.language in TEXT else TEXT["en"]
    lines = [f"# {t['written_title'].format(assignment=assignment.name)}", ""]
    for task in assignment.tasks.values():
        if task.manual:  # the task's own text, its heading included
            lines += [task.prompt or f"## {task.title} ({number(task.manual)})", ""]
    rubric = assignments_module.rubric(assignment.name)
    if rubric:
        lines += [f"## {t['rubric']}", "", rubric.strip(), ""]
    lines += [t["record_marks"], ""]
    for r in sorted(results, key=lambda r: r.learner):
        answer = (r.written or "").strip()
        lines += [f"## {r.learner}", "", "*(—)*" if not answer or answer in STUBS else answer, ""]
    return "\n".join(lines)
