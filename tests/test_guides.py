"""The instructor guides: agendas that follow the lessons, both languages in step, a Windows route
that does what the Makefile does."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import agenda  # noqa: E402

GUIDES = {language: ROOT / "docs" / f"instructor-guide.{language}.md" for language in ("en", "ru")}


def text(language: str) -> str:
    return GUIDES[language].read_text(encoding="utf-8")


def test_the_agendas_follow_the_lessons_stated_times():
    assert agenda.main(["--check"]) == 0, "run: python tools/agenda.py"
    for language in GUIDES:
        for plan in agenda.PLANS:
            assert f"<!--AGENDA:{plan}-->" in text(language)


def test_both_guides_have_the_same_sections_tables_and_commands():
    en, ru = text("en"), text("ru")
    assert len(re.findall(r"^## ", en, re.M)) == len(re.findall(r"^## ", ru, re.M))

    def commands(guide: str) -> list[str]:  # the code blocks, comments (in each language) aside
        blocks = re.findall(r"```.*?```", guide, re.S)
        return [re.sub(r"\s*#[^\n]*", "", block) for block in blocks]

    assert commands(en) == commands(ru)
    rows = [len(re.findall(r"^\|", guide, re.M)) for guide in (en, ru)]
    assert rows[0] == rows[1], rows


def test_the_windows_route_runs_the_makefiles_install_and_lab_steps():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    steps = re.findall(r"\$\(BIN\)/python -m (\S+(?: -r requirements\.txt)?)", makefile)
    steps = [step for step in steps if "requirements-" not in step and "--upgrade" not in step]
    for language in GUIDES:
        windows = re.search(r"```bat\n(.*?)```", text(language), re.S).group(1)
        for step in steps:
            if step.startswith(("pip install -r requirements.txt", "mock_servers")):
                assert f".venv\\Scripts\\python -m {step}" in windows, (language, step)
        assert "jupyter lab" in windows and "py -3." in windows
