"""Every lesson, in both languages, opened and run in JupyterLab in a real browser.

nbval proves the code runs in a kernel; these tests prove what a learner sees:
no error output in any cell, every Mermaid diagram drawn, every widget drawn as
a live control, and navigation links that open the right lesson.

    make test-browser

A screenshot of each lesson is saved under build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ROOT, SCREENSHOTS

LESSONS = sorted(
    (path.parent.name, path.name) for path in ROOT.glob("notebooks/*/[0-9][0-9]_*.ipynb")
)
RUN_ALL_TIMEOUT_MS = 120_000
# The widget extension connects to a new kernel a moment after the kernel is idle; output that
# arrives before that is drawn as plain text. A learner reads before running; the test waits.
SETTLE_MS = 3_000
WIDGET_OUTPUT = ".jp-OutputArea-output:not([data-mime-type])"


def stored(language: str, name: str) -> dict:
    return json.loads((ROOT / "notebooks" / language / name).read_text(encoding="utf-8"))


def expected_diagrams(notebook: dict) -> int:
    return sum(
        "".join(cell["source"]).count("```mermaid")
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )


def expected_widgets(notebook: dict) -> int:
    return sum(
        1
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell["outputs"]
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    )


def open_lesson(page, lab, language: str, name: str) -> None:
    page.goto(f"{lab.url}/lab/tree/{language}/{name}?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.wait_for_timeout(SETTLE_MS)


def run_all_cells(page) -> None:
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click("li[data-command='runmenu:run-all']")
    # Done when no cell waits or runs ([*]) and the kernel is idle again.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0
                && prompts.every(p => /\\[\\d+\\]/.test(p.textContent))
                && document.querySelector(
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']") !== null;
        }""",
        timeout=RUN_ALL_TIMEOUT_MS,
    )


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language, name", LESSONS, ids=lambda value: value)
def test_lesson_runs_and_renders_in_jupyterlab(page, lab, language, name):
    notebook = stored(language, name)
    open_lesson(page, lab, language, name)
    run_all_cells(page)

    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, "error output: " + " | ".join(errors.all_inner_texts())[:2000]

    diagrams = page.locator(".jp-RenderedMermaid img")
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-RenderedMermaid img').length >= n",
        arg=expected_diagrams(notebook),
        timeout=30_000,
    )
    assert diagrams.count() == expected_diagrams(notebook)
    for source in diagrams.evaluate_all("images => images.map(i => i.src)"):
        assert source.startswith("data:image/svg+xml"), source[:80]

    widgets = expected_widgets(notebook)
    if widgets:
        # Every widget output drawn as a live control, none left as its text form.
        page.wait_for_function(
            """n => document.querySelectorAll(
                ".jp-OutputArea-output:not([data-mime-type]) .jupyter-widgets").length >= n""",
            arg=widgets,
            timeout=30_000,
        )
        as_text = page.locator(".jp-OutputArea-output[data-mime-type='text/plain']")
        texts = " ".join(as_text.all_inner_texts())
        assert "children=" not in texts and "Loading widget" not in texts, texts[:500]
        controls = page.locator(f"{WIDGET_OUTPUT} :is(select, input, button)")
        assert controls.count() >= widgets

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first_diagram = page.locator(".jp-RenderedMermaid").first
    if diagrams.count():
        first_diagram.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{language}-{name.removesuffix('.ipynb')}.png"))
    lab.shut_down_kernels()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("language", sorted({language for language, _ in LESSONS}))
def test_navigation_links_open_the_right_lesson(page, lab, language):
    names = [name for lang, name in LESSONS if lang == language]
    for current, following in zip(names, names[1:]):
        open_lesson(page, lab, language, current)
        top = page.locator(".jp-MarkdownCell").first
        link = top.locator("a", has_text=re.compile("→"))
        assert link.count() == 1, f"{current}: no link to the next lesson"
        link.click()
        # The course's extension titles a lesson's tab with its language folder: ru/01_rest.ipynb.
        page.wait_for_selector(
            f".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel:text-is('{language}/{following}')",
            timeout=30_000,
        )
        lab.shut_down_kernels()
