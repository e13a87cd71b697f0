"""JupyterLab as a learner finds it: no news pop-up, no instructor tools, a kernel with hints."""

from __future__ import annotations

import json

from mock_servers import hints, jupyter_setup


def test_learners_get_a_quiet_first_screen_and_no_instructor_tools(tmp_path):
    settings = jupyter_setup.quiet_first_screen(tmp_path)
    news = json.loads(settings.read_text())["@jupyterlab/apputils-extension:notification"]
    assert news == {"fetchNews": "false", "checkForUpdates": False}
    page = jupyter_setup.show_teacher_tools(tmp_path, show=False)
    assert json.loads(page.read_text())["disabledExtensions"]["@jupyter/nbgrader"] is True


def test_one_command_gives_the_teacher_the_tools_back(tmp_path):
    jupyter_setup.show_teacher_tools(tmp_path, show=False)
    page = jupyter_setup.show_teacher_tools(tmp_path, show=True)
    assert "@jupyter/nbgrader" not in json.loads(page.read_text())["disabledExtensions"]


def test_the_kernel_spec_loads_the_hints(tmp_path):
    folder = hints.install_kernel_spec(str(tmp_path))
    argv = json.loads((folder / "kernel.json").read_text())["argv"]
    assert "--ext=mock_servers.hints" in argv and "{connection_file}" in argv
