"""Errors that teach: a short note in the lesson's language above the mistakes learners really make.

Loaded into every kernel of the course as an IPython extension (the course's kernel spec starts
IPython with ``--ext=mock_servers.hints``; ``python -m mock_servers.jupyter_setup`` installs that
spec into the current environment, and ``make install`` and Binder's ``postBuild`` run it).
Elsewhere ``%load_ext mock_servers.hints`` loads it by hand.  Three mistakes get a note:

- a name that an earlier cell of this notebook defines is missing, as after a kernel restart:
  which cell defines it, and *Run → Run All Above*;
- a request to a course server on this machine that is no longer there (the lesson stopped it,
  or the kernel restarted): run the cell that starts it again;
- a WebSocket connection that is closed (by the lesson's last cell or by the server): why, and
  how to connect again.

The note comes *above* the traceback.  For a name lost in a restart that is the ordinary
traceback.  For a server that does not answer or a closed WebSocket, the traceback keeps only the
learner's own lines (their cell, their functions) and the final error, without the dozens of lines
inside requests, urllib3 or websocket-client that say nothing more; a last line says that ``%tb``
shows all of it.  Any other error, the learner's own mistakes above all, is shown exactly as IPython
shows it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import sysconfig
import types
from pathlib import Path

NOTES = {
    "en": {
        "name": "“{name}” is defined in an earlier cell of this lesson (cell {cell}), which has "
        "not run since the kernel started. Run the cells above again: Run → Run All Above.",
        "stopped": "Nothing answers at {address}: the course server there has been stopped (the "
        "lesson stops its servers at the end, and a kernel restart stops them too). Run the cell "
        "that starts it again{where}, then this cell.",
        "closed": "This WebSocket connection is closed: the lesson closes it in its last cell, and "
        "the server closes it when the server stops or the connection stays silent too long. "
        "Connect again: run the cell that opens the connection{where}, then this cell.{start}",
        "start": " If the server has stopped too, first run the cell that starts it (cell {cell}).",
        "where": " (cell {cell})",
        "short": "(Only the lines of your own code are shown; %tb shows the whole traceback.)",
        "room": "Nothing answers at {address}, the teacher's shared server for the room. Ask the "
        "teacher whether it is running; `python -m mock_servers.room` in a terminal checks every "
        "style. To go on without it: `python -m mock_servers.room leave`, then run the cell that "
        "starts the server again{where}.",
    },
    "ru": {
        "name": "«{name}» определяется в одной из предыдущих ячеек урока (ячейка {cell}), а она не "
        "запускалась после старта ядра. Запустите ячейки выше ещё раз: Run → Run All Above "
        "(«Выполнить все ячейки выше»).",
        "stopped": "По адресу {address} никто не отвечает: учебный сервер там уже остановлен (урок "
        "останавливает свои серверы в конце, а перезапуск ядра — тоже). Запустите снова ячейку, "
        "которая его запускает{where}, а потом эту.",
        "closed": "Это соединение WebSocket закрыто: урок закрывает его в последней ячейке, а "
        "сервер — когда его останавливают или когда соединение слишком долго молчит. Подключитесь "
        "заново: запустите ячейку, которая открывает соединение{where}, а потом эту.{start}",
        "start": " Если остановлен и сервер, сначала запустите ячейку, которая его запускает "
        "(ячейка {cell}).",
        "where": " (ячейка {cell})",
        "short": "(Показаны только строки вашего кода; всю трассировку стека (traceback) покажет "
        "команда %tb.)",
        "room": "По адресу {address} не отвечает общий сервер преподавателя. Спросите "
        "преподавателя, запущен ли он; команда `python -m mock_servers.room` в терминале проверит "
        "все стили. Чтобы продолжить без него, выполните `python -m mock_servers.room leave` и "
        "снова запустите ячейку, которая запускает сервер{where}.",
    },
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
START = r"\.start\("  # the line that starts a course server
CONNECT = r"create_connection\(|WebSocketApp\("  # the line that opens a WebSocket connection
# Code that is not the learner's: the standard library, installed packages, the course's servers.
NOT_THE_LEARNERS = tuple(
    {
        os.path.realpath(sysconfig.get_path(name)) + os.sep
        for name in ("stdlib", "purelib", "platlib")
    }
    | {os.path.realpath(Path(__file__).parent) + os.sep}
)


def notebook_path() -> Path | None:
    """The notebook this kernel serves, as Jupyter tells the kernel (JPY_SESSION_NAME)."""
    name = os.environ.get("JPY_SESSION_NAME")
    return Path(name) if name and name.endswith(".ipynb") and Path(name).is_file() else None


def language(path: Path | None) -> str:
    """The lesson's language: its folder (notebooks/ru/...) or its name (..._ru.ipynb)."""
    if path is not None:
        if "ru" in path.parts[:-1] or path.stem.endswith("_ru"):
            return "ru"
    return "en"


