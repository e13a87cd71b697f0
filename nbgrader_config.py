"""nbgrader's settings for this course: the solutions are the source, the exercises the release.

Learners get ``exercises/<assignment>/<assignment>.ipynb``; they are generated from
``solutions/`` and never edited by hand:

    python tools/release.py            # regenerate exercises/ from solutions/
    make grade SUBMISSIONS=folder      # grade learners' notebooks (tools/grade.py)

Both tools read this file and then point nbgrader at a temporary course folder, so grading
never writes into the repository.  The nbgrader command line reads it too when run from the
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

# Grading: a cell that runs longer than this is interrupted (tools/grade.py --cell-timeout).
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
