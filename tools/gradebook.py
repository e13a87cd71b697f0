"""The term's gradebook: the latest grade per learner and assignment, when it came in, and whether
it was late; and each learner's feedback packed to upload back to the learning platform.

    python tools/gradebook.py --grades build/grades --submissions submissions \\
                              [--deadlines deadlines.csv]

Reads ``grades.csv`` (written by ``make grade``, one row per learner and assignment, later batches
added to earlier ones), ``manifest.csv`` in the submissions folder (written by
``tools/collect.py``: when each notebook was handed in) and an optional ``deadlines.csv`` the
teacher keeps::

    assignment,deadline
    01_rest,2026-09-14T23:59
    02_soap,2026-09-21T23:59

(an assignment without its language suffix covers both languages).  Writes, in the grades folder:

- ``gradebook.csv``: learner, name, assignment, score, max_score, written_score, total, status,
  submitted_at, deadline, late (``yes``, ``no``, or empty when a time or a deadline is unknown),
  late_by_platform (the platform's own mark, from Canvas);
- ``return/``: each learner's feedback (``feedback/<learner>.md``, in the notebook's language)
  ready to upload back: ``return/moodle.zip`` with one folder per participant named as in Moodle's
  download (Moodle's *Upload multiple feedback files in a zip* matches these names), and
  ``return/<learner>.md`` for any other platform or for e-mail.

Run it after every grading batch; it only reads what grading wrote, so a regrade of one learner or
one assignment is reflected the next time it runs.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import re
import shutil
import sys
import zipfile
from pathlib import Path, PurePosixPath

FIELDS = [
    "learner",
    "name",
    "assignment",
    "score",
    "max_score",
    "written_score",
    "total",
    "status",
    "submitted_at",
    "deadline",
    "late",
    "late_by_platform",
]


def read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def deadlines(path: Path | None) -> dict[str, datetime.datetime]:
    found = {}
    for row in read_csv(path) if path else []:
        found[row["assignment"].strip()] = datetime.datetime.fromisoformat(row["deadline"].strip())
    return found


def deadline_of(assignment: str, table: dict[str, datetime.datetime]):
    """The deadline of ``01_rest_ru``: its own, or that of ``01_rest``."""
    return table.get(assignment) or table.get(re.sub(r"_(ru|en)$", "", assignment))


def gradebook_rows(grades: list[dict], manifest: list[dict], table: dict) -> list[dict]:
    handed_in = {(row["learner"], row["file"]): row for row in manifest}
    rows = []
    for grade in grades:
        if not grade.get("assignment"):
            continue  # a file that is no assignment's: its reason is in grades.csv
        sent = handed_in.get((grade["learner"], f"{grade['assignment']}.ipynb"), {})
        due = deadline_of(grade["assignment"], table)
        submitted = sent.get("submitted_at", "")
        late = ""
        if submitted and due:
            late = "yes" if datetime.datetime.fromisoformat(submitted) > due else "no"
        rows.append(
            {
                "learner": grade["learner"],
                "name": sent.get("name", ""),
                "assignment": grade["assignment"],
                "score": grade["score"],
                "max_score": grade["max_score"],
                "written_score": grade.get("written_score", ""),
                "total": grade.get("total", grade["score"]),
                "status": grade["status"],
                "submitted_at": submitted,
                "deadline": due.isoformat(timespec="minutes") if due else "",
                "late": late,
                "late_by_platform": "yes" if sent.get("late_by_platform") == "True" else "",
            }
        )
    return rows


def write_csv_atomically(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    temporary.replace(path)


def moodle_folder(source: str) -> str | None:
    """The participant folder of a Moodle download entry (``…_assignsubmission_file_``)."""
    entry = source.split(":", 1)[-1]
    for part in PurePosixPath(entry).parts:
        if part.endswith("_assignsubmission_file_"):
            return part
    match = re.match(r"^(.+?_\d+_assignsubmission_file_)", PurePosixPath(entry).name)
    return match.group(1) if match else None


def pack_feedback(grades_dir: Path, manifest: list[dict]) -> Path:
    """return/<learner>.md for every learner with feedback, and return/moodle.zip for Moodle's."""
    out = grades_dir / "return"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    folders = {}
    for row in manifest:
        if row.get("platform") == "moodle":
            folder = moodle_folder(row.get("source", ""))
            if folder:
                folders[row["learner"]] = folder
    with zipfile.ZipFile(out / "moodle.zip", "w", zipfile.ZIP_DEFLATED) as moodle:
        for feedback in sorted((grades_dir / "feedback").glob("*.md")):
            learner = feedback.stem
            shutil.copyfile(feedback, out / feedback.name)
            if learner in folders:
                moodle.write(feedback, f"{folders[learner]}/feedback.md")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grades", type=Path, default=Path("build/grades"))
    parser.add_argument("--submissions", type=Path, default=Path("submissions"))
    parser.add_argument("--deadlines", type=Path, default=None)
    args = parser.parse_args(argv)
    grades = read_csv(args.grades / "grades.csv")
    if not grades:
        print(f"error: no grades in {args.grades / 'grades.csv'}: run make grade first")
        return 1
    manifest = read_csv(args.submissions / "manifest.csv")
    rows = gradebook_rows(grades, manifest, deadlines(args.deadlines))
    write_csv_atomically(args.grades / "gradebook.csv", rows)
    returned = pack_feedback(args.grades, manifest)
    late = sum(row["late"] == "yes" for row in rows)
    book = args.grades / "gradebook.csv"
    print(f"{len(rows)} grades in {book} ({late} late); feedback to give back in {returned}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
