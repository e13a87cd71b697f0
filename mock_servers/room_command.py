"""``python -m mock_servers.room``: join the room, leave it, and check that every style answers.

The check makes one real call of each style in the learner's own space (the list of cities), so a
✓ means the lessons will work, not merely that a port is open.
"""

from __future__ import annotations

import concurrent.futures
import json

from mock_servers import NAMES, languages, room, room_setting

TIMEOUT = 3.0  # seconds a style may take to answer the check


def say(language: str, english: str, russian: str) -> None:
    print(languages.text(language, english, russian))


def join(url: str, name: str | None, language: str) -> int:
    setting = room_setting.join(url, name)
    say(
        language,
        f"Joined the room {setting.url} as “{setting.name}”; "
        f"saved in {room_setting.config_file()}.",
        f"Вы подключились к общему серверу {setting.url} под именем «{setting.name}»; "
        f"настройка сохранена в {room_setting.config_file()}.",
    )
    overriding = room_setting.current()
    if overriding is None or overriding.source == "environment":
        say(
            language,
            f"Note: the environment variable {room_setting.ROOM_VARIABLE} is set, and it wins "
            "over this file.",
            f"Обратите внимание: задана переменная окружения {room_setting.ROOM_VARIABLE}, "
            "и она важнее этого файла.",
        )
    print()
    return status(language)


def leave(language: str) -> int:
    if room_setting.leave():
        say(
            language,
            "You have left the room: the lessons start servers of their own again.",
            "Вы вышли из общего сервера: уроки снова запускают собственные серверы.",
        )
    else:
        say(language, "You had not joined a room.", "Вы не были подключены к общему серверу.")
    if room_setting.current() is not None:
        say(
            language,
            f"But the environment variable {room_setting.ROOM_VARIABLE} still sets a room.",
            f"Но переменная окружения {room_setting.ROOM_VARIABLE} по-прежнему задаёт общий "
            "сервер.",
        )
    return 0


def status(language: str) -> int:
    """Print the room and a ✓/✗ line for each style; 0 when there is no room or all answer."""
    setting = room_setting.current()
    if setting is None:
        say(
            language,
            "No shared room is set: each lesson starts servers of its own.\n"
            "To join the teacher's: python -m mock_servers.room join http://ADDRESS:PORT",
            "Общий сервер не задан: каждый урок запускает собственные серверы.\n"
            "Подключиться к серверу преподавателя: "
            "python -m mock_servers.room join http://АДРЕС:ПОРТ",
        )
        return 0
    how = languages.text(
        language,
        "set by " + room_setting.ROOM_VARIABLE
        if setting.source == "environment"
        else "joined with python -m mock_servers.room join",
        "задан переменной " + room_setting.ROOM_VARIABLE
        if setting.source == "environment"
        else "задан командой python -m mock_servers.room join",
    )
    say(language, f"Shared room: {setting.url} ({how})", f"Общий сервер: {setting.url} ({how})")
    say(language, f"Your space: {setting.name}", f"Ваше пространство: {setting.name}")
    servers = [room.SharedServer(style, language, setting) for style in room.OFFSETS]
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        problems = list(pool.map(lambda server: problem_of(server, language), servers))
    for server, problem in zip(servers, problems):
        mark = "✓" if problem is None else "✗"
        line = f"{mark} {NAMES[server.style]:<10} {server.url}"
        print(line if problem is None else f"{line} — {problem}")
    failed = sum(problem is not None for problem in problems)
    if not failed:
        say(
            language,
            f"All {len(servers)} styles answer: the lessons will use the teacher's servers.",
            f"Отвечают все {len(servers)} стилей: уроки будут обращаться к серверам преподавателя.",
        )
        return 0
    say(
        language,
        "Fix: check the address with the teacher (and that their server is running), and that "
        "this machine may reach it (the same network, no firewall in between). "
        "To work without the room: python -m mock_servers.room leave",
        "Что сделать: сверьте адрес с преподавателем (и что его сервер запущен) и проверьте, что "
        "с этой машины до него можно достучаться (та же сеть, нет межсетевого экрана). "
        "Работать без общего сервера: python -m mock_servers.room leave",
    )
    return 1


def problem_of(server: room.SharedServer, language: str) -> str | None:
    """None when the style answers a real call in the learner's space, else why not, briefly."""
    try:
        CHECKS[server.style](server.url)
        return None
    except ConnectionRefusedError:
        return languages.text(language, "connection refused", "соединение отклонено")
    except Exception as error:  # the check must report, never crash
        if isinstance(error, TimeoutError) or "Timeout" in type(error).__name__:
            return languages.text(
                language, f"no answer within {seconds('en')}", f"нет ответа за {seconds('ru')}"
            )
        reason = _reason(error)
        return languages.text(language, f"no proper answer: {reason}", f"ответ не тот: {reason}")


def seconds(language: str) -> str:
    shown = f"{TIMEOUT:g}"
    return f"{shown} s" if language == "en" else f"{shown.replace('.', ',')}\u00a0с"


def _reason(error: Exception) -> str:
    for link in (error, error.__cause__, error.__context__):
        if isinstance(link, ConnectionRefusedError):
            return "ConnectionRefusedError"
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:160]


# --------------------------------------------------------------------------
# One real call of each style


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _http(method: str, url: str, **options):
    import requests  # imported here: the status check is the only user

    try:
        response = requests.request(method, url, timeout=TIMEOUT, **options)
    except requests.ConnectionError as error:
        if "refused" in str(error).lower():
            raise ConnectionRefusedError from error
        raise
    except requests.Timeout as error:
        raise TimeoutError from error
    response.raise_for_status()
    return response


def check_rest(url: str) -> None:
    expect("cities" in _http("GET", url + "/").json()["links"], "no list of cities")


def check_soap(url: str) -> None:
    expect(b"definitions" in _http("GET", url + "?wsdl").content, "no WSDL")


def check_xmlrpc(url: str) -> None:
    import xmlrpc.client

    body = xmlrpc.client.dumps((), "system.listMethods")
    answer = _http("POST", url, data=body.encode(), headers={"Content-Type": "text/xml"})
    (methods,), _ = xmlrpc.client.loads(answer.content)
    expect("get_forecast" in methods, "no get_forecast")


def check_jsonrpc(url: str) -> None:
    call = {"jsonrpc": "2.0", "method": "list_cities", "id": 1}
    expect(bool(_http("POST", url, json=call).json().get("result")), "no cities")


def check_websocket(url: str) -> None:
    import websocket

    connection = websocket.create_connection(url, timeout=TIMEOUT)
    try:
        connection.send(json.dumps({"type": "cities", "id": 1}))
        expect(json.loads(connection.recv()).get("type") == "cities", "no cities")
    finally:
        connection.close()


def check_grpc(url: str) -> None:
    import grpc

    from mock_servers.grpc import weather_pb2, weather_pb2_grpc

    with grpc.insecure_channel(url) as channel:
        stub = weather_pb2_grpc.WeatherStub(channel)
        try:
            stub.ListCities(weather_pb2.ListCitiesRequest(), timeout=TIMEOUT)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise TimeoutError from error
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                raise ConnectionRefusedError from error
            raise


CHECKS = {
    "rest": check_rest,
    "soap": check_soap,
    "xmlrpc": check_xmlrpc,
    "jsonrpc": check_jsonrpc,
    "grpc": check_grpc,
    "websocket": check_websocket,
}
