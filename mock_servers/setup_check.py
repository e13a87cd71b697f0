"""Is this machine ready for the course?  A check a learner runs after installing, before the day.

    python -m mock_servers.setup_check          # in the language of the system (LANG)
    python -m mock_servers.setup_check --lang ru

One line per check, ✓ or ✗, in the learner's language, and for each ✗ what to do.  It checks the
Python version, the packages the lessons import, that every course server starts and answers a
real request through the client its lesson uses, and that JupyterLab has what the lessons draw
with (widgets, Mermaid diagrams).  Lesson 00 runs the same checks in a cell (``report()``).
Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

SUPPORTED = ((3, 10), (3, 13))  # the Python versions the course is tested on, first and last

TEXT = {
    "en": {
        "python": "Python {version}",
        "python_fix": "the course needs Python 3.10 to 3.13: install one, then make .venv again",
        "package": "package {name}",
        "package_fix": "run pip install -r requirements.txt in the course folder, .venv active",
        "server": "{style} server starts and answers",
        "server_fix": "send the text above to your teacher; meanwhile use a classmate's screen",
        "jupyterlab": "JupyterLab {version} (draws Mermaid diagrams)",
        "jupyterlab_fix": "lessons need JupyterLab 4.1 or later: pip install -r requirements.txt",
        "widgets": "JupyterLab widgets (self-checks, panels)",
        "widgets_fix": "pip install -r requirements.txt, then restart JupyterLab",
        "summary_ok": "All {count} checks passed: you are ready.",
        "summary_bad": "{bad} of {count} checks failed: see the fixes above.",
    },
    "ru": {
        "python": "Python {version}",
        "python_fix": "курсу нужен Python от 3.10 до 3.13: установите одну из этих версий и "
        "создайте .venv заново",
        "package": "пакет {name}",
        "package_fix": "выполните pip install -r requirements.txt в папке курса, с активным .venv",
        "server": "сервер {style} запускается и отвечает",
        "server_fix": "пришлите текст выше преподавателю, а пока работайте вместе с соседом",
        "jupyterlab": "JupyterLab {version} (рисует диаграммы Mermaid)",
        "jupyterlab_fix": "урокам нужен JupyterLab 4.1 или новее: pip install -r requirements.txt",
        "widgets": "виджеты JupyterLab (самопроверки, панели)",
        "widgets_fix": "pip install -r requirements.txt, затем перезапустите JupyterLab",
        "summary_ok": "Все проверки ({count}) пройдены: всё готово.",
        "summary_bad": "Не прошли проверки: {bad} из {count}. Исправления — выше.",
    },
}
PACKAGES = (
    "jupyterlab",
    "ipywidgets",
    "matplotlib",
    "requests",
    "zeep",
    "websocket-client",
    "flask",
    "xmlschema",
    "lxml",
    "defusedxml",
    "jsonrpcserver",
    "grpcio",
    "protobuf",
    "websockets",
)


@dataclass
class Result:
    passed: bool
    label: str
    fix: str = ""
    detail: str = ""

    def line(self) -> str:
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.label}"
        if self.detail:
            text += f" — {self.detail}"
        if not self.passed and self.fix:
            text += f"\n    → {self.fix}"
        return text


def system_language() -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def check_python(text: dict) -> Result:
    version = sys.version_info[:2]
    shown = ".".join(map(str, sys.version_info[:3]))
    passed = SUPPORTED[0] <= version <= SUPPORTED[1]
    return Result(passed, text["python"].format(version=shown), text["python_fix"])


def check_packages(text: dict) -> list[Result]:
    results = []
    for name in PACKAGES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            results.append(Result(False, text["package"].format(name=name), text["package_fix"]))
            continue
        results.append(Result(True, text["package"].format(name=name), detail=version))
    return results


# Each server is asked one real question by the client its lesson teaches with.
def _ask_rest(server) -> str:
    import requests

    response = requests.get(f"{server.url}/cities/moscow", timeout=5)
    response.raise_for_status()
    return response.json()["name"]


def _ask_soap(server) -> str:
    import zeep

    client = zeep.Client(f"{server.url}?wsdl")
    return str(client.service.ListCities()[0].name)


def _ask_xmlrpc(server) -> str:
    import xmlrpc.client

    with xmlrpc.client.ServerProxy(server.url) as proxy:
        return str(proxy.list_cities()[0]["name"])


def _ask_jsonrpc(server) -> str:
    import requests

    call = {"jsonrpc": "2.0", "id": 1, "method": "list_cities"}
    answer = requests.post(server.url, json=call, timeout=5).json()
    return str(answer["result"][0]["name"])


def _ask_grpc(server) -> str:
    import grpc

    from mock_servers import grpc as weather_grpc

    with grpc.insecure_channel(server.url) as channel:
        stub = weather_grpc.weather_pb2_grpc.WeatherStub(channel)
        cities = stub.ListCities(weather_grpc.weather_pb2.ListCitiesRequest(), timeout=5)
        return cities.cities[0].name


def _ask_websocket(server) -> str:
    import websocket

    connection = websocket.create_connection(server.url, timeout=5)
    try:
        connection.send(json.dumps({"type": "cities", "id": 1}))
        return str(json.loads(connection.recv()).get("type"))
    finally:
        connection.close()


SERVERS: dict[str, tuple[str, Callable]] = {
    "REST": ("mock_servers.rest", _ask_rest),
    "SOAP": ("mock_servers.soap", _ask_soap),
    "XML-RPC": ("mock_servers.xmlrpc", _ask_xmlrpc),
    "JSON-RPC": ("mock_servers.jsonrpc", _ask_jsonrpc),
    "gRPC": ("mock_servers.grpc", _ask_grpc),
    "WebSocket": ("mock_servers.websocket_server", _ask_websocket),
}


def check_server(style: str, text: dict) -> Result:
    module_name, ask = SERVERS[style]
    label = text["server"].format(style=style)
    try:
        module = importlib.import_module(module_name)
        server = module.start(own=True)  # this machine's install, even after a room join
    except Exception as error:
        return Result(False, label, text["server_fix"], f"{type(error).__name__}: {error}")
    try:
        ask(server)
        return Result(True, label, detail=server.url)
    except Exception as error:
        return Result(False, label, text["server_fix"], f"{type(error).__name__}: {error}")
    finally:
        server.stop()


def check_jupyterlab(text: dict) -> list[Result]:
    try:
        version = metadata.version("jupyterlab")
        major, minor = (int(part) for part in version.split(".")[:2])
        # Mermaid diagrams in Markdown are drawn by JupyterLab itself from 4.1 on.
        lab = Result((major, minor) >= (4, 1), text["jupyterlab"].format(version=version))
    except (metadata.PackageNotFoundError, ValueError):
        lab = Result(False, text["jupyterlab"].format(version="?"))
    lab.fix = text["jupyterlab_fix"]
    try:
        import jupyterlab_widgets

        extension = os.path.join(os.path.dirname(jupyterlab_widgets.__file__), "labextension")
        widgets = Result(os.path.isdir(extension) or _widgets_in_prefix(), text["widgets"])
    except ImportError:
        widgets = Result(_widgets_in_prefix(), text["widgets"])
    widgets.fix = text["widgets_fix"]
    return [lab, widgets]


def _widgets_in_prefix() -> bool:
    folder = os.path.join(sys.prefix, "share", "jupyter", "labextensions", "@jupyter-widgets")
    return os.path.isdir(os.path.join(folder, "jupyterlab-manager"))


def run_checks(language: str) -> list[Result]:
    text = TEXT[language]
    results = [check_python(text), *check_packages(text), *check_jupyterlab(text)]
    results += [check_server(style, text) for style in SERVERS]
    return results


def report(language: str | None = None, *, brief: bool = False) -> bool:
    """Print every check (``brief``: only the failed ones) and a summary; True when all passed.
    Lesson 00 calls ``report(language, brief=True)``."""
    language = language or system_language()
    results = run_checks(language)
    for result in results:
        if not (brief and result.passed):
            print(result.line())
    bad = sum(not r.passed for r in results)
    text = TEXT[language]
    summary = text["summary_bad"] if bad else text["summary_ok"]
    print(summary.format(bad=bad, count=len(results)))
    return bad == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mock_servers.setup_check", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--lang", choices=sorted(TEXT), default=None)
    args = parser.parse_args(argv)
    return 0 if report(args.lang) else 1


if __name__ == "__main__":
    sys.exit(main())
