"""The REST server keeps its own OpenAPI document: schemathesis, all checks, all phases.

schemathesis (an independent tool) reads ``/openapi.json`` from a running server,
generates requests from it (examples, coverage of every boundary, random
fuzzing, and stateful sequences that follow links such as POST then GET), and
checks each answer against the document: statuses, headers, bodies, that
valid data is accepted and invalid data refused, no 500s.

This is the bounded run of ``make test``: deterministic generation (the same
cases every time) and five cases per operation and phase, about 750 requests.  The
long run (thousands of cases) is ``benchmarks/schemathesis_rest.py``.  The
settings in ``tests/schemathesis.toml`` say where this API differs from the
tool's defaults, and why.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mock_servers import rest

pytest.importorskip("schemathesis")

CONFIG = Path(__file__).with_name("schemathesis.toml")
CLI = "from schemathesis.cli import schemathesis; schemathesis()"


def schemathesis_command(url: str, *options: str) -> list[str]:
    """The command line of a schemathesis run against a server at ``url``."""
    return [
        sys.executable,
        "-c",
        CLI,
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"X-API-Key: {rest.API_KEY}",
        "--no-color",
        *options,
    ]


def test_schemathesis_finds_no_failure(tmp_path):
    with rest.start() as server:
        result = subprocess.run(
            schemathesis_command(
                server.url,
                "--generation-deterministic",  # the same cases on every run
                "--max-examples",
                "5",
                # One worker: with two, hypothesis's lambda descriptions can hit a
                # CPython 3.11 ast.parse race ("AST constructor recursion depth
                # mismatch") inside the tool, which is no failure of the server.
                "--workers",
                "1",
            ),
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,  # schemathesis keeps a cache in .schemathesis/ there
        )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    generated = re.search(r"(\d+) generated", report)
    assert generated and int(generated.group(1)) >= 200, report[-2000:]
