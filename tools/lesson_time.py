"""How long a lesson's main path takes, by one stated method, and what each lesson says.

    python tools/lesson_time.py                 # every lesson's estimate and stated time
    python tools/lesson_time.py notebooks/ru/01_rest.ipynb   # only these lessons
    python tools/lesson_time.py --check         # exit 1 when a stated time is off

The method (the instructor guide states the same one):

- The **main path** is every cell except the navigation lines and the optional sections.  An
  optional section starts at a Markdown heading whose text begins with "Under the hood" (en) or
  "Под капотом" (ru) and runs to the next heading of the same or a higher level.
- **Reading**: the words of the main path's Markdown at 150 words per minute in Russian and 180 in
  English.  Words inside a folded answer (``<details>…</details>``) are not counted here: opening
  one is part of the exercise.  HTML tags and link targets are not words.
- **Running**: 1 minute per code cell on the main path.
- **Trying**: 4 minutes per "Your turn" exercise.  A "Your turn" section is headed "Your turn" (en)
  or "Попробуйте сами" (ru); each numbered item (``1.``, ``2.``…) in its text is one exercise, and
  a section without numbered items is one exercise.  Its code cells belong to the exercises.
- **Self-check**: 5 minutes for a section headed "Check yourself" (en) or "Проверьте себя" (ru);
  its cells are not counted otherwise.
- The sum is rounded **up** to a multiple of 5 minutes.

The **stated time** is written in the lesson's opening cell (the first cell after the navigation
line) with exactly one fixed phrase: ``≈ 45 minutes`` in English, ``≈ 45 минут`` in Russian (the
number is a multiple of 5, so the Russian form is always «минут»).  A lesson is on time when its
stated time is within 5 minutes of the estimate in each language, the Russian and English lessons
state the same time, and no main path takes more than 60 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAVIGATION = "<!--NAVIGATION-->"
MAIN_PATH_LIMIT = 60  # minutes
TOLERANCE = 5  # minutes between the stated time and the estimate
MINUTES_PER_CODE_CELL = 1
MINUTES_PER_EXERCISE = 4
MINUTES_FOR_SELF_CHECK = 5


@dataclass(frozen=True)
class Words:
    words_per_minute: int
    under_the_hood: str
    your_turn: str
    self_check: str
    stated: re.Pattern


LANGUAGES = {
    "ru": Words(
        150, "Под капотом", "Попробуйте сами", "Проверьте себя", re.compile(r"≈ (\d+) минут")
    ),
    "en": Words(
        180, "Under the hood", "Your turn", "Check yourself", re.compile(r"≈ (\d+) minutes")
    ),
}

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
FOLDED = re.compile(r"<details>.*?</details>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
WORD = re.compile(r"\w[\w'’.-]*")
EXERCISE = re.compile(r"^\d+\.\s", re.MULTILINE)


@dataclass
class Estimate:
    language: str
    words: int = 0
    code_cells: int = 0
    exercises: int = 0
    self_check: bool = False
    stated: int | None = None

    @property
    def exact_minutes(self) -> float:
        reading = self.words / LANGUAGES[self.language].words_per_minute
        return (
            reading
            + MINUTES_PER_CODE_CELL * self.code_cells
            + MINUTES_PER_EXERCISE * self.exercises
            + (MINUTES_FOR_SELF_CHECK if self.self_check else 0)
        )

    @property
    def minutes(self) -> int:
        """The estimate, rounded up to a multiple of 5 minutes."""
        return 5 * math.ceil(round(self.exact_minutes, 6) / 5)


def language_of(path: Path) -> str:
    return path.parent.name


def count_words(markdown: str) -> int:
    text = FOLDED.sub(" ", markdown)
    text = LINK_TARGET.sub("]", text)
    text = TAG.sub(" ", text)
    return len(WORD.findall(text))


def headings(markdown: str) -> list[tuple[int, int, str]]:
    """(line number, level, text) of each heading outside fenced code."""
    found, fenced = [], False
    for number, line in enumerate(markdown.splitlines()):
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append((number, len(match.group(1)), match.group(2)))
    return found


class Sections:
    """Which kind of section the reader is in, as the lesson goes on, heading by heading."""

    def __init__(self, words: Words):
        self.words = words
        self.optional_level: int | None = None  # level of the open "Under the hood" heading
        self.kind = "main"  # "main", "your turn" or "self-check"

    def enter(self, level: int, text: str) -> None:
        if self.optional_level is not None and level <= self.optional_level:
            self.optional_level = None
        if self.optional_level is not None:
            return
        if text.startswith(self.words.under_the_hood):
            self.optional_level = level
        elif level <= 2:
            if text.startswith(self.words.your_turn):
                self.kind = "your turn"
            elif text.startswith(self.words.self_check):
                self.kind = "self-check"
            else:
                self.kind = "main"

    @property
    def optional(self) -> bool:
        return self.optional_level is not None


def estimate(notebook: dict, language: str) -> Estimate:
    words = LANGUAGES[language]
    result = Estimate(language)
    sections = Sections(words)
    opening_seen = False
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.startswith(NAVIGATION):
            continue
        if cell["cell_type"] == "markdown" and not opening_seen:
            opening_seen = True
            stated = words.stated.search(source)
            result.stated = int(stated.group(1)) if stated else None
        if cell["cell_type"] == "code":
            if not sections.optional and sections.kind == "main":
                result.code_cells += 1
            continue
        if cell["cell_type"] != "markdown":
            continue
        # Split the cell at its headings: each piece belongs to the section its heading opens.
        lines = source.splitlines()
        marks = headings(source)
        starts = [0] + [number for number, _level, _text in marks]
        ends = starts[1:] + [len(lines)]
        for index, (start, end) in enumerate(zip(starts, ends)):
            if index > 0:
                _number, level, text = marks[index - 1]
                sections.enter(level, text)
                if sections.kind == "self-check" and not sections.optional:
                    result.self_check = True
            piece = "\n".join(lines[start:end])
            if sections.optional or sections.kind == "self-check":
                continue
            if sections.kind == "your turn":
                text = FOLDED.sub(" ", piece)
                items = len(EXERCISE.findall(text))
                if index > 0 and marks[index - 1][2].startswith(words.your_turn):
                    items = max(items, 1)  # a "Your turn" heading is at least one exercise
                result.exercises += items
            result.words += count_words(piece)
    return result


def estimate_file(path: Path) -> Estimate:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return estimate(notebook, language_of(path))


def lessons() -> list[Path]:
    return sorted(
        p for language in LANGUAGES for p in (NOTEBOOKS / language).glob("[0-9][0-9]_*.ipynb")
    )


def problems(paths: list[Path]) -> list[str]:
    """Every way these lessons miss the method, one line each."""
    found = []
    estimates = {path: estimate_file(path) for path in paths}
    for path, result in estimates.items():
        name = f"{path.parent.name}/{path.name}"
        if result.stated is None:
            pattern = LANGUAGES[result.language].stated.pattern.replace(r"(\d+)", "N")
            found.append(f"{name}: no stated time ({pattern!r}) in the opening cell")
        elif abs(result.stated - result.minutes) > TOLERANCE:
            found.append(
                f"{name}: states ≈ {result.stated} min, the estimate is {result.minutes} min"
            )
        if result.minutes > MAIN_PATH_LIMIT:
            found.append(f"{name}: main path {result.minutes} min, over {MAIN_PATH_LIMIT} min")
    by_name: dict[str, dict[str, int | None]] = {}
    for path, result in estimates.items():
        by_name.setdefault(path.name, {})[result.language] = result.stated
    for name, stated in sorted(by_name.items()):
        if len(stated) == 2 and len(set(stated.values())) > 1:
            found.append(f"{name}: ru and en state different times {stated}")
    return found


def table(paths: list[Path]) -> str:
    rows = [
        f"{'lesson':<32}{'words':>7}{'code':>6}{'tasks':>6}{'check':>6}"
        f"{'exact':>8}{'estimate':>9}{'stated':>8}"
    ]
    for path in paths:
        r = estimate_file(path)
        stated = "-" if r.stated is None else str(r.stated)
        rows.append(
            f"{path.parent.name + '/' + path.name:<32}{r.words:>7}{r.code_cells:>6}"
            f"{r.exercises:>6}{'yes' if r.self_check else 'no':>6}"
            f"{r.exact_minutes:>8.1f}{r.minutes:>9}{stated:>8}"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="lessons (default: all)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a stated time is off")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or lessons()
    print(table(paths))
    found = problems(paths)
    for line in found:
        print(line)
    return 1 if args.check and found else 0


if __name__ == "__main__":
    sys.exit(main())
