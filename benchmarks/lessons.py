"""How long each lesson takes to run in a fresh kernel, next to a bare kernel's start.

    python benchmarks/lessons.py [notebooks/en/01_rest.ipynb ...]

Without arguments, every lesson in both languages.  Each figure includes the
kernel start, so the difference to the bare kernel is the lesson's own time.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def bare_kernel_start() -> float:
    began = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive("pass", timeout=30)
    elapsed = time.perf_counter() - began
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return elapsed


def run_lesson(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    began = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return time.perf_counter() - began


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or sorted(ROOT.glob("notebooks/*/[0-9][0-9]_*.ipynb"))
    bare = statistics.median(bare_kernel_start() for _ in range(3))
    print(f"{'bare kernel start (median of 3)':<40} {bare:6.2f} s")
    for path in paths:
        seconds = run_lesson(path)
        name = str(path.relative_to(ROOT)) if path.is_absolute() else str(path)
        print(f"{name:<40} {seconds:6.2f} s  (lesson itself: {seconds - bare:5.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
