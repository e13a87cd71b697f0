"""JupyterLab as a learner finds it: no news pop-up, no instructor tools, a kernel with hints."""

from __future__ import annotations

import json
import re

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


def test_the_tab_title_extension_is_installed_where_jupyterlab_finds_it(tmp_path):
    target = jupyter_setup.install_tab_titles(tmp_path)
    assert target == tmp_path / "share" / "jupyter" / "labextensions" / "api-course-tabs"
    build = json.loads((target / "package.json").read_text())["jupyterlab"]["_build"]
    assert (target / build["load"]).is_file()
    # Installing again (make install after a rebuild) replaces the old build's hashed files.
    (target / "static" / "remoteEntry.old.js").write_text("")
    jupyter_setup.install_tab_titles(tmp_path)
    assert not (target / "static" / "remoteEntry.old.js").exists()


def test_the_committed_build_is_built_from_the_source():
    """labextension/built/ is committed so learners need no Node.js; `make labextension` rebuilds
    it. The rule that picks the language folder must be the same in the source and the build."""
    source = (jupyter_setup.TAB_EXTENSION.parent / "index.js").read_text(encoding="utf-8")
    rule = re.search(r"const LANGUAGE_FOLDER = (/.+/);", source).group(1)
    built = "".join(
        p.read_text(encoding="utf-8") for p in (jupyter_setup.TAB_EXTENSION / "static").glob("*.js")
    )
    assert rule in built, "labextension/index.js changed: run `make labextension` and commit"