def code_cells(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    # Every cell keeps its place, so that a cell's number is the one JupyterLab's status bar shows
    # ("Cell 4/58"); a Markdown cell is empty here, so that no name or start is found in it.
    return [
        "".join(c.get("source", "")) if c.get("cell_type") == "code" else ""
        for c in notebook.get("cells", [])
    ]


def cell_label(cells: list[str], number: int, pattern: str = r"\S") -> str:
    """How a note names cell ``number``: its number and the line to find it by (the first line
    of code that matches ``pattern``: the start, the connection, the name's definition)."""
    lines = (
        [line.strip() for line in cells[number - 1].splitlines()] if number <= len(cells) else []
    )
    code = [line for line in lines if line and not line.startswith("#")]
    line = next((line for line in code if re.search(pattern, line)), code[0] if code else "")
    line = line.replace("`", "'")
    if len(line) > 60:
        line = line[:59] + "…"
    return f"{number}: `{line}`" if line else str(number)


def defined_names(source: str) -> set[str]:
    """The global names a cell binds: assignments, imports, def and class."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        else:
            for child in ast.walk(node):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    names.add(child.id)
    return names


def first_cell_defining(name: str, cells: list[str]) -> int | None:
    """The 1-based number (among code cells) of the first cell that binds ``name``."""
    for number, source in enumerate(cells, start=1):
        if name in defined_names(source):
            return number
    return None


def first_cell_matching(pattern: str, cells: list[str]) -> int | None:
    for number, source in enumerate(cells, start=1):
        if re.search(pattern, source):
            return number
    return None


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def note_for(error: BaseException, cells: list[str], lang: str) -> str | None:
    """The note for this error, or None when it is none of the mistakes above."""
    text = NOTES[lang]
    if isinstance(error, NameError) and getattr(error, "name", None):
        cell = first_cell_defining(error.name, cells)
        if cell is None:
            return None
        label = cell_label(cells, cell, rf"\b{re.escape(error.name)}\b")
        return text["name"].format(name=error.name, cell=label)
    if _is_websocket_closed(error):
        where = _where(text["where"], cells, CONNECT)
        # After Run All the lesson has stopped its server as well as closed the connection.
        start = _where(text["start"], cells, START, unless=first_cell_matching(CONNECT, cells))
        return text["closed"].format(where=where, start=start)
    address = _unanswered_room_address(error)
    if address:
        return text["room"].format(address=address, where=_where(text["where"], cells, START))
    address = _refused_local_address(error)
    if address:
        return text["stopped"].format(address=address, where=_where(text["where"], cells, START))
    return None


def _where(template: str, cells: list[str], pattern: str, unless: int | None = None) -> str:
    """``template`` naming the first cell with a line matching ``pattern``; "" when there is
    none, or when it is the cell ``unless`` (already named)."""
    cell = first_cell_matching(pattern, cells)
    if cell is None or cell == unless:
        return ""
    return template.format(cell=cell_label(cells, cell, pattern))


def _is_websocket_closed(error: BaseException) -> bool:
    for link in _chain(error):
        name = type(link).__name__
        module = type(link).__module__ or ""
        if name == "WebSocketConnectionClosedException" or (
            module.startswith("websocket") and isinstance(link, BrokenPipeError | ConnectionError)
        ):
            return True
    return False


def _refused_local_address(error: BaseException) -> str | None:
    """host:port of a refused connection to this machine, found in the error chain."""
    refused = any(isinstance(link, ConnectionRefusedError) for link in _chain(error))
    words = " ".join(str(link) for link in _chain(error))
    if not refused and "Connection refused" not in words and "Errno 111" not in words:
        return None
    match = re.search(r"host='([^']+)', port=(\d+)", words) or re.search(
        r"\b(127\.0\.0\.1|localhost|\[::1\]):(\d+)", words
    )
    if match and match.group(1) in LOCAL_HOSTS:
        return f"{match.group(1)}:{match.group(2)}"
    return _address_being_connected(error, LOCAL_HOSTS) if refused else None


def _address_being_connected(error: BaseException, hosts: tuple[str, ...]) -> str | None:
    """host:port that the failed connect was for, when the message does not say it (xmlrpc.client
    and websocket-client raise a bare ``[Errno 111] Connection refused``).  The socket module's
    ``create_connection`` holds it as ``host`` and ``port``, websocket-client as ``address``."""
    wanted = {known.strip("[]") for known in hosts}
    for link in _chain(error):
        tb = link.__traceback__
        while tb is not None:
            names = tb.tb_frame.f_locals
            host, port = names.get("host"), names.get("port")
            address = names.get("address")
            if isinstance(address, tuple) and len(address) >= 2:
                host, port = address[0], address[1]
            if isinstance(host, str) and isinstance(port, int) and host.strip("[]") in wanted:
                host = host.strip("[]")
                return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            tb = tb.tb_next
    return None


def _unanswered_room_address(error: BaseException) -> str | None:
    """host:port of one of the shared room's servers that refused or did not answer, when this
    learner has joined a room (``python -m mock_servers.room join``)."""
    words = " ".join(str(link) for link in _chain(error))
    refused = any(isinstance(link, ConnectionRefusedError | TimeoutError) for link in _chain(error))
    if not refused and not re.search(r"Connection refused|Errno 111|timed out", words):
        return None
    from mock_servers import room_setting  # only when such an error happens

    try:
        setting = room_setting.current()
    except ValueError:
        return None
    if setting is None:
        return None
    host = re.escape(setting.host.strip("[]"))
    ports = [
        int(match.group(1) or match.group(2))
        for match in re.finditer(rf"host='\[?{host}\]?', port=(\d+)|\[?{host}\]?:(\d+)", words)
    ]
    if not ports:  # a bare "Connection refused": the address is in the connecting frames
        address = _address_being_connected(error, (setting.host,))
        ports = [int(address.rsplit(":", 1)[1])] if address else []
    for port in ports:
        if setting.port <= port < setting.port + 16:
            return f"{setting.host}:{port}"
    return None


def learners_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The same traceback with only the frames of the learner's code (cells, their own modules)."""
    kept = []
    while tb is not None:
        if not os.path.realpath(tb.tb_frame.f_code.co_filename).startswith(NOT_THE_LEARNERS):
            kept.append(tb)
        tb = tb.tb_next
    short = None
    for entry in reversed(kept):
        short = types.TracebackType(short, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return short


def _show_short(shell, etype, value, tb, lang: str) -> bool:
    """Show the traceback of a course-server error with the learner's lines only; False when the
    learner has no line in it (then the whole one is shown)."""
    short = learners_frames(tb)
    if short is None:
        return False
    # The chain (requests' error caused by urllib3's, caused by the socket's) is the long part; it
    # is hidden only while this one traceback is drawn, so %tb still shows everything.
    hidden = value.__suppress_context__, value.__cause__
    value.__suppress_context__, value.__cause__ = True, None
    try:
        shell.showtraceback((etype, value, short), tb_offset=0)
    finally:
        value.__suppress_context__, value.__cause__ = hidden
        sys.last_traceback = tb  # what %tb shows
    print(NOTES[lang]["short"], file=sys.stderr)
    return True


def _handler(shell, etype, value, tb, tb_offset=None):
    try:
        path = notebook_path()
        lang = language(path)
        note = note_for(value, code_cells(path), lang)
    except Exception:  # a hint must never be the cause of a second error
        note = None
    if note:
        print(f"→ {note}\n", file=sys.stderr)
        # A lost name is the learner's line already; a server error is mostly library frames.
        if not isinstance(value, NameError) and _show_short(shell, etype, value, tb, lang):
            return
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def load_ipython_extension(shell) -> None:
    """IPython calls this for ``--ext=mock_servers.hints`` or ``%load_ext mock_servers.hints``."""
    # Every error passes through the handler, which adds a note only to the mistakes above and
    # shows everything else exactly as IPython would.  (websocket-client's closed-connection
    # error derives from Exception alone, requests' errors from OSError.)
    shell.set_custom_exc((Exception,), _handler)


def install_kernel_spec(prefix: str = sys.prefix) -> Path:
    """Make the python3 kernel of this environment (the one notebooks ask for) load the hints."""
    folder = Path(prefix) / "share" / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [
            "python",  # jupyter_client starts the Python it runs in, this environment's
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--ext=mock_servers.hints",
        ],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    print(f"Kernel spec with the course's hints: {install_kernel_spec()}")
