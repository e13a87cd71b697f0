"""The sandbox: a private network per notebook (unshare) and the kernel inside bubblewrap.

Why these: bubblewrap (Debian's ``bubblewrap``, the sandbox Flatpak uses) and ``unshare`` only
ask the Linux kernel for namespaces, so they need no daemon and start in milliseconds; cgroups
(see :mod:`grading.limits`) add the memory and process limits that namespaces lack.

Two layers, one per notebook:

- the *judge* runs in a network namespace of its own (``unshare --net``; without root,
  ``unshare --user --map-root-user --net``) with only a loopback interface: the course servers
  it starts there can be reached by this notebook's kernel and by nothing else;
- the learner's *kernel* runs in ``bwrap``: its own user, PID, IPC and UTS namespaces (the
  judge's network), the whole file system read-only, empty folders over /tmp, the repository,
  $HOME, the submissions, the results and the grader's work folder; the course package and the
  Python environment bound back read-only; a scratch folder as its only writable place; an
  empty environment but for PATH, HOME and the language; no capabilities.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from pathlib import Path

from grading import limits

ROOT = Path(__file__).resolve().parent.parent.parent
INSIDE = "/tmp/work"  # the scratch folder, as the kernel sees it


def missing() -> list[str]:
    """What the sandbox needs and this machine lacks; empty when it can run."""
    problems = []
    if not sys.platform.startswith("linux"):
        return [f"Linux (this is {sys.platform})"]
    for command, package in (("bwrap", "bubblewrap"), ("unshare", "util-linux")):
        if not shutil.which(command):
            problems.append(f"the command {command} (Debian package {package})")
    if not shutil.which("prlimit"):
        problems.append("the command prlimit (Debian package util-linux)")
    if not shutil.which("ip"):
        problems.append("the command ip (Debian package iproute2)")
    problems += limits.missing()
    return problems


def judge_prefix() -> list[str]:
    """The command that puts a judge into a network namespace of its own."""
    if os.geteuid() == 0:
        return ["unshare", "--net", "--"]
    return ["unshare", "--user", "--map-root-user", "--net", "--"]


def hidden_paths(extra: list[Path]) -> list[Path]:
    """Folders the kernel must not see, outermost first, ancestors of each other removed."""
    homes = [Path(os.environ.get("HOME", "/")), Path(pwd.getpwuid(os.geteuid()).pw_dir)]
    homes += [Path("/root"), Path("/home")]  # every user's home, the grader's among them
    candidates = [ROOT, *homes, Path("/var/tmp"), *extra]
    found = []
    for path in candidates:
        path = path.resolve()
        if path == Path("/") or not path.is_dir():
            continue
        if any(path == other or other in path.parents for other in found):
            continue
        found = [other for other in found if path not in other.parents] + [path]
    return found


def visible_again() -> list[Path]:
    """What the kernel needs from inside the hidden folders, read-only: Python and the course."""
    needed = [Path(sys.prefix), Path(sys.base_prefix), ROOT / "mock_servers"]
    real = [Path(os.path.realpath(sys.executable)).parent.parent]
    return [path.resolve() for path in needed + real if path.exists()]


def kernel_argv(scratch: Path, cgroup, limit: limits.Limits, hide: list[Path]) -> list[str]:
    """The kernel's command line: into its cgroups, file size capped, inside bubblewrap."""
    enter = (
        'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f"; shift; done; shift; exec "$@"'
    )
    argv = ["sh", "-c", enter, "enter", *cgroup.procs, "--"]
    argv += ["prlimit", f"--fsize={limit.file_size}", "--"]
    argv += ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    argv += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    argv += ["--tmpfs", "/dev/shm"]
    hide = list(hide)
    for path in hidden_paths(hide):
        argv += ["--tmpfs", str(path)]
    hidden = hidden_paths(hide)
    for path in visible_again():
        argv += ["--ro-bind", str(path), str(path)]
    for path in hidden:  # empty and read-only: a write there fails instead of vanishing
        argv += ["--remount-ro", str(path)]
    argv += ["--bind", str(scratch), INSIDE, "--chdir", INSIDE, "--clearenv"]
    environment = {
        "HOME": INSIDE,
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "agg",
    }
    for name, value in environment.items():
        argv += ["--setenv", name, value]
    argv += ["--", sys.executable, "-m", "ipykernel_launcher", "-f", f"{INSIDE}/kernel.json"]
    return argv


def bare_kernel_argv(scratch: Path) -> list[str]:
    """--no-sandbox: the kernel as the grader's own process, the old way (trusted work only)."""
    return [sys.executable, "-m", "ipykernel_launcher", "-f", str(scratch / "kernel.json")]
