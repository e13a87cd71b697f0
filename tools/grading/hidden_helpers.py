"""What the hidden-test modules of every homework use besides ``check`` and ``fail``.

Calling the learner's code so that an exception fails the check with its text, comparing an
answer with a message in both languages, reading what a judge's tap recorded, and running a
server or a changed global of the learner's for one check only.  A hidden-test module imports
them from here (``from grading.hidden_helpers import learner_call``), the way it imports
``check`` from :mod:`grading.hidden`; nothing here knows a particular homework.
"""

from __future__ import annotations

import contextlib
import threading

from grading.hidden import LearnerError, fail
from mock_servers import wire


def learner_call(ctx, name, *args):
    """The learner's function's result; a raised exception fails the check with its text."""
    try:
        return ctx.learner.call(name, *args)
    except LearnerError as error:
        fail(
            en=f"{name}{args!r} raised {error.type}: {error.message}",
            ru=f"{name}{args!r} выбросила {error.type}: {error.message}",
        )


def learner_eval(ctx, expression, shown=None):
    """The value of ``expression`` in the learner's kernel; a raised exception fails the check,
    naming the call as ``shown`` (the expression itself if not given)."""
    try:
        return ctx.learner.eval(expression)
    except LearnerError as error:
        shown = expression if shown is None else shown
        fail(
            en=f"{shown} raised {error.type}: {error.message}",
            ru=f"{shown} выбросила {error.type}: {error.message}",
        )


def expect_raised(ctx, exception, name, *args):
    """The exception (a LearnerError) the learner's function raised, which must be an
    ``exception`` (the class's name) or of a class derived from it."""
    try:
        result = ctx.learner.call(name, *args)
    except LearnerError as error:
        if exception not in [error.type, *error.bases]:
            fail(
                en=f"{name}{args!r}: expected {exception}, got {error.type}: {error.message}",
                ru=f"{name}{args!r}: ожидалось {exception}, получено {error.type}: {error.message}",
            )
        return error
    fail(
        en=f"{name}{args!r}: expected {exception}, but it returned {result!r}",
        ru=f"{name}{args!r}: ожидалось {exception}, а функция вернула {result!r}",
    )


def expect_equal(answer, expected, en, ru, shown=None):
    """Fail unless ``answer == expected``, saying "<en>: expected <shown>, got <answer>"
    (``en`` and ``ru`` say what was asked; ``shown`` writes the expected value, if not itself)."""
    if answer != expected:
        shown = expected if shown is None else shown
        fail(
            en=f"{en}: expected {shown}, got {answer!r}",
            ru=f"{ru}: ожидалось {shown}, получено {answer!r}",
        )


def header(message, name):
    """The value of the header ``name`` (any case) of an HTTP message a tap recorded, or None."""
    lower = {key.lower(): value for key, value in message.headers.items()}
    return lower.get(name.lower())


def http_posts(tap):
    """The HTTP POST requests ``tap`` recorded since its last clear() (wire.Message objects)."""
    return [
        message
        for message in tap.read()
        if message.kind == "HTTP"
        and message.direction == wire.TO_SERVER
        and message.summary.startswith("POST ")
    ]


@contextlib.contextmanager
def serving(server):
    """Run a socketserver-style server in a thread for the duration of a check."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def learner_global(ctx, name, code):
    """The learner's global ``name`` set to the value of ``code`` for the block, then put back
    (to point the learner's client at a server of the check's own)."""
    ctx.learner.run(f"_judge_saved_{name} = {name}\n{name} = {code}")
    try:
        yield
    finally:
        ctx.learner.run(f"{name} = _judge_saved_{name}")
