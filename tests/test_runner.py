"""The shared runner: start and stop fast, twice, many at once, nothing left behind."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests

from mock_servers import rest, runner


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_start_returns_a_server_that_answers_at_once():
    with rest.start() as server:
        assert server.running
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert requests.get(server.url + "/cities/moscow", timeout=5).status_code == 200


def test_stop_frees_the_port_and_ends_the_thread():
    server = rest.start()
    requests.get(server.url, timeout=5)
    server.stop()
    assert not server.running
    assert port_is_free(server.port)
    assert not [t for t in threading.enumerate() if t.name == f"mock-rest-{server.port}"]
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url, timeout=5)


def test_stop_is_idempotent_and_repr_says_so():
    server = rest.start()
    server.stop()
    server.stop()
    assert "stopped" in repr(server)


def test_start_and_stop_are_fast():
    starts, stops = [], []
    for _ in range(20):
        began = time.perf_counter()
        server = rest.start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - began)
    assert statistics.median(starts) < 0.05
    assert statistics.median(stops) < 0.05
    assert max(stops) < 0.1


def test_stop_closes_an_idle_client_connection_quickly():
    server = rest.start()
    idle = socket.create_connection(("127.0.0.1", server.port))
    idle.sendall(b"GET /cities HTTP/1.1\r\nHost: x\r\n")  # an unfinished request
    time.sleep(0.05)
    began = time.perf_counter()
    server.stop()
    assert time.perf_counter() - began < 0.5
    assert not [t for t in threading.enumerate() if t.name.startswith(f"mock-rest-{server.port}")]
    idle.close()


def test_same_explicit_port_twice_replaces_the_first_server():
    port = free_port()
    first = rest.start(port=port)
    second = rest.start(port=port)
    try:
        assert not first.running
        assert second.running
        assert requests.get(second.url + "/cities", timeout=5).status_code == 200
    finally:
        second.stop()


def test_a_port_taken_by_another_program_is_a_clear_error():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            rest.start(port=port)


def test_many_servers_at_once_each_on_its_own_port():
    servers = [rest.start() for _ in range(15)]
    try:
        assert len({s.port for s in servers}) == 15
        for server in servers:
            assert requests.get(server.url + "/cities/kazan", timeout=5).json()["id"] == "kazan"
        assert set(runner.running_servers()) >= set(servers)
    finally:
        for server in servers:
            server.stop()
    assert not any(s.running for s in servers)
    assert all(port_is_free(s.port) for s in servers)
    assert not [t for t in threading.enumerate() if t.name.startswith("mock-")]


def test_servers_are_daemon_threads():
    with rest.start() as server:
        thread = next(t for t in threading.enumerate() if t.name == f"mock-rest-{server.port}")
        assert thread.daemon


def test_server_threads_never_print(capsys):
    with rest.start() as server:
        requests.get(server.url + "/cities", timeout=5)
        requests.get(server.url + "/no/such/route", timeout=5)
        requests.post(server.url + "/observations", data="{", timeout=5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert server.log.lines[0] == "GET /cities → 200"


def test_request_log_shows_and_clears(capsys):
    with rest.start() as server:
        requests.get(server.url + "/cities/moscow?x=1", timeout=5)
        server.log.show()
    assert capsys.readouterr().out == "GET /cities/moscow?x=1 → 200\n"
    assert len(server.log) == 0


def test_rerunning_a_notebook_cell_replaces_its_server():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        runner._watch_notebook_cells()
        shell.run_cell("from mock_servers import rest\nserver = rest.start()", cell_id="cell-1")
        first = shell.user_ns["server"]
        shell.run_cell("other = rest.start()", cell_id="cell-2")
        shell.run_cell("from mock_servers import rest\nserver = rest.start()", cell_id="cell-1")
        second = shell.user_ns["server"]
        assert first is not second
        assert not first.running, "re-running the cell must stop the server it started before"
        assert second.running
        assert shell.user_ns["other"].running, "another cell's server is left alone"
    finally:
        runner.stop_all()
        InteractiveShell.clear_instance()


def test_command_line_serves_until_interrupted():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_servers", "rest", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first_line
        assert requests.get(f"http://127.0.0.1:{port}/cities/sochi", timeout=5).ok
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "GET /cities/sochi → 200" in out
    assert "Traceback" not in err
    assert port_is_free(port)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_command_line_refuses_a_taken_port_without_a_traceback():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mock_servers", "rest", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_no_connection_thread_outlives_stop():
    for _ in range(30):
        server = rest.start()
        requests.get(server.url + "/cities", timeout=5)
        server.stop()
        leftovers = [
            t for t in threading.enumerate() if t.name.startswith(f"mock-rest-{server.port}")
        ]
        assert not leftovers


def test_a_server_whose_handle_was_dropped_is_still_found_and_freed():
    import gc

    port = free_port()
    rest.start(port=port)  # the handle is thrown away, as in a cell without an assignment
    gc.collect()
    assert any(server.port == port for server in runner.running_servers())
    with rest.start(port=port) as again:
        assert requests.get(again.url + "/cities", timeout=5).ok
    assert port_is_free(port)
