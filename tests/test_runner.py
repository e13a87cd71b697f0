"""The shared runner and the HTTP servers under it: start and stop fast, twice,
many at once, nothing left behind; HTTP/1.1 keep-alive; the room's limits."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from xmlrpc.client import ProtocolError, ServerProxy

import pytest
import requests
from waiting import QUICK  # tests/waiting.py

from mock_servers import http_server, jsonrpc, limits, rest, runner, soap, xmlrpc


def test_start_returns_a_server_that_answers_at_once():
    with rest.start() as server:
        assert server.running
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert requests.get(server.url + "/cities/moscow", timeout=5).status_code == 200


def test_stop_frees_the_port_and_ends_the_thread(port_is_free):
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


def test_start_and_stop_take_well_under_a_second():
    # Loose bounds (two loaded cores); benchmarks/ prints the real figures.
    for _ in range(10):
        began = time.perf_counter()
        server = rest.start()
        server.stop()
        assert time.perf_counter() - began < QUICK


def test_stop_closes_an_idle_client_connection_quickly(wait_until):
    server = rest.start()
    idle = socket.create_connection(("127.0.0.1", server.port))
    idle.sendall(b"GET /cities HTTP/1.1\r\nHost: x\r\n")  # an unfinished request
    wait_until(lambda: open_connections(server) == 1, what="the connection to be accepted")
    began = time.perf_counter()
    server.stop()
    assert time.perf_counter() - began < QUICK  # not the request timeout
    assert not [t for t in threading.enumerate() if t.name.startswith(f"mock-rest-{server.port}")]
    idle.close()


def test_same_explicit_port_twice_replaces_the_first_server(free_port):
    port = free_port
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


def test_many_servers_at_once_each_on_its_own_port(port_is_free):
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


def test_command_line_serves_until_interrupted(free_port, port_is_free):
    port = free_port
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


def test_a_server_whose_handle_was_dropped_is_still_found_and_freed(free_port, port_is_free):
    import gc

    port = free_port
    rest.start(port=port)  # the handle is thrown away, as in a cell without an assignment
    gc.collect()
    assert any(server.port == port for server in runner.running_servers())
    with rest.start(port=port) as again:
        assert requests.get(again.url + "/cities", timeout=5).ok
    assert port_is_free(port)


# --------------------------------------------------------------------------
# HTTP/1.1 keep-alive


def open_connections(server: runner.RunningServer) -> int:
    return server._backend.server.open_connections


def exchange(sock: socket.socket, request: bytes, responses: int = 1) -> bytes:
    """Send ``request`` and read until ``responses`` complete HTTP answers came."""
    sock.sendall(request)
    sock.settimeout(10)
    data = b""
    while data.count(b"HTTP/1.1 ") < responses or not _complete(data, responses):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _complete(data: bytes, responses: int) -> bool:
    rest = data
    for _ in range(responses):
        head, sep, body = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        if length is None:  # chunked
            end = body.find(b"0\r\n\r\n")
            if end < 0:
                return False
            rest = body[end + 5 :]
        elif len(body) < length:
            return False
        else:
            rest = body[length:]
    return True


SOAP_LIST_CITIES = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:w="urn:weather-course:weather"><soap:Body><w:ListCities/></soap:Body></soap:Envelope>'
)
SOAP_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '"urn:weather-course:weather/ListCities"',
}


@pytest.mark.parametrize("style", ["rest", "soap", "jsonrpc", "xmlrpc"])
def test_a_session_makes_several_calls_over_one_connection(style):
    server = {"rest": rest, "soap": soap, "jsonrpc": jsonrpc, "xmlrpc": xmlrpc}[style].start()
    with server, requests.Session() as session:
        for _ in range(5):
            if style == "rest":
                response = session.get(server.url + "/cities/kazan", timeout=5)
            elif style == "soap":
                response = session.post(
                    server.url, data=SOAP_LIST_CITIES, headers=SOAP_HEADERS, timeout=5
                )
            elif style == "jsonrpc":
                call = {"jsonrpc": "2.0", "method": "list_cities", "id": 1}
                response = session.post(server.url, json=call, timeout=5)
            else:
                call = "<methodCall><methodName>list_cities</methodName></methodCall>"
                response = session.post(server.url, data=call, timeout=5)
            assert response.status_code == 200
            assert response.headers.get("Connection", "").lower() != "close"
        assert server._backend.server.connections_opened == 1


def test_an_unread_request_body_is_discarded_and_the_connection_kept():
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        body = b"x" * 5000  # a POST to a route that never reads it
        first = exchange(
            sock,
            b"POST /no/such/route HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + body,
        )
        assert first.startswith(b"HTTP/1.1 404") and b"Connection: close" not in first
        second = exchange(sock, b"GET /cities/sochi HTTP/1.1\r\nHost: t\r\n\r\n")
        assert second.startswith(b"HTTP/1.1 200") and b'"sochi"' in second


def test_a_large_unread_body_closes_the_connection_and_says_so(closed_by_peer):
    size = limits.DISCARD_BODY_BYTES + 1
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = f"POST /no/such/route HTTP/1.1\r\nHost: t\r\nContent-Length: {size}\r\n\r\n"
        answer = exchange(sock, head.encode())  # the body is never sent
        assert answer.startswith(b"HTTP/1.1 404")
        assert b"Connection: close" in answer
        assert closed_by_peer(sock)


def test_pipelined_requests_are_answered_in_order():
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        two = (
            b"GET /cities/kazan HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /cities/sochi HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        answers = exchange(sock, two, responses=2)
        assert answers.count(b"HTTP/1.1 200") == 2
        assert answers.index(b'"kazan"') < answers.index(b'"sochi"')


def test_a_client_asking_to_close_gets_connection_close(closed_by_peer):
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        answer = exchange(sock, b"GET /cities HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert b"Connection: close" in answer
        assert closed_by_peer(sock)


def test_a_response_without_length_is_chunked_and_the_connection_kept():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"no "
        yield b"length"

    with http_server.start_wsgi("plain", app, "127.0.0.1", 0) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            for _ in range(2):
                answer = exchange(sock, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                assert b"Transfer-Encoding: chunked" in answer
                assert b"Connection: close" not in answer
                assert answer.endswith(b"3\r\nno \r\n6\r\nlength\r\n0\r\n\r\n")


def test_a_chunked_request_body_is_read_then_the_connection_closed(closed_by_peer):
    def app(environ, start_response):
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    with http_server.start_wsgi("plain", app, "127.0.0.1", 0) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            request = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            answer = exchange(sock, request + b"5\r\nhello\r\n0\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"hello")
            assert b"Connection: close" in answer
            assert closed_by_peer(sock)


def test_a_broken_content_length_never_desynchronises_the_connection(closed_by_peer):
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        request = (
            b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n"
            b"GET / HTTP/1.1\r\n"
        )
        answer = exchange(sock, request)
        assert answer.startswith(b"HTTP/1.1 4")
        assert closed_by_peer(sock)


# --------------------------------------------------------------------------
# The room's limits


def test_a_full_server_refuses_with_503_and_retry_after(wait_until):
    with limits.overridden(max_connections=2):
        server = rest.start()
    with server:
        holders = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        try:
            wait_until(lambda: open_connections(server) == 2, what="two open connections")
            refused = requests.get(server.url + "/cities", timeout=10)
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == str(limits.RETRY_AFTER)
            assert refused.headers["Connection"] == "close"
            assert "(connection refused: 2 already open)" in server.log.lines
            holders.pop().close()
            wait_until(lambda: requests.get(server.url + "/cities", timeout=10).ok, what="room")
        finally:
            for holder in holders:
                holder.close()


def test_xmlrpc_refuses_the_same_way_when_full(wait_until):
    with limits.overridden(max_connections=1):
        server = xmlrpc.start()
    with server, socket.create_connection(("127.0.0.1", server.port)):
        wait_until(lambda: open_connections(server) == 1, what="one open connection")
        with pytest.raises(ProtocolError) as refused:
            ServerProxy(server.url).list_cities()
        assert refused.value.errcode == 503


def test_a_slow_loris_client_is_dropped_while_others_are_served(closed_by_peer):
    with limits.overridden(request_timeout=0.5):
        server = rest.start()
    with server, socket.create_connection(("127.0.0.1", server.port)) as slow:
        slow.sendall(b"GET /cities HTTP/1.1\r\n")
        dropped = threading.Event()

        def trickle():
            # One header byte at a time, each in time for an idle timeout but
            # never finishing the request.
            try:
                while not dropped.is_set():
                    slow.sendall(b"X")
                    time.sleep(0.05)
            except OSError:
                pass

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        with requests.Session() as others:
            for _ in range(3):
                assert others.get(server.url + "/cities/kazan", timeout=5).ok
        assert closed_by_peer(slow)
        dropped.set()
        trickler.join(5)


def test_an_idle_connection_is_closed_after_the_idle_timeout(closed_by_peer):
    # 1 s: a busy machine must still send the first request in time.
    with limits.overridden(idle_timeout=1.0):
        server = rest.start()
    with server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        answer = exchange(sock, b"GET /cities HTTP/1.1\r\nHost: t\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200")
        assert closed_by_peer(sock)  # kept alive, then closed once silent for long


def test_a_silent_connection_is_closed_too(closed_by_peer):
    with limits.overridden(idle_timeout=0.3):
        server = soap.start()
    with server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        assert closed_by_peer(sock)


def test_a_learners_session_recovers_from_an_idle_close_without_error(wait_until):
    # 1 s: a busy machine must still send each request in time after connecting.
    with limits.overridden(idle_timeout=1.0):
        server = rest.start()
    with server, requests.Session() as session:
        assert session.get(server.url + "/cities", timeout=5).ok
        wait_until(lambda: open_connections(server) == 0, what="the idle close")
        assert session.get(server.url + "/cities", timeout=5).ok


def test_request_lines_are_escaped_before_they_reach_the_log():
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        exchange(sock, b"GET /\x1b[2J\x1b]0;owned\x07 HTTP/1.1\r\nHost: t\r\n\r\n")
        line = server.log.lines[-1]
    assert "\x1b" not in line and "\x07" not in line
    assert line.startswith("GET /\\x1b[2J\\x1b]0;owned\\x07 → 4")


def test_printable_escapes_controls_keeps_letters_and_bounds_length():
    assert runner.printable("Казань\u202egnp.exe\r\n") == "Казань\\u202egnp.exe\\r\\n"
    long = runner.printable("GET /" + "a" * 10_000)
    assert len(long) == limits.LOG_LINE_CHARS and long.endswith("…")


def test_the_command_line_echo_is_escaped_too():
    log = runner.RequestLog()
    printed = []
    log.echo = printed.append
    log.record("GET /\x1b[31mred → 404")
    assert printed == ["GET /\\x1b[31mred → 404"]


def test_limits_hold_together():
    assert limits.DEFAULT.max_connections > 30 * 5  # a room of 30, five connections each
    assert limits.DEFAULT.idle_timeout >= 30 and limits.DEFAULT.request_timeout >= 10
    assert json.dumps(limits.DEFAULT.__dict__)  # plain values, printable by the CLI


# --------------------------------------------------------------------------
# The command line for a room


def run_command_line(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mock_servers", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen, text: str) -> list[str]:
    lines = []
    for line in process.stdout:
        lines.append(line)
        if text in line:
            return lines
    pytest.fail(f"the command line ended without printing {text!r}: {lines}")


def finish(process: subprocess.Popen) -> tuple[str, str]:
    try:
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


def test_banner_lists_every_interface_in_the_styles_form(monkeypatch):
    from mock_servers import __main__ as cli

    monkeypatch.setattr(
        cli,
        "interface_addresses",
        lambda host: [("wlan0", "192.168.1.20"), ("eth0", "fd00::7"), ("lo", "127.0.0.1")],
    )

    class Server:
        host, port, url = "0.0.0.0", 8001, "http://0.0.0.0:8001/soap"

    lines = cli.banner("soap", Server(), quiet=False)
    assert "http://192.168.1.20:8001/soap" in lines[1] and "wlan0" in lines[1]
    assert "http://[fd00::7]:8001/soap" in lines[2]
    assert "this machine only" in lines[3]
    assert any("http://192.168.1.20:8001/soap?wsdl" in line for line in lines)
    assert not any("0.0.0.0" in line for line in lines)

    Server.url = "0.0.0.0:8001"  # gRPC's target has no scheme
    assert "  192.168.1.20:8001" in cli.banner("grpc", Server(), quiet=True)[1]


def test_interface_addresses_of_a_wildcard_include_the_loopback_last():
    from mock_servers import __main__ as cli

    addresses = [address for _name, address in cli.interface_addresses("0.0.0.0")]
    assert addresses[-1].startswith("127.")
    assert "0.0.0.0" not in addresses
    assert cli.interface_addresses("127.0.0.1") == [("", "127.0.0.1")]


def test_typing_reset_gives_fresh_data_on_the_same_port(free_port):
    port = free_port
    url = f"http://127.0.0.1:{port}"
    process = run_command_line("rest", "--port", str(port), "--quiet")
    try:
        read_until(process, "Ctrl-C")
        initial = requests.get(url + "/observations", timeout=5).json()
        new = {"city": "kazan", "date": "2026-06-03", "temperature": 20}
        key = {"X-API-Key": rest.API_KEY}
        assert requests.post(url + "/observations", json=new, headers=key, timeout=5).ok
        assert requests.get(url + "/observations", timeout=5).json() != initial
        process.stdin.write("reset\n")
        process.stdin.flush()
        read_until(process, "reset: fresh data")
        assert requests.get(url + "/observations", timeout=5).json() == initial
    finally:
        out, err = finish(process)
    assert "GET /observations" not in out  # --quiet: no line per request
    assert process.returncode == 0 and "Traceback" not in err


def test_cors_option_reaches_the_rest_server(free_port):
    answer = rest.create_app(cors=True).test_client().get("/cities", headers={"Origin": "x"})
    if "Access-Control-Allow-Origin" not in answer.headers:
        pytest.skip("this REST server does not answer with CORS yet")
    port = free_port
    process = run_command_line("rest", "--port", str(port), "--cors")
    try:
        read_until(process, "Ctrl-C")
        answer = requests.get(
            f"http://127.0.0.1:{port}/cities",
            headers={"Origin": "http://example.org"},
            timeout=5,
        )
        assert answer.headers.get("Access-Control-Allow-Origin") in ("*", "http://example.org")
    finally:
        finish(process)


def test_cors_is_refused_for_other_styles():
    result = subprocess.run(
        [sys.executable, "-m", "mock_servers", "soap", "--cors"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--cors" in result.stderr


def test_answers_leave_at_once_without_waiting_for_nagle(wait_until):
    # Nagle's algorithm would hold each answer's last write for the client's
    # delayed ACK, 40 ms per call on a kept-alive connection.
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)):
        wait_until(lambda: open_connections(server) == 1, what="the connection")
        (connection,) = server._backend.server._open_sockets
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_reset_every_gives_fresh_data_by_itself(free_port):
    process = run_command_line("rest", "--port", str(free_port), "--reset-every", "0.005")
    try:
        read_until(process, "Ctrl-C")
        read_until(process, "reset: fresh data")  # every 0.3 s
        read_until(process, "reset: fresh data")
    finally:
        out, err = finish(process)
    assert process.returncode == 0 and "Traceback" not in err


def test_expect_100_continue_is_answered_once_and_the_connection_kept():
    body = json.dumps({"city": "kazan", "date": "2026-06-04", "temperature": 19}).encode()
    head = (
        "POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {rest.API_KEY}\r\nExpect: 100-continue\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with rest.start() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head)
        sock.settimeout(10)
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += sock.recv(1)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        created = exchange(sock, body)
        assert created.startswith(b"HTTP/1.1 201") and b"100 Continue" not in created
        again = exchange(sock, b"GET /cities/kazan HTTP/1.1\r\nHost: t\r\n\r\n")
        assert again.startswith(b"HTTP/1.1 200")
