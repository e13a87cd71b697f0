"""Collecting homework from a learning platform's bulk download (Moodle, Canvas, plain folders)."""

from __future__ import annotations

import csv
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import collect  # noqa: E402

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def export(path: Path, entries: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, when) in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def manifest(out: Path) -> list[dict]:
    with (out / "manifest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_moodle_folders_and_flat_files_become_one_folder_per_learner(tmp_path):
    moodle = export(
        tmp_path / "moodle.zip",
        {
            "Анна Иванова_1234567_assignsubmission_file_/01_rest_ru.ipynb": (
                NOTEBOOK,
                (2026, 9, 10, 12, 0, 0),
            ),
            "Ben Smith_7654321_assignsubmission_file_01_rest_en.ipynb": (
                NOTEBOOK,
                (2026, 9, 11, 9, 30, 0),
            ),
            "Ben Smith_7654321_assignsubmission_file_notes.txt": (b"hi", (2026, 9, 11, 9, 30, 0)),
        },
    )
    rows, problems = collect.collect([moodle], tmp_path / "submissions")
    assert {(r.learner, r.file) for r in rows} == {
        ("Анна-Иванова-1234567", "01_rest_ru.ipynb"),
        ("Ben-Smith-7654321", "01_rest_en.ipynb"),
    }
    assert (tmp_path / "submissions" / "Анна-Иванова-1234567" / "01_rest_ru.ipynb").is_file()
    assert len(problems) == 1 and "notes.txt" in problems[0]
    times = {row["learner"]: row["submitted_at"] for row in manifest(tmp_path / "submissions")}
    assert times["Анна-Иванова-1234567"] == "2026-09-10T12:00:00"


def test_canvas_late_marks_and_reuploads_are_read(tmp_path):
    canvas = export(
        tmp_path / "canvas.zip",
        {
            "ivanovaanna_LATE_1234567_89012345_02_soap_ru-1.ipynb": (
                NOTEBOOK,
                (2026, 9, 20, 23, 59, 0),
            ),
            "smithben_7654321_89012399_02_soap_en.ipynb": (NOTEBOOK, (2026, 9, 19, 8, 0, 0)),
        },
    )
    rows, problems = collect.collect([canvas], tmp_path / "out")
    assert problems == []
    by_learner = {r.learner: r for r in rows}
    assert by_learner["ivanovaanna-1234567"].file == "02_soap_ru.ipynb"
    assert by_learner["ivanovaanna-1234567"].late_by_platform is True
    assert by_learner["smithben-7654321"].late_by_platform is False


def test_a_later_export_adds_and_never_replaces_a_newer_file_with_an_older_one(tmp_path):
    out = tmp_path / "out"
    newer = NOTEBOOK.replace(b"[]", b"[ ]")
    first = export(
        tmp_path / "a.zip",
        {"smithben_7654321_1_01_rest_en.ipynb": (newer, (2026, 9, 12, 10, 0, 0))},
    )
    second = export(
        tmp_path / "b.zip",
        {
            "smithben_7654321_2_01_rest_en.ipynb": (NOTEBOOK, (2026, 9, 11, 10, 0, 0)),
            "smithben_7654321_3_02_soap_en.ipynb": (NOTEBOOK, (2026, 9, 13, 10, 0, 0)),
        },
    )
    collect.collect([first], out)
    rows, _ = collect.collect([second], out)
    assert [r.file for r in rows] == ["01_rest_en.ipynb", "02_soap_en.ipynb"]
    assert (out / "smithben-7654321" / "01_rest_en.ipynb").read_bytes() == newer


def test_unsafe_or_unreadable_entries_are_named_not_placed(tmp_path):
    bad = export(
        tmp_path / "bad.zip",
        {
            "../../etc/01_rest_en.ipynb": (NOTEBOOK, (2026, 9, 1, 0, 0, 0)),
            "01_rest_en.ipynb": (NOTEBOOK, (2026, 9, 1, 0, 0, 0)),
        },
    )
    (tmp_path / "not-a-zip.zip").write_text("hello")
    rows, problems = collect.collect([bad, tmp_path / "not-a-zip.zip"], tmp_path / "out")
    assert rows == [] and len(problems) == 3
    assert not (tmp_path / "etc").exists()
