"""A lesson-04 WebSocket connection still works after the learner has read for a long while.

What could end a connection nobody uses: the server's keepalive pings, which websocket-client
answers only while the program reads (a pong deadline once closed ``ws`` with 1011 after five
minutes of reading), and the server's idle timeout.  Waiting for real takes too long, so this
JupyterLab runs with MOCK_SERVERS_TIME_SCALE (mock_servers/limits.py): its kernels' WebSocket
servers run those timers a hundred times faster, and the lesson itself stays as it is.  The
test waits the scaled half hour of reading the issue asks a connection to survive (more than
the ten minutes its tests name), then runs the lesson's next cell that uses ``ws``.
"""

from __future__ import annotations

import json
import re

import pytest

from mock_servers import limits

from .conftest import ROOT, running_lab
from .test_lessons_in_browser import open_lesson
from .test_what_a_learner_sees import STDERR, run_cell, screenshot

SCALE = 0.01  # a WebSocket server's timers run 100 times faster
READING_SECONDS = 30 * 60  # the learner reads for half an hour without touching ``ws``


@pytest.fixture(scope="module")
def fast_lab(tmp_path_factory):
    with running_lab(tmp_path_factory, env={limits.TIME_SCALE_VARIABLE: str(SCALE)}) as lab:
        yield lab


def code_cells(language: str, name: str) -> list[dict]:
    notebook = json.loads((ROOT / "notebooks" / language / name).read_text(encoding="utf-8"))
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def stored_text(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell["outputs"]).strip()


def clear_all_outputs(page) -> None:
    """The stored outputs and execution counts away, as Edit → Clear Outputs of All Cells."""
    page.click(".lm-MenuBar-item:has-text('Edit')")
    page.click("li[data-command='editmenu:clear-all']")
    page.wait_for_function(
        """() => document.querySelectorAll('.jp-CodeCell .jp-OutputArea-output').length === 0
            && [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .every(p => !/\\d/.test(p.textContent))""",
        timeout=30_000,
    )


@pytest.mark.timeout(300)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_lesson_04_connection_still_works_after_a_long_read(page, fast_lab, language):
    name = "04_websocket.ipynb"
    cells = code_cells(language, name)
    sources = ["".join(c["source"]) for c in cells]
    opened = next(i for i, s in enumerate(sources) if "ws = websocket.create_connection(" in s)
    following = next(i for i in range(opened + 1, len(cells)) if re.search(r"\bws\b", sources[i]))
    expected = stored_text(cells[following])
    assert expected  # the reply the lesson shows, the same on every run

    open_lesson(page, fast_lab, language, name)
    clear_all_outputs(page)  # what the test then sees, this run printed
    for index in range(opened + 1):  # start the server, open ``ws``
        run_cell(page, index)
    # The scaled half hour passes; nothing is asserted about how long anything took.
    page.wait_for_timeout(READING_SECONDS * SCALE * 1000)
    run_cell(page, following)

    cell = page.locator(".jp-CodeCell").nth(following)
    assert cell.locator(".jp-InputPrompt").inner_text().strip() == f"[{opened + 2}]:"
    shown = cell.locator(".jp-OutputArea-output")
    assert "".join(shown.all_inner_texts()).strip() == expected
    assert page.locator(STDERR).count() == 0, page.locator(STDERR).all_inner_texts()
    shown.first.scroll_into_view_if_needed()
    screenshot(page, f"{language}-04-after-a-long-read")
    fast_lab.shut_down_kernels()
