"""/docs (Swagger UI from the installed package) and CORS, seen by independent clients."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import requests

from mock_servers import rest


class Links(HTMLParser):
    """Every script and stylesheet a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])


def test_docs_page_loads_swagger_ui_from_this_server_only():
    with rest.start() as server:
        page = requests.get(server.url + "/docs", timeout=5)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        links = Links()
        links.feed(page.text)
        assert sorted(links.urls) == ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]
        for url in links.urls:  # all local: nothing from the internet
            asset = requests.get(server.url + url, timeout=5)
            assert asset.status_code == 200 and len(asset.content) > 10_000
        bundle = requests.get(server.url + "/docs/swagger-ui-bundle.js", timeout=5)
        assert "SwaggerUIBundle" in bundle.text
        assert "javascript" in bundle.headers["Content-Type"]
        assert '"/openapi.json"' in page.text
        # Only Swagger UI's own files are served, nothing else from the disk.
        assert requests.get(server.url + "/docs/index.j2", timeout=5).status_code == 404
        assert requests.get(server.url + "/docs/..%2f__init__.py", timeout=5).status_code == 404


def test_no_cors_unless_asked():
    with rest.start() as server:
        response = requests.get(
            server.url + "/cities", headers={"Origin": "http://example.test"}, timeout=5
        )
        assert "Access-Control-Allow-Origin" not in response.headers


def preflight(url: str) -> dict[str, str]:
    """The headers of a browser's preflight for a PUT with the API key and If-Match."""
    request_headers = {
        "Origin": "http://localhost:8888",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type, x-api-key, if-match",
    }
    curl = shutil.which("curl")
    if curl is None:  # the same request without curl
        response = requests.options(url, headers=request_headers, timeout=5)
        assert response.status_code in (200, 204)
        return {k.lower(): v for k, v in response.headers.items()}
    command = [curl, "-s", "-D", "-", "-o", "/dev/null", "-X", "OPTIONS", url]
    for name, value in request_headers.items():
        command += ["-H", f"{name}: {value}"]
    lines = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    status, *fields = lines.strip().splitlines()
    assert status.split()[1] in ("200", "204"), lines
    return {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}


def test_cors_answers_preflight_and_exposes_the_headers_lessons_read():
    with rest.start(cors=True) as server:
        headers = preflight(server.url + "/observations/1")
        assert headers["access-control-allow-origin"] in ("*", "http://localhost:8888")
        assert "PUT" in headers["access-control-allow-methods"]
        allowed = headers["access-control-allow-headers"].lower()
        assert {"content-type", "x-api-key", "if-match"} <= {h.strip() for h in allowed.split(",")}
        response = requests.get(
            server.url + "/observations/1", headers={"Origin": "http://localhost:8888"}, timeout=5
        )
        assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:8888")
        exposed = response.headers["Access-Control-Expose-Headers"]
        assert "ETag" in exposed and "Location" in exposed


@pytest.mark.parametrize("path", ["/docs", "/docs/swagger-ui.css"])
def test_docs_routes_are_not_part_of_the_api_document(path):
    document = rest.openapi_document()
    assert path not in document["paths"]
