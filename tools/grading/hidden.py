"""What a hidden-test module uses (``check``, ``fail``, ``LearnerError``) and how the judge runs it.

A hidden-test module (``solutions/hidden_tests/<NN_name>.py``) runs in the judge, a trusted
process outside the learner's sandbox.  It reaches the learner's kernel only through
``ctx.learner`` (see :mod:`grading.bridge`), which hands back JSON data and nothing else, so
every assertion is made here, where no learner code runs.  See GRADING_INTERFACE in the
instructor guide for the whole interface.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path


class LearnerError(Exception):
    """The learner's code raised, or sent back something that is not JSON data."""

    def __init__(self, type: str, message: str = "", bases=(), attrs=None) -> None:
        super().__init__(f"{type}: {message}" if message else type)
        self.type = type
        self.message = message
        self.bases = list(bases) or [type]
        self.attrs = dict(attrs or {})


class Failure(AssertionError):
    """A check failed with a message written for the learner, in both languages."""

    def __init__(self, en: str, ru: str | None = None) -> None:
        super().__init__(en)
        self.texts = {"en": en, "ru": ru or en}


def fail(en: str, ru: str | None = None):
    """Fail the running check with this message (shown to the learner in their language)."""
    raise Failure(en, ru)


@dataclass
class Check:
    function: object
    task: int
    points: float
    titles: dict

    @property
    def name(self) -> str:
        return self.function.__name__


def check(task: int, points: float = 1, en: str = "", ru: str = ""):
    """Register the decorated function as one graded behaviour of ``task``."""

    def register(function):
        function.__grading_check__ = Check(function, int(task), float(points), {"en": en, "ru": ru})
        return function

    return register


def module_path(assignment: str, folder: Path) -> Path:
    """``01_rest_en`` -> ``<folder>/01_rest.py``: one module for both languages."""
    return folder / f"{assignment.rsplit('_', 1)[0]}.py"


def load(path: Path):
    """Import the hidden-test module at ``path`` under a private name (once per process)."""
    name = "hidden_" + path.stem
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # not half a module for the next caller
        raise
    return module


def checks_of(module) -> list[Check]:
    """The module's checks, in the order they are written."""
    return [
        value.__grading_check__
        for value in vars(module).values()
        if callable(value) and hasattr(value, "__grading_check__")
    ]


def outline(path: Path) -> list[dict]:
    """Task, points and titles of every check, for the main grader (no learner involved).

    Read from the module's text when every ``@check(...)`` is written with plain values, as
    they are: the grader then need not import what the checks import (lesson 05's import the
    whole comparison module); otherwise the module is imported.
    """
    try:
        return _outline_from_text(path)
    except (ValueError, KeyError, TypeError):
        return [
            {"name": c.name, "task": c.task, "points": c.points, "titles": c.titles}
            for c in checks_of(load(path))
        ]


def _outline_from_text(path: Path) -> list[dict]:
    import ast

    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "check":
                if decorator.args:
                    raise ValueError("positional arguments")
                values = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
                found.append(
                    {
                        "name": node.name,
                        "task": int(values["task"]),
                        "points": float(values.get("points", 1)),
                        "titles": {"en": values.get("en", ""), "ru": values.get("ru", "")},
                    }
                )
    return found


def run_checks(module, ctx) -> list[dict]:
    """Run every check on its own; one failing never stops the next."""
    results = []
    for item in checks_of(module):
        result = {"name": item.name, "task": item.task, "points": item.points}
        result["titles"] = item.titles
        try:
            item.function(ctx)
        except Failure as failure:
            result.update(passed=False, messages=failure.texts, trace=traceback.format_exc())
        except Exception as error:  # noqa: BLE001 - any error fails this check only
            result.update(passed=False, messages=None, trace=traceback.format_exc())
            result["error"] = f"{type(error).__name__}: {error}"[:500]
        else:
            result.update(passed=True)
        results.append(result)
    return results
