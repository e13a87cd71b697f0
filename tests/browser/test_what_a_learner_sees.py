"""What a learner meets in JupyterLab beyond a clean run: a lesson opened before running, a kernel
restarted in the middle, a server the lesson has stopped, lesson 05's views at the default size.

Screenshots of each go to build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, SCREENSHOTS
from .test_lessons_in_browser import open_lesson, run_all_cells

STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
RESTART_NOTE = {"ru": "Ядро перезапускалось", "en": "The kernel has restarted"}
RUN_ALL_ABOVE = "Run All Above"
CONNECT_AGAIN = {"ru": "Подключитесь заново", "en": "Connect again"}


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"learner-{name}.png"))


def code_cell_index(language: str, name: str, needle: str) -> int:
    """The index among code cells of the first cell whose source contains ``needle``."""
    notebook = json.loads((ROOT / "notebooks" / language / name).read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    return next(i for i, source in enumerate(code) if needle in source)


def run_cell(page, index: int) -> None:
    cell = page.locator(".jp-CodeCell").nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """i => {
            const prompt = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')[i];
            return prompt && /\\[\\d+\\]/.test(prompt.textContent)
                && document.querySelector(
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']") !== null;
        }""",
        arg=index,
        timeout=60_000,
    )


def error_after_run_all(page, lab, language: str, name: str, index: int) -> str:
    """What the code cell ``index`` prints to stderr when run again after Run All (the lesson's
    last cells have closed its connections and stopped its servers by then)."""
    open_lesson(page, lab, language, name)
    run_all_cells(page)
    run_cell(page, index)
    return " ".join(page.locator(STDERR).all_inner_texts())


def restart_kernel(page) -> None:
    page.click(".lm-MenuBar-item:has-text('Kernel')")
    page.click("li[data-command='kernelmenu:restart']")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.wait_for_timeout(1_000)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_lesson_opened_before_running_shows_no_widget_repr(page, lab, language):
    open_lesson(page, lab, language, "01_rest.ipynb")
    texts = " ".join(
        page.locator(".jp-OutputArea-output[data-mime-type='text/plain']").all_inner_texts()
    )
    assert "children=" not in texts and "VBox(" not in texts, texts[:500]
    screenshot(page, f"{language}-01-before-running")
    lab.shut_down_kernels()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_self_check_says_what_to_do_after_a_kernel_restart(page, lab, language):
    open_lesson(page, lab, language, "00_what_is_an_api.ipynb")
    run_all_cells(page)
    restart_kernel(page)
    quiz = page.locator(".jp-OutputArea-output", has_text=RESTART_NOTE[language]).last
    quiz.scroll_into_view_if_needed()
    assert quiz.is_visible()
    screenshot(page, f"{language}-00-self-check-after-restart")
    lab.shut_down_kernels()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_errors_that_teach_after_a_restart_and_after_the_server_stopped(page, lab, language):
    request = code_cell_index(language, "01_rest.ipynb", "requests.get(")
    stopped = error_after_run_all(page, lab, language, "01_rest.ipynb", request)
    assert "→" in stopped and "127.0.0.1" in stopped, stopped[:500]
    # The learner's line and the error, not the 190 lines inside requests and urllib3.
    assert "site-packages" not in stopped and "%tb" in stopped, stopped[:2000]
    screenshot(page, f"{language}-01-stopped-server")

    restart_kernel(page)
    run_cell(page, request)
    lost = " ".join(page.locator(STDERR).all_inner_texts())
    assert RUN_ALL_ABOVE in lost, lost[:500]
    screenshot(page, f"{language}-01-after-restart")
    lab.shut_down_kernels()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_closed_websocket_says_how_to_connect_again(page, lab, language):
    name = "04_websocket.ipynb"
    subscribe = code_cell_index(language, name, 'request(ws, {"type": "subscribe", "id": 3')
    closed = error_after_run_all(page, lab, language, name, subscribe)
    assert CONNECT_AGAIN[language] in closed, closed[:500]
    assert "site-packages" not in closed and "%tb" in closed, closed[:2000]
    screenshot(page, f"{language}-04-closed-connection")
    lab.shut_down_kernels()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_lesson_05_views_fit_at_the_default_size(page, lab, language):
    open_lesson(page, lab, language, "05_comparison.ipynb")
    run_all_cells(page)
    transcripts = page.locator(".jupyter-widgets pre")
    assert transcripts.count() >= 4
    for handle in transcripts.element_handles():
        hidden = handle.evaluate("e => e.scrollHeight - e.clientHeight")
        size = handle.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert hidden <= 2, "a transcript hides part of itself in an inner scroll box"
        assert size >= 12, f"transcript text is {size}px"
    transcripts.first.scroll_into_view_if_needed()
    screenshot(page, f"{language}-05-side-by-side")
    lab.shut_down_kernels()


@pytest.mark.timeout(180)
def test_two_open_lessons_tabs_show_their_language(page, lab):
    """Both lessons are 01_rest.ipynb (ru and en twins share a name); the course's extension
    (labextension/) puts the language folder in the tab title."""
    page.goto(f"{lab.url}/lab/tree/index.ipynb?reset&token={lab.token}")
    # JupyterLab draws the contents' links as /files/<path>?_xsrf=... and opens them in a tab.
    page.wait_for_selector(".jp-RenderedMarkdown a[href*='.ipynb']", timeout=60_000)
    for language in ("ru", "en"):
        page.locator(f".jp-RenderedMarkdown a[href*='/{language}/01_rest.ipynb']").click()
        page.wait_for_selector(
            f".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('{language}/01_rest.ipynb')",
            timeout=30_000,
        )
        page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('index.ipynb')").click()
    labels = page.locator("#jp-main-dock-panel .lm-TabBar-tabLabel").all_inner_texts()
    # A document outside a language folder keeps JupyterLab's own title.
    assert {"ru/01_rest.ipynb", "en/01_rest.ipynb", "index.ipynb"} <= set(labels), labels
    # The browser's own tab too, while the lesson is the current document.
    for language in ("ru", "en"):
        page.locator(
            f".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('{language}/01_rest.ipynb')"
        ).click()
        page.wait_for_function(
            "language => document.title.startsWith(language + '/01_rest.ipynb')", arg=language
        )
    page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('index.ipynb')").click()
    page.wait_for_function("() => document.title.startsWith('index.ipynb')")
    page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel:text-is('ru/01_rest.ipynb')").click()
    screenshot(page, "tabs-show-the-language")
    lab.shut_down_kernels()
