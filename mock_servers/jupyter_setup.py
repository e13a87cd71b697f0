"""Set up JupyterLab for the course in this environment (make install and Binder run it).

    python -m mock_servers.jupyter_setup            # for learners
    python -m mock_servers.jupyter_setup --teacher  # also show the instructor tools (nbgrader)

What it writes, all inside this environment (``sys.prefix``), nothing in the user's home:

- the ``python3`` kernel spec, so every kernel loads the course's errors that teach
  (``mock_servers.hints``);
- JupyterLab settings overrides: no news pop-up and no update check on the first screen (it
  covers the lesson, and a classroom or Binder has no use for it);
- for learners, nbgrader's JupyterLab extension disabled (no Nbgrader menu, no Create Assignment
  panel: those are the teacher's); ``--teacher`` turns it back on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mock_servers import hints

NEWS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}
TEACHER_EXTENSIONS = ("@jupyter/nbgrader",)


def _merge_json(path: Path, change) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    change(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def quiet_first_screen(prefix: Path) -> Path:
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    _merge_json(path, lambda data: [data.setdefault(k, {}).update(v) for k, v in NEWS.items()])
    return path


def show_teacher_tools(prefix: Path, show: bool) -> Path:
    path = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"

    def change(data):
        disabled = data.setdefault("disabledExtensions", {})
        for name in TEACHER_EXTENSIONS:
            if show:
                disabled.pop(name, None)
            else:
                disabled[name] = True

    _merge_json(path, change)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mock_servers.jupyter_setup")
    parser.add_argument("--teacher", action="store_true", help="show nbgrader's menus and panels")
    args = parser.parse_args(argv)
    prefix = Path(sys.prefix)
    hints.install_kernel_spec(str(prefix))
    quiet_first_screen(prefix)
    show_teacher_tools(prefix, args.teacher)
    role = "teacher" if args.teacher else "learner"
    print(f"JupyterLab set up for the course ({role}) in {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
