"""What a judge needs, imported once in the grader's fork server instead of once per notebook.

The judges of a run are forked from one process (multiprocessing's fork server) that has
imported this module: jupyter_client, the course package and the hidden-test modules named in
GRADING_PRELOAD.  Each judge then starts in milliseconds instead of importing for a second or
more (lesson 05's tests import the whole comparison module).  Nothing here starts a thread or a
server: a fork copies only this imported state.
"""

import json
import os
from pathlib import Path

import jupyter_client  # noqa: F401 - imported for the judges forked from this process
import requests  # noqa: F401 - the hidden tests' HTTP client

import grading
import mock_servers.wire  # noqa: F401 - the judge's taps
from grading import bridge, hidden, judge, run, tamper  # noqa: F401

grading.skip_iri_parser()  # before the hidden tests import the course servers, and jsonschema

for _path in json.loads(os.environ.get("GRADING_PRELOAD", "[]")):
    try:
        hidden.load(Path(_path))
    except Exception:  # noqa: BLE001 - the judge loads it again and reports what is wrong
        pass
