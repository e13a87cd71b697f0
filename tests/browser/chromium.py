"""How the browser tests start Chromium: Debian's package, driven by Playwright.

Playwright's own browser download cannot work offline, so it drives the
system's ``chromium`` through ``executable_path``.  All start options live here.
"""

from __future__ import annotations

import os
import shutil

OPTIONS = [
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's servers, which a
    # machine with no internet refuses many times a second.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    OPTIONS.append("--no-sandbox")  # Chromium's sandbox refuses to run as root


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright):
    return playwright.chromium.launch(executable_path=executable(), args=OPTIONS, headless=True)
