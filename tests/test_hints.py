"""Errors that teach, in a real kernel: the note above the traceback, in the lesson's language."""

from __future__ import annotations

import json
import queue
import re

import pytest

pytest.importorskip("jupyter_client")
from jupyter_client.manager import start_new_kernel  # noqa: E402

from mock_servers import hints  # noqa: E402

LESSON = {
    "cells": [
        {"cell_type": "code", "source": "import requests\n\nfrom mock_servers import rest"},
        {"cell_type": "code", "source": "server = rest.start()\nbase = server.url"},
        {"cell_type": "code", "source": "requests.get(base, timeout=5)"},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def run(client, code: str) -> str:
    """Everything the cell printed to stderr and its error, as one text."""
    msg_id = client.execute(code)
    text = []
    while True:
        try:
            message = client.get_iopub_msg(timeout=30)
        except queue.Empty:
            break
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind == "error":
            text.append("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            break
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(text))  # without IPython's colours


@pytest.fixture(params=["ru", "en"])
def kernel(request, tmp_path):
    folder = tmp_path / "notebooks" / request.param
    folder.mkdir(parents=True)
    lesson = folder / "01_rest.ipynb"
    lesson.write_text(json.dumps(LESSON), encoding="utf-8")
    manager, client = start_new_kernel(
        extra_arguments=["--ext=mock_servers.hints"], env={"JPY_SESSION_NAME": str(lesson)}
    )
    yield request.param, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.mark.timeout(90)
def test_a_name_lost_in_a_restart_says_which_cells_to_run(kernel):
    language, client = kernel
    shown = run(client, "requests.get(base, timeout=5)")
    assert "NameError" in shown  # the ordinary traceback stays
    assert "Run All Above" in shown and "1" in shown
    assert ("ячейк" in shown) == (language == "ru")


@pytest.mark.timeout(90)
def test_a_request_to_a_stopped_server_says_to_start_it_again(kernel):
    language, client = kernel
    run(client, "import requests\nfrom mock_servers import rest\nserver = rest.start()")
    run(client, "base = server.url\nserver.stop()")
    shown = run(client, "requests.get(base, timeout=5)")
    assert "ConnectionError" in shown
    assert ("(ячейка 2: `" if language == "ru" else "(cell 2: `") in shown
    # The traceback: the learner's lines and the error, nothing inside requests or urllib3.
    shown = run(client, "def forecast():\n    return requests.get(base, timeout=5)\n\nforecast()")
    assert "forecast()" in shown and "requests.get(base, timeout=5)" in shown
    assert "ConnectionError" in shown and "Connection refused" in shown
    assert "site-packages" not in shown and "%tb" in shown
    # %tb shows the whole traceback, chain and all.
    whole = run(client, "%tb")
    assert "site-packages" in whole and "NewConnectionError" in whole


@pytest.mark.timeout(90)
def test_a_websocket_the_server_closed_says_how_to_connect_again(kernel):
    language, client = kernel
    shown = run(
        client,
        "import websocket\n"
        "raise websocket.WebSocketConnectionClosedException('socket is already closed.')",
    )
    assert "WebSocketConnectionClosedException" in shown  # the ordinary traceback stays
    assert ("Подключитесь заново" if language == "ru" else "Connect again") in shown


@pytest.mark.timeout(90)
def test_the_learners_own_mistake_gets_no_note(kernel):
    _language, client = kernel
    shown = run(client, "undefined_by_any_cell + 1")
    assert "NameError" in shown and "→" not in shown
    shown = run(client, "{}['no such key']")
    assert "KeyError" in shown and "→" not in shown


def test_the_note_names_the_cell_that_binds_the_name():
    cells = ["import requests", "x = 1\nfor day in range(3):\n    pass", "def f():\n    y = 2"]
    assert hints.first_cell_defining("requests", cells) == 1
    assert hints.first_cell_defining("day", cells) == 2
    assert hints.first_cell_defining("y", cells) is None  # local to f, not a global of the lesson


def test_a_closed_websocket_names_the_connection_cell_and_the_servers():
    import websocket

    closed = websocket.WebSocketConnectionClosedException("socket is already closed.")
    cells = ["server = websocket_server.start()", "ws = websocket.create_connection(server.url)"]
    note = hints.note_for(closed, cells, "en")
    # Run All has closed the connection and stopped the server: both cells, in order.
    assert "opens the connection (cell 2: `" in note and "starts it (cell 1: `" in note
    assert "(ячейка 2: `" in hints.note_for(closed, cells, "ru")
    assert "starts it" not in hints.note_for(closed, cells[1:], "en")


@pytest.mark.parametrize("style", ["xmlrpc", "websocket"])
def test_a_bare_connection_refused_still_names_the_stopped_server(style):
    """xmlrpc.client and websocket-client say only "[Errno 111] Connection refused"; the note
    finds the address in the frame that was connecting."""
    import xmlrpc.client

    import websocket

    from mock_servers import websocket_server
    from mock_servers import xmlrpc as weather_xmlrpc

    server = (weather_xmlrpc if style == "xmlrpc" else websocket_server).start(own=True)
    url = server.url
    server.stop()
    try:
        if style == "xmlrpc":
            xmlrpc.client.ServerProxy(url).list_cities()
        else:
            websocket.create_connection(url, timeout=5)
    except ConnectionRefusedError as error:
        refusal = error
    port = url.split(":")[2].split("/")[0]
    note = hints.note_for(refusal, ["server = xmlrpc.start(own=True)"], "en")
    assert f"127.0.0.1:{port}" in note and "(cell 1: `" in note


def test_a_cell_is_named_by_its_place_among_all_cells_and_its_first_line(tmp_path):
    """The number is the one JupyterLab's status bar shows (Markdown cells count too), and the
    first line of code finds the cell whatever its execution count."""
    lesson = tmp_path / "01_rest.ipynb"
    cells = [
        {"cell_type": "markdown", "source": "# 01 · REST"},
        {"cell_type": "code", "source": "# the server\nserver = rest.start(language='ru')"},
        {"cell_type": "markdown", "source": "Now `server.stop()` …"},
    ]
    lesson.write_text(json.dumps({**LESSON, "cells": cells}), encoding="utf-8")
    found = hints.code_cells(lesson)
    number = hints.first_cell_matching(r"\.start\(", found)
    assert number == 2 and hints.first_cell_matching(r"\.stop\(", found) is None
    assert hints.cell_label(found, number) == "2: `server = rest.start(language='ru')`"


def test_the_label_shows_the_line_that_matters_not_the_cells_first():
    cells = [
        "import json\n\nfrom mock_servers import websocket_server\n\n"
        "server = websocket_server.start()"
    ]
    assert hints.cell_label(cells, 1, hints.START) == "1: `server = websocket_server.start()`"
    lost = NameError("name 'websocket_server' is not defined", name="websocket_server")
    assert "`from mock_servers import websocket_server`" in hints.note_for(lost, cells, "en")
