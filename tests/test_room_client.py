"""The learner's side of a shared room (mock_servers.room, room_setting, room_command): the setting
and its order, join and leave, names, each style's address in both languages, and the notes."""

from __future__ import annotations

import json
import re
import sys

import pytest

from mock_servers import room, room_command, room_setting, wire
from mock_servers.room_setting import RoomError


@pytest.fixture(autouse=True)
def clean_setting(monkeypatch, tmp_path):
    """A config folder of the test's own; no room, no name, no hub user; the stop note unsaid."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(sys, "platform", "linux")
    for variable in ("API_COURSE_ROOM", "API_COURSE_LEARNER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(room_setting, "_made_here", [])
    monkeypatch.setattr(room, "_stop_noted", [])


# --------------------------------------------------------------------------
# The setting and its order


def test_no_room_at_all():
    assert room_setting.current() is None
    assert room.shared_server("rest") is None


def test_the_environment_sets_a_room_and_names_the_learner(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.5:8000/")
    monkeypatch.setenv("API_COURSE_LEARNER", "Anna K")
    setting = room_setting.current()
    assert (setting.url, setting.name, setting.source) == (
        "http://10.0.0.5:8000",
        "anna-k",
        "environment",
    )


def test_the_environment_wins_over_the_file(monkeypatch):
    room_setting.join("http://10.0.0.5:8000", "anna")
    assert room_setting.current().source == "file"
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.9:9000")
    setting = room_setting.current()
    assert (setting.url, setting.name, setting.source) == (
        "http://10.0.0.9:9000",
        "anna",
        "environment",
    )


@pytest.mark.parametrize("off", ["", "off", "OFF", "  off "])
def test_off_in_the_environment_means_no_room_whatever_the_file_says(monkeypatch, off):
    room_setting.join("http://10.0.0.5:8000", "anna")
    monkeypatch.setenv("API_COURSE_ROOM", off)
    assert room_setting.current() is None
    assert room.shared_server("soap", "ru") is None


def test_a_malformed_room_in_the_environment_is_an_error_not_a_silent_local_server(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "192.168.1.10")  # the port forgotten
    with pytest.raises(RoomError, match="no port"):
        room.shared_server("rest")


def test_a_room_from_the_environment_alone_keeps_one_made_name_for_every_kernel(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.5:8000")
    monkeypatch.setenv("JUPYTERHUB_USER", "maria")
    first = room_setting.current().name
    assert re.fullmatch(r"maria-[0-9a-f]{4}", first)
    monkeypatch.setattr(room_setting, "_made_here", [])  # another kernel: it finds the file's
    assert room_setting.current().name == first


# --------------------------------------------------------------------------
# Join and leave


def test_join_writes_the_users_config_file_and_leave_forgets_the_room_not_the_name(tmp_path):
    setting = room_setting.join("10.0.0.5:8000")  # no scheme: http is meant
    path = tmp_path / "config" / "api-course" / "room.json"
    assert room_setting.config_file() == path
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved == {"url": "http://10.0.0.5:8000", "name": setting.name}
    assert room_setting.current() == setting

    assert room_setting.leave() is True
    assert room_setting.current() is None
    assert room_setting.leave() is False
    assert room_setting.join("http://10.0.0.6:8000").name == setting.name  # the same space


def test_join_with_a_name_uses_it_normalised():
    assert room_setting.join("http://10.0.0.5:8000", "  Ivan_Petrov ").name == "ivan-petrov"


def test_on_windows_the_file_is_in_appdata(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert room_setting.config_file() == tmp_path / "Roaming" / "api-course" / "room.json"


def test_without_xdg_config_home_the_file_is_under_dot_config(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert room_setting.config_file() == tmp_path / ".config" / "api-course" / "room.json"


def test_a_file_edited_into_nonsense_is_as_if_never_joined(tmp_path):
    path = room_setting.write_file({"url": "not an address"})
    assert path.exists() and room_setting.current() is None
    path.write_text("{broken", encoding="utf-8")
    assert room_setting.current() is None


# --------------------------------------------------------------------------
# Addresses and names


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("http://192.168.1.10:8000", "http://192.168.1.10:8000"),
        ("192.168.1.10:8000/", "http://192.168.1.10:8000"),
        ("http://teacher.local:8100", "http://teacher.local:8100"),
        ("http://[fe80::1]:8000", "http://[fe80::1]:8000"),
    ],
)
def test_room_addresses(given, url):
    assert room_setting.room_url(given) == url


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("https://10.0.0.5:8000", "not a room address"),
        ("http://10.0.0.5", "no port"),
        ("http://10.0.0.5:65530", "15 after it"),
        ("http://10.0.0.5:8000/learners/anna", "address alone"),
        ("http://10.0.0.5:8000?x=1", "address alone"),
        ("http://10.0.0.5:port", "not a room address"),
        ("", "not a room address"),
    ],
)
def test_bad_room_addresses_say_why_in_both_languages(given, reason):
    with pytest.raises(RoomError, match=reason) as error:
        room_setting.room_url(given)
    assert re.search("[а-я]", error.value.text("ru"))


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("Anna", "anna"),
        ("Анна Петрова", "anna-petrova"),
        ("Жёлудев", "zheludev"),
        ("José.García", "jose-garcia"),
        ("--a__b--", "a-b"),
        ("x" * 60, "x" * 40),
    ],
)
def test_names_are_normalised_to_what_the_server_accepts(given, name):
    assert room_setting.normalised_name(given) == name
    assert room_setting.NAME.fullmatch(room_setting.checked_name(given))


def test_a_name_with_nothing_usable_is_refused():
    with pytest.raises(RoomError):
        room_setting.checked_name("!!! ???")


def test_made_names_add_four_random_hex_digits_and_stay_within_40_characters(monkeypatch):
    assert re.fullmatch(r"learner-[0-9a-f]{4}", room_setting.made_name(""))
    long = room_setting.made_name("a" * 80)
    assert len(long) <= 40 and room_setting.NAME.fullmatch(long)
    monkeypatch.setenv("JUPYTERHUB_USER", "Пётр")
    assert re.fullmatch(r"petr-[0-9a-f]{4}", room_setting.made_name())
    assert len({room_setting.made_name("same") for _ in range(20)}) > 1


# --------------------------------------------------------------------------
# Each style's address in the room


EXPECTED = {
    "rest": "http://10.0.0.5:{p0}/learners/anna",
    "soap": "http://10.0.0.5:{p1}/learners/anna/soap",
    "xmlrpc": "http://10.0.0.5:{p2}/learners/anna/RPC2",
    "jsonrpc": "http://10.0.0.5:{p3}/learners/anna/jsonrpc",
    "grpc": "10.0.0.5:{p4}",
    "websocket": "ws://10.0.0.5:{p5}/learners/anna/weather",
}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("style", list(EXPECTED))
def test_each_styles_url_in_each_languages_set(monkeypatch, style, language):
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.5:8000")
    monkeypatch.setenv("API_COURSE_LEARNER", "anna")
    base = 8000 + (10 if language == "ru" else 0)
    server = room.shared_server(style, language)
    ports = {f"p{n}": base + n for n in range(6)}
    assert server.url == EXPECTED[style].format(**ports)
    assert (server.style, server.host, server.port) == (
        style,
        "10.0.0.5",
        base + room.OFFSETS[style],
    )
    assert server.running
    assert style in repr(server) and server.url in repr(server)


def test_an_ipv6_room_keeps_brackets_in_urls_but_not_in_the_host(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "http://[fd00::5]:8000")
    monkeypatch.setenv("API_COURSE_LEARNER", "anna")
    assert room.shared_server("grpc").url == "[fd00::5]:8004"
    assert room.shared_server("rest").host == "fd00::5"


def test_an_unknown_style_or_language_is_refused(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.5:8000")
    with pytest.raises(ValueError):
        room.shared_server("graphql")
    with pytest.raises(ValueError):
        room.shared_server("rest", "de")


# --------------------------------------------------------------------------
# The notes


@pytest.fixture
def in_room(monkeypatch):
    monkeypatch.setenv("API_COURSE_ROOM", "http://10.0.0.5:8000")
    monkeypatch.setenv("API_COURSE_LEARNER", "anna")


@pytest.mark.parametrize(("language", "word"), [("en", "wire.tap(server)"), ("ru", "прослушку")])
def test_the_log_says_where_it_is_and_what_to_use_instead(in_room, capsys, language, word):
    log = room.shared_server("rest", language).log
    log.show()
    shown = capsys.readouterr().out
    assert word in shown and "wire.tap(server)" in shown
    assert len(log) == 0 and log.lines == [] and repr(log) == shown.strip()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "keep running for everyone"), ("ru", "продолжают работать для всего класса")],
)
def test_stop_says_once_per_kernel_that_the_teachers_server_keeps_running(
    in_room, capsys, language, words
):
    first, second = room.shared_server("xmlrpc", language), room.shared_server("grpc", language)
    first.stop()
    assert words in capsys.readouterr().out
    first.stop()
    second.stop()
    with room.shared_server("rest", language) as third:
        assert third.running
    assert capsys.readouterr().out == ""
    assert first.running  # the teacher's: it runs on


def test_the_russian_notes_have_no_english_words(in_room):
    for _english, russian in (room.LOG_NOTE, room.STOP_NOTE):
        leftover = re.sub(r"wire\.tap\(server\)|\(tap\)", "", russian)
        assert not re.search("[A-Za-z]", leftover), leftover


# --------------------------------------------------------------------------
# The tap in front of a room's server


def test_a_tap_in_front_of_a_rooms_server_keeps_the_learners_path(in_room):
    server = room.shared_server("soap")
    with wire.tap(server) as tap:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/learners/anna/soap", tap.url)
    with wire.tap(room.shared_server("grpc")) as tap:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", tap.url)


# --------------------------------------------------------------------------
# The command line


def test_status_without_a_room_tells_how_to_join(capsys):
    assert room.main(["--lang", "en"]) == 0
    assert "python -m mock_servers.room join" in capsys.readouterr().out
    assert room.main(["--lang", "ru"]) == 0
    assert "Общий сервер не задан" in capsys.readouterr().out


def test_join_then_status_marks_each_style_that_does_not_answer(capsys, free_port):
    code = room.main(["join", f"http://127.0.0.1:{free_port}", "--name", "Anna", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1  # nothing listens there
    assert "as “anna”" in out
    assert out.count("✗") == 6 and "connection refused" in out
    assert "python -m mock_servers.room leave" in out


def test_the_russian_status_is_russian(capsys, free_port):
    room.main(["join", f"http://127.0.0.1:{free_port}", "--name", "anna", "--lang", "ru"])
    out = capsys.readouterr().out
    assert "Ваше пространство: anna" in out and "соединение отклонено" in out
    assert f"127.0.0.1:{free_port + 10}/learners/anna" in out  # the Russian set of servers
    assert room_command.seconds("ru") == "3\u00a0с"


def test_leave_from_the_command_line(capsys, free_port):
    room.main(["join", f"http://127.0.0.1:{free_port}", "--lang", "en"])
    capsys.readouterr()
    assert room.main(["leave", "--lang", "en"]) == 0
    assert "You have left the room" in capsys.readouterr().out
    assert room.main(["leave", "--lang", "ru"]) == 0
    assert "Вы не были подключены" in capsys.readouterr().out


def test_a_bad_address_on_the_command_line_is_a_clear_message(capsys):
    assert room.main(["join", "ftp://x:1", "--lang", "ru"]) == 2
    assert "не адрес общего сервера" in capsys.readouterr().err
    assert room_setting.current() is None


# --------------------------------------------------------------------------
# Errors that teach, in a room


def refused(host: str, port: int) -> Exception:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as cause:
            raise ConnectionError(
                f"HTTPConnectionPool(host='{host}', port={port}): Max retries exceeded"
            ) from cause
    except ConnectionError as error:
        return error


def test_an_unanswering_room_server_gets_a_note_about_the_teachers_server(in_room):
    from mock_servers import hints

    cells = ["import requests", "server = soap.start(language='ru')"]
    note = hints.note_for(refused("10.0.0.5", 8011), cells, "ru")
    assert "10.0.0.5:8011" in note and "общий сервер преподавателя" in note
    assert "python -m mock_servers.room leave" in note and "(ячейка 2: `" in note
    note = hints.note_for(refused("10.0.0.5", 8001), cells, "en")
    assert "the teacher's shared server" in note
    assert "shared server" not in (hints.note_for(refused("10.0.0.5", 9000), cells, "en") or "")
    assert "has been stopped" in hints.note_for(refused("127.0.0.1", 8001), cells, "en")


def test_without_a_room_a_refused_local_server_gets_the_usual_note():
    from mock_servers import hints

    note = hints.note_for(refused("127.0.0.1", 8001), ["server = rest.start()"], "en")
    assert "has been stopped" in note


def bare_refusal(host: str, port: int) -> Exception:
    """What xmlrpc.client and websocket-client raise: no address in the message, only in the
    connecting frame (socket.create_connection's ``host`` and ``port``)."""

    def create_connection(address):
        host, port = address
        raise ConnectionRefusedError(111, "Connection refused")

    try:
        create_connection((host, port))
    except ConnectionRefusedError as error:
        return error


def test_a_bare_refusal_from_a_room_server_gets_the_room_note(in_room):
    from mock_servers import hints

    cells = ["server = xmlrpc.start()"]
    assert "10.0.0.5:8002" in hints.note_for(bare_refusal("10.0.0.5", 8002), cells, "en")
    assert hints.note_for(bare_refusal("10.0.0.9", 8002), cells, "en") is None
