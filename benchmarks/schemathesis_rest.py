"""The long schemathesis run against the REST server: all checks, all phases.

    .venv/bin/python benchmarks/schemathesis_rest.py [SECONDS]

Starts a REST server on 127.0.0.1, lets schemathesis generate requests from its
``/openapi.json`` for SECONDS (default 120) with random seeds, and prints the
tool's summary: cases generated, failures (the goal is 0), time.  The bounded,
deterministic run is ``tests/test_openapi_contract.py``; both use the settings
in ``tests/schemathesis.toml``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_openapi_contract import schemathesis_command  # noqa: E402

from mock_servers import rest  # noqa: E402


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    with rest.start() as server, tempfile.TemporaryDirectory() as scratch:
        started = time.monotonic()
        result = subprocess.run(
            schemathesis_command(
                server.url,
                "--max-time",
                str(seconds),
                "--generation-database",
                "none",
                "--workers",
                "1",  # see tests/test_openapi_contract.py
            ),
            capture_output=True,
            text=True,
            cwd=scratch,  # schemathesis keeps a cache in .schemathesis/ there
        )
        elapsed = time.monotonic() - started
    report = result.stdout + result.stderr
    # The failures (if any) and the summary; the progress lines before them are noise.
    first = min(
        (report.find(h) for h in ("= FAILURES", "= ERRORS", "= SUMMARY") if h in report),
        default=max(0, len(report) - 3000),
    )
    summary = report[max(0, first - 40) :]
    print(summary.strip())
    generated = re.search(r"(\d+) generated", report)
    print(
        f"\nschemathesis: {generated.group(1) if generated else '?'} cases in {elapsed:.0f} s, "
        f"exit code {result.returncode} ({'no failures' if result.returncode == 0 else 'FAILURES'})"
    )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
