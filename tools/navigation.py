"""Write the navigation lines of every lesson and the contents page.

    python tools/navigation.py          # update the notebooks
    python tools/navigation.py --check  # exit 1 if anything is stale

Lessons are the notebooks ``notebooks/<language>/NN_name.ipynb``, in file-name
order.  A lesson's title is the first ``# `` heading of its first cell after
the navigation line.  The navigation line is a Markdown cell that starts with
``<!--NAVIGATION-->``, first and last in every lesson, as in the Python Data
Science Handbook.  The contents page is ``notebooks/index.ipynb``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MARKER = "<!--NAVIGATION-->"
LANGUAGES = {
    # code: (language name, previous, contents, next)
    "ru": ("Русский", "Назад", "Содержание", "Далее"),
    "en": ("English", "Previous", "Contents", "Next"),
}
CONTENTS_INTRO = """\
# API на практике · APIs in practice

Практический курс о том, как программы общаются друг с другом через API: REST, SOAP, RPC и
WebSocket на примере сервиса погоды. Каждый урок запускает свой маленький сервер погоды прямо в
блокноте, поэтому интернет не нужен.

A hands-on course on how programs talk to each other through APIs: REST, SOAP, RPC and WebSocket,
with a weather service as the running example. Every lesson starts its own tiny weather server
inside the notebook, so no internet is needed.
"""


def lessons(language: str) -> list[Path]:
    return sorted((NOTEBOOKS / language).glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict) -> None:
    path.write_text(
        json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def title_of(notebook: dict) -> str:
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or source.startswith(MARKER):
            continue
        match = re.search(r"^# (.+)$", source, re.MULTILINE)
        if match:
            return match.group(1).strip()
    raise ValueError("a lesson needs a '# ' title in its first cell")


def navigation_line(language: str, index: int, paths: list[Path], titles: list[str]) -> str:
    _name, previous, contents, following = LANGUAGES[language]
    parts = []
    if index > 0:
        parts.append(f"[← {previous}: {titles[index - 1]}]({paths[index - 1].name})")
    parts.append(f"[{contents}](../index.ipynb)")
    if index + 1 < len(paths):
        parts.append(f"[{following}: {titles[index + 1]} →]({paths[index + 1].name})")
    return f"{MARKER}\n" + " · ".join(parts)


def markdown_cell(cell_id: str, text: str) -> dict:
    lines = text.splitlines(keepends=True)
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": lines}


def with_navigation(notebook: dict, line: str) -> dict:
    cells = [c for c in notebook["cells"] if not "".join(c["source"]).startswith(MARKER)]
    top = markdown_cell("navigation-top", line)
    bottom = markdown_cell("navigation-bottom", line)
    return {**notebook, "cells": [top, *cells, bottom]}


def contents_page(titles: dict[str, list[tuple[str, str]]]) -> dict:
    text = CONTENTS_INTRO
    for language, entries in titles.items():
        text += f"\n## {LANGUAGES[language][0]}\n\n"
        text += "".join(f"- [{title}]({language}/{name})\n" for name, title in entries)
    return {
        "cells": [markdown_cell("contents", text.rstrip("\n"))],
        # The lessons' metadata, as the kernel writes it on opening: with less, JupyterLab fills
        # it in and marks the page changed, and closing the tab asks to save a page nobody edited.
        "metadata": {
            key: value
            for key, value in read(lessons("en")[0])["metadata"].items()
            if key in ("kernelspec", "language_info")
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def expected_files() -> dict[Path, dict]:
    """Every file this script writes, with the content it should have."""
    files: dict[Path, dict] = {}
    all_titles: dict[str, list[tuple[str, str]]] = {}
    for language in LANGUAGES:
        paths = lessons(language)
        notebooks = [read(p) for p in paths]
        titles = [title_of(nb) for nb in notebooks]
        for index, (path, notebook) in enumerate(zip(paths, notebooks)):
            line = navigation_line(language, index, paths, titles)
            files[path] = with_navigation(notebook, line)
        all_titles[language] = [(p.name, t) for p, t in zip(paths, titles)]
    files[NOTEBOOKS / "index.ipynb"] = contents_page(all_titles)
    return files


def stale_files() -> list[Path]:
    stale = []
    for path, notebook in expected_files().items():
        if not path.exists() or read(path) != notebook:
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(NOTEBOOKS.parent)}")
        if stale:
            print("run: python tools/navigation.py")
        return 1 if stale else 0
    for path, notebook in expected_files().items():
        write(path, notebook)
    return 0


if __name__ == "__main__":
    sys.exit(main())
