"""Grade learners' homework notebooks: each in a sandbox, hidden tests apart from the learner.

    python tools/grade.py SUBMISSIONS --out build/grades     (make grade SUBMISSIONS=...)

The work is done by the package tools/grading (see its __init__.py and grading/cli.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grading  # noqa: E402 - found through the line above

grading.skip_iri_parser()  # before nbformat is imported

from grading.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
