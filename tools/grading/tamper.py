"""Cheap signs that the learner's cells changed how the kernel runs code.

Before the first learner cell the judge records a *baseline* of the kernel's machinery (IPython's
input and AST transformers, event callbacks, import hooks, trace and profile functions, the
builtins, the exception hooks, the json module the bridge uses); after the last cell it records
the same again.  Whatever differs is named in the result, and the notebook is held for the
teacher (status ``needs_review``, autograded points 0 until the teacher accepts them).

This is detection, not the guarantee: the probe runs in the learner's process and a determined
learner can hide from it.  The guarantee is that checks run in the judge and decide from what
crossed the judge's own wire taps (see grading.hidden).
"""

from __future__ import annotations

# Defined in the kernel, then called; its value is JSON data (see grading.bridge).  Hooks and
# callbacks from the Python installation or the course package (grpc's import finder, the
# course's own cell callbacks) are expected and left out: only the learner's own count.
DEFINE = """
def __grading_probe():
    import builtins, json, os, sys, threading
    import mock_servers
    trusted = tuple(os.path.realpath(p) for p in
                    (sys.prefix, sys.base_prefix, os.path.dirname(mock_servers.__file__)))
    def own(item):
        name = getattr(item, "__module__", None) or type(item).__module__
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if name == "__main__" or module is None:
            return True
        return path is not None and not os.path.realpath(path).startswith(trusted)
    def names(items):
        return [getattr(i, "__qualname__", type(i).__qualname__) for i in items if own(i)]
    ip = get_ipython()
    shell = type(ip)
    methods = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback",
               "_showtraceback", "transform_cell", "CustomTB")
    return {
        "ast_transformers": [type(t).__qualname__ for t in ip.ast_transformers],
        "input_transformers_post": names(ip.input_transformers_post),
        "input_transformers_cleanup": names(ip.input_transformers_cleanup),
        "line_transforms": names(ip.input_transformer_manager.line_transforms),
        "token_transformers": names(ip.input_transformer_manager.token_transformers),
        "events": {event: names(callbacks) for event, callbacks in ip.events.callbacks.items()},
        "trace": repr(sys.gettrace()) if sys.gettrace() else None,
        "profile": repr(sys.getprofile()) if sys.getprofile() else None,
        "thread_trace": repr(getattr(threading, "_trace_hook", None)),
        "thread_profile": repr(getattr(threading, "_profile_hook", None)),
        "meta_path": names(sys.meta_path),
        "path_hooks": names(sys.path_hooks),
        "builtins": sorted("%s:%d" % (n, id(v)) for n, v in vars(builtins).items()
                           if not n.startswith("_") and n not in ("input", "raw_input", "getpass")),
        "excepthook": [repr(sys.excepthook), repr(sys.unraisablehook)],
        "custom_exceptions": [repr(e) for e in ip.custom_exceptions],
        "shell": sorted(n for n in vars(ip) if n in methods),
        "shell_class": sorted("%s:%d" % (n, id(getattr(shell, n, None))) for n in methods),
        "json": ["%d" % id(f) for f in (json.dumps, json.loads, json.JSONEncoder.encode,
                                         json.JSONEncoder.default, json.JSONEncoder.iterencode)],
    }
"""
CALL = "__grading_probe()"


# What each difference means, for the teacher.
NAMES = {
    "ast_transformers": "IPython AST transformers",
    "input_transformers_post": "IPython input transformers",
    "input_transformers_cleanup": "IPython input transformers",
    "line_transforms": "IPython input transformers",
    "token_transformers": "IPython input transformers",
    "events": "IPython event callbacks",
    "trace": "a trace function (sys.settrace)",
    "profile": "a profile function (sys.setprofile)",
    "thread_trace": "a trace function (threading.settrace)",
    "thread_profile": "a profile function (threading.setprofile)",
    "meta_path": "import hooks (sys.meta_path)",
    "path_hooks": "import hooks (sys.path_hooks)",
    "builtins": "replaced builtins",
    "excepthook": "replaced exception hooks",
    "custom_exceptions": "a custom exception handler (set_custom_exc)",
    "shell": "replaced IPython shell methods",
    "shell_class": "replaced IPython shell methods",
    "json": "a replaced json module",
}


def differences(before: dict, after) -> list[str]:
    """What the learner's cells changed, in words, each named once; [] when nothing."""
    if not isinstance(after, dict) or not isinstance(before, dict) or set(after) != set(before):
        return ["the kernel's machinery could not be inspected"]
    found = []
    for key, name in NAMES.items():
        if before.get(key) != after.get(key) and name not in found:
            found.append(name)
    return found


def details(before: dict, after) -> list[str]:
    """For the teacher: each changed item, before and after."""
    if not isinstance(after, dict) or not isinstance(before, dict):
        return [f"probe: {str(before)[:300]} / {str(after)[:300]}"]
    lines = []
    for key in NAMES:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            added = [item for item in new if item not in old]
            gone = [item for item in old if item not in new]
            lines.append(f"{key}: added {added[:10]}, removed {gone[:10]}"[:600])
        else:
            lines.append(f"{key}: {str(old)[:250]} -> {str(new)[:250]}")
    return lines
