"""Per-notebook limits: memory and processes by cgroup (v1), file size by RLIMIT_FSIZE, time.

Each notebook's kernel goes into a cgroup of its own in the ``memory`` and ``pids`` controllers,
made before the notebook runs and removed after.  A cgroup cannot be left: every process the
kernel starts, however it detaches, stays in it, so killing what is in it after grading leaves
nothing behind.  The counters the kernel keeps there say afterwards which limit was hit.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUPS = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")


@dataclass
class Limits:
    memory: int = 1024**3  # bytes
    processes: int = 128  # tasks: processes and their threads
    file_size: int = 64 * 1024**2  # bytes per written file
    cell_timeout: float = 30.0  # seconds
    timeout: float = 300.0  # seconds for the whole notebook, checks included


def own_cgroup(controller: str) -> Path:
    """This process's cgroup in ``controller``; new cgroups go below it, under its limits."""
    mount = CGROUPS / controller
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _number, names, path = line.split(":", 2)
            if controller in names.split(",") and (mount / path.lstrip("/")).is_dir():
                return mount / path.lstrip("/")
    except OSError:
        pass
    return mount


def missing() -> list[str]:
    """What the cgroup limits need and this machine lacks, in words."""
    problems = []
    for controller in CONTROLLERS:
        base = own_cgroup(controller)
        if not (base / "cgroup.procs").exists():
            problems.append(f"the cgroup v1 '{controller}' controller at {CGROUPS / controller}")
        elif not os.access(base, os.W_OK):
            problems.append(f"permission to make cgroups in {base} (run as root)")
    return problems


class Cgroup:
    """One notebook's cgroups: made with its limits, killed and removed by ``close``."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.paths = {c: own_cgroup(c) / "course-grading" / name for c in CONTROLLERS}
        for path in self.paths.values():
            path.mkdir(parents=True, exist_ok=True)
        memory = self.paths["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory))
        swap = memory / "memory.memsw.limit_in_bytes"  # memory and swap together, where counted
        if swap.exists():
            try:
                swap.write_text(str(limits.memory))
            except OSError:
                pass
        (self.paths["pids"] / "pids.max").write_text(str(limits.processes))

    @property
    def procs(self) -> list[str]:
        """The files a process writes its pid to, to enter these cgroups."""
        return [str(path / "cgroup.procs") for path in self.paths.values()]

    def hit(self) -> dict:
        """How often each limit was reached: {"oom_kill", "memory_failures", "processes"}."""
        memory = self.paths["memory"]
        return {
            "oom_kill": _counters(memory / "memory.oom_control").get("oom_kill", 0),
            "memory_failures": int((_read(memory / "memory.failcnt") or "0").strip() or 0),
            "processes": _counters(self.paths["pids"] / "pids.events").get("max", 0),
        }

    def pids(self) -> set[int]:
        found = set()
        for path in self.paths.values():
            text = _read(path / "cgroup.procs") or ""
            found |= {int(pid) for pid in text.split()}
        return found

    def kill(self, wait: float = 5.0) -> bool:
        """SIGKILL everything in the cgroups until they are empty; True when they are."""
        deadline = time.monotonic() + wait
        while True:
            pids = self.pids()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def close(self) -> bool:
        """Kill what is left and remove the cgroups; True when nothing was left running."""
        empty = self.kill()
        for path in self.paths.values():
            for _attempt in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
        return empty


def tidy() -> None:
    """Remove the folder of the notebooks' cgroups once no run uses it."""
    for controller in CONTROLLERS:
        try:
            (own_cgroup(controller) / "course-grading").rmdir()
        except OSError:
            pass  # absent, or another run's notebooks are in it


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _counters(path: Path) -> dict[str, int]:
    counters = {}
    for line in (_read(path) or "").splitlines():
        name, _, value = line.partition(" ")
        if value.strip().isdigit():
            counters[name] = int(value)
    return counters
