"""The Russian course uses the terms of docs/glossary.md and none of the variants it rules out.

Each rejected variant is a Python regular expression in backticks in the glossary's last column,
matched from the start of a word, first letter in either case.  Every Russian file a learner or a
teacher reads is scanned; a failure names the file, the cell (or question, or line) and the term
to use instead.  A variant quoted alone in «ёлочки» is a mention (a lesson may name the jargon
it avoids) and is not reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"

# Terms every lesson relies on; the glossary must define each of them.
REQUIRED_TERMS = [
    "API",
    "клиент",
    "сервер",
    "запрос",
    "ответ",
    "конечная точка",
    "ресурс",
    "представление",
    "метод",
    "код состояния",
    "заголовок",
    "тело",
    "идемпотентный метод",
    "безопасный метод",
    "сообщение",
    "фрейм",
    "кеш",
    "push-сообщение",
    "push-уведомление",
    "Server-Sent Events",
]


@dataclass(frozen=True)
class Rule:
    term: str  # the Russian term to use
    variant: str  # the rejected variant as written in the glossary
    pattern: re.Pattern


def glossary_rows() -> list[list[str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        # A pipe inside a code span is written \| in a Markdown table.
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if cells and cells[0] != "Русский термин":
            rows.append([c.replace("\\|", "|") for c in cells])
    return rows


def variant_pattern(variant: str) -> re.Pattern:
    first, rest = variant[0], variant[1:]
    start = f"[{first.lower()}{first.upper()}]" if first.isalpha() else re.escape(first)
    return re.compile(rf"(?<![\w-]){start}{rest}")


def rules() -> list[Rule]:
    found = []
    for row in glossary_rows():
        for variant in re.findall(r"`([^`]+)`", row[3]):
            found.append(Rule(row[0], variant, variant_pattern(variant)))
    return found


def russian_files() -> list[Path]:
    files = sorted((ROOT / "notebooks" / "ru").glob("*.ipynb"))
    files.append(ROOT / "selfcheck" / "questions.ru.json")
    files += sorted(ROOT.glob("solutions/*_ru/*.ipynb"))
    files += sorted((ROOT / "docs").glob("*.ru.md"))
    return [f for f in files if f.exists()]


def notebook_texts(path: Path):
    """(where, text) for each cell's source and the text of its outputs."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        where = f"cell {number} (id {cell.get('id', '?')}, {cell['cell_type']})"
        yield where, "".join(cell["source"])
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            yield where + " output", "".join(text)


def json_texts(value, where: str = ""):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from json_texts(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_texts(item, f"{where}[{index}]")


def texts(path: Path):
    if path.suffix == ".ipynb":
        yield from notebook_texts(path)
    elif path.suffix == ".json":
        yield from json_texts(json.loads(path.read_text(encoding="utf-8")))
    else:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield f"line {number}", line


def mentioned(text: str, match: re.Match) -> bool:
    """A variant quoted alone in «ёлочки» is named, not used: «в разговоре чаще «стаб»»."""
    return text[match.start() - 1 : match.start()] == "«" and text[match.end() :].startswith("»")


def rejected_variants_in(path: Path) -> list[str]:
    found = []
    for where, text in texts(path):
        for rule in rules():
            for match in rule.pattern.finditer(text):
                if mentioned(text, match):
                    continue
                context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
                found.append(
                    f"{path.relative_to(ROOT)}: {where}: «{match.group(0)}» "
                    f"(rejected `{rule.variant}`, use «{rule.term}») … {context} …"
                )
    return found


def test_the_glossary_defines_every_term_the_lessons_rely_on():
    defined = {row[0] for row in glossary_rows()}
    missing = [t for t in REQUIRED_TERMS if not any(d.startswith(t) for d in defined)]
    assert not missing, f"not in docs/glossary.md: {missing}"


def test_every_row_has_a_term_an_english_term_and_a_meaning():
    for row in glossary_rows():
        assert len(row) == 4 and all(row[:3]), row


def test_no_rejected_variant_matches_its_own_term():
    for rule in rules():
        assert not rule.pattern.search(rule.term), (rule.term, rule.variant)


def test_variants_are_found_from_the_start_of_a_word_in_either_case():
    pattern = variant_pattern("кэш")
    assert pattern.search("Кэширование") and pattern.search("в кэше")
    assert not variant_pattern("стаб(ы|а)?\\b").search("стабильный")
    assert variant_pattern("Server-sent").search("server-sent events")
    text = "в разговоре чаще «стаб»"
    assert mentioned(text, variant_pattern("стаб(ы|а)?\\b").search(text))
    assert not variant_pattern("Server-sent").search("Server-Sent Events")


@pytest.mark.parametrize("path", russian_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_russian_files_use_the_glossary_terms(path):
    found = rejected_variants_in(path)
    assert not found, "\n".join(found)


# The glossary's typography rule: a number and its unit never part at the end of a line, so the
# space between them is a non-breaking one (U+00A0).  Code (`...` and ``` blocks) is left alone:
# it is Python, not Russian text.
UNIT_AFTER_NUMBER = re.compile(
    r"\d (?!с лишним)(?:мс|с|мин|ч|КБ|КиБ|МБ|МиБ|ГБ|ГиБ|Б|байт(?:а|ов)?|°C|мм|м/с|%)(?![\wа-яё])"
)
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def plain_spaces_before_units(text: str) -> list[str]:
    prose = CODE.sub("", text)
    return [prose[max(0, m.start() - 20) : m.end()] for m in UNIT_AFTER_NUMBER.finditer(prose)]


def test_a_plain_space_before_a_unit_is_found_and_code_is_left_alone():
    assert plain_spaces_before_units("ответ за 50 мс, а `sleep(5) с` — код") == ["ответ за 50 мс"]
    assert plain_spaces_before_units("за 50\u00a0мс; в 13 с лишним раз; 5 секунд") == []


@pytest.mark.parametrize(
    "path",
    [
        *sorted((ROOT / "notebooks" / "ru").glob("*.ipynb")),
        ROOT / "docs" / "instructor-guide.ru.md",
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_russian_lessons_keep_a_number_and_its_unit_together(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    else:
        texts = [path.read_text(encoding="utf-8")]
    found = [hit for text in texts for hit in plain_spaces_before_units(text)]
    assert not found, "a non-breaking space (U+00A0) goes before the unit: " + "; ".join(found)
