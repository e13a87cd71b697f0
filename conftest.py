"""Loaded by pytest for every path in the repository (tests/, notebooks/, solutions/ alike)."""

import os

# No test, and no notebook kernel nbval starts (kernels inherit this environment), ever uses a
# shared room a developer joined with `python -m mock_servers.room join`: servers of their own.
# Here rather than in tests/conftest.py so that `pytest --nbval notebooks/...` alone obeys it too.
os.environ["API_COURSE_ROOM"] = "off"
