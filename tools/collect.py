"""Turn a learning platform's bulk download of homework into the folder `make grade` reads.

    python tools/collect.py EXPORT.zip [EXPORT2.zip ...] --out submissions
    make collect EXPORT=moodle-download.zip

Formats understood (the platform's own "download all submissions" archive, unchanged):

- **Moodle** (Assignment → View all submissions → Download all submissions), both layouts:
  one folder per participant, ``Anna Ivanova_1234567_assignsubmission_file_/01_rest_ru.ipynb``
  (the default since Moodle 3.x), or flat files
  ``Anna Ivanova_1234567_assignsubmission_file_01_rest_ru.ipynb``.
- **Canvas** (Assignment → Download Submissions): flat files
  ``ivanovaanna_1234567_89012345_01_rest_ru.ipynb``, with ``_LATE_`` after the name when Canvas
  marked the submission late, and ``-1``, ``-2`` … appended to a re-uploaded file's name.
- **A plain folder layout** already in place (``learner/01_rest_ru.ipynb``), inside a zip.

Each learner gets a folder named ``<name>-<platform id>`` (letters of any alphabet kept, other
characters replaced), and each notebook is saved under its assignment's name when the file name
shows it (``01_rest_ru-1.ipynb`` → ``01_rest_ru.ipynb``).  A learner with two files for one
assignment keeps the newest (by the time in the archive).  Nothing is overwritten with an older
file; a later export adds to the same folder.  ``manifest.csv`` in the output records, per
notebook: learner, name, platform, file, submitted_at (the time the archive gives, on the
platform's clock), late_by_platform (Canvas's mark) and the entry it came from.  Whatever could
not be placed (not a notebook, a name no rule reads, an unsafe path) is listed at the end, and
the exit status is 1 if there was any.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ASSIGNMENT = re.compile(r"(\d\d_[a-z]+_(?:ru|en))(?:-\d+)?\.ipynb$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_file_(?:/)?(?P<file>.*)$")
CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?P<late>LATE_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>[^/]+)$")
MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024  # larger entries are not extracted (a zip bomb guard)
FIELDS = ["learner", "name", "platform", "file", "submitted_at", "late_by_platform", "source"]


@dataclass
class Placed:
    learner: str
    name: str
    platform: str
    file: str
    submitted_at: str
    late_by_platform: bool
    source: str


def slug(text: str) -> str:
    """A folder name from a person's name: letters and digits of any alphabet, '-' elsewhere."""
    text = unicodedata.normalize("NFC", text).strip()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    return text[:60] or "learner"


def read_entry_name(entry: str) -> tuple[str, str, str, bool, str] | None:
    """(name, platform id, platform, late, file name) for one archive entry, or None."""
    path = PurePosixPath(entry)
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or path.is_absolute():
        return None
    joined = "/".join(parts)
    # The archive may wrap everything in one top folder; try the path without it too.
    for candidate in (joined, "/".join(parts[1:])):
        if not candidate:
            continue
        moodle = MOODLE.match(candidate)
        if moodle and moodle["file"]:
            return moodle["name"], moodle["id"], "moodle", False, PurePosixPath(moodle["file"]).name
        canvas = CANVAS.match(candidate)
        if canvas:
            late = bool(canvas["late"])
            return canvas["name"], canvas["id"], "canvas", late, canvas["file"]
    if len(parts) >= 2:  # learner/notebook.ipynb
        return parts[-2], "", "folder", False, parts[-1]
    return None


def assignment_file(file_name: str) -> str | None:
    match = ASSIGNMENT.search(file_name)
    return f"{match.group(1)}.ipynb" if match else None


def entry_time(info: zipfile.ZipInfo) -> str:
    return datetime.datetime(*info.date_time).isoformat(timespec="seconds")


def collect(exports: list[Path], out: Path) -> tuple[list[Placed], list[str]]:
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.csv"
    placed: dict[tuple[str, str], Placed] = {}
    if manifest.exists():
        with manifest.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                row["late_by_platform"] = row["late_by_platform"] == "True"
                placed[(row["learner"], row["file"])] = Placed(**row)
    problems: list[str] = []
    for export in exports:
        try:
            archive = zipfile.ZipFile(export)
        except (OSError, zipfile.BadZipFile) as error:
            problems.append(f"{export}: not a zip archive ({error})")
            continue
        with archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                where = f"{export.name}:{info.filename}"
                read = read_entry_name(info.filename)
                if read is None:
                    problems.append(f"{where}: no learner in this name")
                    continue
                name, platform_id, platform, late, file_name = read
                target = assignment_file(file_name)
                if target is None:
                    problems.append(
                        f"{where}: not a homework notebook (its name is no assignment's)"
                    )
                    continue
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    problems.append(f"{where}: {info.file_size} bytes, larger than any notebook")
                    continue
                learner = slug(f"{name}-{platform_id}" if platform_id else name)
                item = Placed(learner, name, platform, target, entry_time(info), late, where)
                earlier = placed.get((learner, target))
                if earlier and earlier.submitted_at > item.submitted_at:
                    continue  # never replace a newer submission with an older one
                folder = out / learner
                folder.mkdir(exist_ok=True)
                (folder / target).write_bytes(archive.read(info))
                placed[(learner, target)] = item
    rows = sorted(placed.values(), key=lambda p: (p.learner, p.file))
    temporary = manifest.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(vars(row) for row in rows)
    temporary.replace(manifest)  # atomic: a reader never sees half a manifest
    return rows, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", type=Path, nargs="+", help="the platform's zip downloads")
    parser.add_argument("--out", type=Path, default=Path("submissions"))
    args = parser.parse_args(argv)
    rows, problems = collect(args.exports, args.out)
    learners = len({row.learner for row in rows})
    print(f"{len(rows)} notebooks of {learners} learners in {args.out} (manifest.csv)")
    for problem in problems:
        print(f"  not placed: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
