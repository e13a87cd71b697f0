"""Set up JupyterLab for the course in this environment (make install and Binder run it).

    python -m mock_servers.jupyter_setup            # for learners
    python -m mock_servers.jupyter_setup --teacher  # also show the instructor tools (nbgrader)

What it writes, all inside this environment (``sys.prefix``), nothing in the user's home:

- the ``python3`` kernel spec, so every kernel loads the course's errors that teach
  (``mock_servers.hints``);
- JupyterLab settings overrides: no news pop-up and no update check on the first screen (it
  covers the lesson, and a classroom or Binder has no use for it);
- the course's own JupyterLab extension (``labextension/``, built and committed), so a tab says
  which language its lesson is in: ``ru/01_rest.ipynb``;
- for learners, nbgrader's JupyterLab extension disabled (no Nbgrader menu, no Create Assignment
  panel: those are the teacher's); ``--teacher`` turns it back on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from mock_servers import hints

NEWS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}
TEACHER_EXTENSIONS = ("@jupyter/nbgrader",)
# The built extension (``make labextension`` rebuilds it from labextension/index.js); JupyterLab
# finds a prebuilt extension in <prefix>/share/jupyter/labextensions/<its npm name>.
TAB_EXTENSION = Path(__file__).resolve().parent.parent / "labextension" / "built"


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


def install_tab_titles(prefix: Path, built: Path = TAB_EXTENSION) -> Path:
    name = json.loads((built / "package.json").read_text(encoding="utf-8"))["name"]
    target = prefix / "share" / "jupyter" / "labextensions" / name
    shutil.rmtree(target, ignore_errors=True)  # an earlier build's files have other hashed names
    shutil.copytree(built, target)
    return target


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
    install_tab_titles(prefix)
    show_teacher_tools(prefix, args.teacher)
    role = "teacher" if args.teacher else "learner"
    print(f"JupyterLab set up for the course ({role}) in {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
