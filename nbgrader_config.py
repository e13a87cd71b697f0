"""nbgrader's settings for this course: the solutions are the source, the exercises the release.

Learners get ``exercises/<assignment>/<assignment>.ipynb``; they are generated from
``solutions/`` and never edited by hand:

    python tools/release.py            # regenerate exercises/ from solutions/
    make grade SUBMISSIONS=folder      # grade learners' notebooks (tools/grade.py)

tools/release.py reads this file and points nbgrader at a temporary course folder, so nothing
lands in the repository.  Grading does not use nbgrader's autograder: tools/grading runs each
notebook in a sandbox and the hidden tests (solutions/hidden_tests/) apart from it; it uses
the cell ids and checksums nbgrader put into the exercises to recognise a notebook and put back
its read-only cells.  The nbgrader command line reads it too when run from the
repository's root; its working folders and gradebook then go to the git-ignored build/.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - nbgrader's config loader defines get_config

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "build" / "nbgrader"

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = "api-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = str(WORK / "submitted")
c.CourseDirectory.autograded_directory = str(WORK / "autograded")
c.CourseDirectory.feedback_directory = str(WORK / "feedback")
c.CourseDirectory.db_url = f"sqlite:///{WORK / 'gradebook.db'}"
WORK.mkdir(parents=True, exist_ok=True)  # sqlite does not create the folder of its file

# Solutions are stored executed; the exercises keep neither outputs nor timings.
c.ClearOutput.remove_metadata_fields = ["collapsed", "scrolled", "execution"]

# nbgrader's own autograde (not used by make grade): a cell that runs longer is interrupted.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
