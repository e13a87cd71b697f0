"""Grading homework notebooks so that the grades can be trusted.

Modules, one concern each:

- submissions  finding the files and telling what each one is (bad ones get a status)
- assignments  the exercises, their tasks and points, the hidden-test modules
- sandbox      the network namespace and the bubblewrap command line
- limits       memory and processes (cgroups), file size, time
- notebook     grading one notebook: its judge process, what it left, what it found
- judge        the judge itself: servers behind taps, the kernel, the cells, the checks
- preload      what the judges import once, in the fork server they are forked from
- run          starting the sandboxed kernel and running the cells
- bridge       the judge's only way into the kernel: code in, JSON data out
- hidden       what hidden-test modules use (check, fail, LearnerError) and running them
- tamper       cheap signs that the notebook changed how its kernel runs code
- verdict      score, status and reasons from the judge's data
- results      one stored result per learner and assignment, so that runs add up
- reports      grades.csv, feedback, the teacher's copy, the written answers
- cli          the command, the progress bar, Ctrl-C
"""

import sys


def skip_iri_parser() -> None:
    """Leave rfc3987_syntax out of the grader's own processes, to start them a second sooner.

    jsonschema (which nbformat and jsonrpcserver import) imports it for the "iri" formats, and
    it builds an Earley parser as it is imported: 1–2 s of CPU in every grader, fork server and
    judge that starts.  No schema the grader or the course servers check has such a format, and
    without the module jsonschema leaves those formats unchecked (a missing optional import).
    The learner's kernel is left as it is.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
