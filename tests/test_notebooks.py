"""The lessons as files: both languages in step, executed, navigation up to date.

nbval (run by `make test` over notebooks/) checks that each lesson's stored
outputs are what the code prints today; these tests check what nbval cannot.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LANGUAGES = ("ru", "en")


def lesson_names(language: str) -> set[str]:
    return {p.name for p in (NOTEBOOKS / language).glob("[0-9][0-9]_*.ipynb")}


LESSONS = sorted(lesson_names("ru") | lesson_names("en"))


def cells(language: str, name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / language / name).read_text(encoding="utf-8"))["cells"]


def code_shape(source: str) -> tuple[list[str], list[str]]:
    """The code's tokens with comments and string literals set aside, and its magics.

    Two cells with the same shape run the same code; they may differ only in
    comments, printed labels and other text a learner reads.
    """
    lines = source.splitlines()
    magics = [line.strip() for line in lines if line.lstrip().startswith(("%", "!"))]
    plain = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
    skipped = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    # Python 3.12+ splits an f-string into parts; its literal text may differ,
    # the expressions inside it may not.
    skipped |= {
        getattr(tokenize, n) for n in ("FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)
    }
    strings = {tokenize.STRING} | {
        getattr(tokenize, n) for n in ("FSTRING_START",) if hasattr(tokenize, n)
    }
    tokens = [
        "<string>" if token.type in strings else token.string
        for token in tokenize.generate_tokens(io.StringIO(plain + "\n").readline)
        if token.type not in skipped
    ]
    return tokens, magics


def test_there_are_lessons():
    assert "00_what_is_an_api.ipynb" in LESSONS and "01_rest.ipynb" in LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_exists_in_both_languages(name):
    for language in LANGUAGES:
        assert (NOTEBOOKS / language / name).exists(), f"notebooks/{language}/{name} is missing"


@pytest.mark.parametrize("name", LESSONS)
def test_same_cells_in_the_same_order(name):
    ru, en = cells("ru", name), cells("en", name)
    assert [c["cell_type"] for c in ru] == [c["cell_type"] for c in en]


@pytest.mark.parametrize("name", LESSONS)
def test_same_code_in_each_code_cell(name):
    ru = [c for c in cells("ru", name) if c["cell_type"] == "code"]
    en = [c for c in cells("en", name) if c["cell_type"] == "code"]
    for number, (ru_cell, en_cell) in enumerate(zip(ru, en), start=1):
        ru_source, en_source = "".join(ru_cell["source"]), "".join(en_cell["source"])
        assert code_shape(ru_source) == code_shape(en_source), (
            f"{name}, code cell {number}: the code differs between ru and en\n"
            f"--- ru\n{ru_source}\n--- en\n{en_source}"
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LESSONS)
def test_lessons_are_committed_executed_without_errors(language, name):
    for cell in cells(language, name):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert cell["execution_count"] is not None, f"not executed: {source[:60]!r}"
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"error stored in: {source[:60]!r}"
            assert output.get("name") != "stderr", f"stderr stored in: {source[:60]!r}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LESSONS)
def test_lessons_open_with_objectives_and_end_with_key_points(language, name):
    markdown = ["".join(c["source"]) for c in cells(language, name) if c["cell_type"] == "markdown"]
    assert markdown[0].startswith("<!--NAVIGATION-->") and markdown[-1] == markdown[0]
    assert markdown[1].startswith("# ")
    key_points = {"en": "## Key points", "ru": "## Главное"}[language]
    assert markdown[-2].startswith(key_points)


def test_code_shape_sees_code_changes_but_not_text():
    assert code_shape('print("hello")  # greet') == code_shape('print("привет")  # поздороваться')
    assert code_shape('print(f"{a} and {b}")') == code_shape('print(f"{a} и {b}")')
    assert code_shape("x = 1") != code_shape("x = 2")
    assert code_shape("print(a)") != code_shape("print(b)")


def test_navigation_and_contents_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "navigation.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_navigation_links_point_to_existing_lessons():
    import re

    for language in LANGUAGES:
        for name in lesson_names(language):
            first = "".join(cells(language, name)[0]["source"])
            for target in re.findall(r"\]\(([^)]+)\)", first):
                assert (NOTEBOOKS / language / target).resolve().exists(), (language, name, target)
