"""What `pip install -r requirements.txt` must give a learner."""

from __future__ import annotations

from importlib.metadata import version


def test_jupyterlab_is_the_tested_series():
    assert version("jupyterlab").startswith("4.6.")


def test_jupyterlab_offers_a_russian_interface():
    from jupyterlab_server.translation_utils import get_language_packs

    languages, _message = get_language_packs("en")
    assert languages["ru_RU"]["nativeName"].startswith("Русский")


def test_the_course_packages_import_from_anywhere():
    import mock_servers
    import selfcheck

    assert mock_servers.__file__ and selfcheck.questions("ru")


def test_the_learner_install_carries_no_teacher_tools():
    """Learners (make lab, Binder, a hub image) get requirements.txt only: no test, lint or grading
    tools, and so no instructor menus in JupyterLab."""
    from pathlib import Path

    learner = (Path(__file__).resolve().parent.parent / "requirements.txt").read_text()
    names = {
        line.split(";")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
        for line in learner.splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    }
    assert not names & {"nbgrader", "pytest", "pytest-timeout", "nbval", "ruff", "schemathesis"}
