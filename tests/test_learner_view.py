"""What a learner reads renders on any machine: no character that needs an emoji font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Pictographs and the emoji presentation selector: drawn as empty boxes where no emoji font is
# installed (a plain Linux desktop, many hub images). ✓ and ✗ come from ordinary text fonts.
EMOJI = re.compile("[\U0001f000-\U0001faff\ufe0f]")
LEARNER_FILES = sorted(
    [
        *ROOT.glob("notebooks/**/*.ipynb"),
        *ROOT.glob("exercises/**/*.ipynb"),
        *ROOT.glob("selfcheck/*.json"),
        *ROOT.glob("mock_servers/**/*.py"),
    ]
)


@pytest.mark.parametrize("path", LEARNER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_emoji_that_needs_a_special_font(path):
    found = EMOJI.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: {sorted(set(found))}"
