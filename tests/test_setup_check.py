"""The learner's setup check: a ✓/✗ line per check, in the learner's language, a fix for each ✗."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mock_servers import setup_check


@pytest.mark.timeout(120)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_fresh_install_passes_every_check(language):
    done = subprocess.run(
        [sys.executable, "-m", "mock_servers.setup_check", "--lang", language],
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(line.startswith("✓") for line in lines[:-1]), done.stdout
    assert sum("WebSocket" in line or "gRPC" in line for line in lines) == 2
    assert ("всё готово" in lines[-1]) == (language == "ru")


def test_a_failed_check_says_what_to_do_in_the_learners_language(monkeypatch):
    monkeypatch.setattr(setup_check, "PACKAGES", ("no-such-package-of-the-course",))
    results = setup_check.check_packages(setup_check.TEXT["ru"])
    assert not results[0].passed
    assert results[0].line().startswith("✗ пакет no-such-package-of-the-course")
    assert "pip install -r requirements.txt" in results[0].line()


def test_the_language_follows_the_system(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert setup_check.system_language() == "ru"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert setup_check.system_language() == "en"
