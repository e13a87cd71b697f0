"""The kernel bridge: the judge's only way into the learner's kernel, and only JSON comes back.

The learner's kernel is an ordinary IPython kernel started inside the sandbox; the judge talks to
it with jupyter_client over its ZeroMQ sockets on the private loopback.  Whatever comes back is
text written by a process the learner controls, so it is read as data only: capped in size,
parsed with ``json.loads`` (never unpickled, never evaluated), and every round trip has a time
limit.  A check that trusts what the bridge returns can be fooled only into seeing values the
learner's code could have computed anyway; checks that matter read the judge's own wire taps.
"""

from __future__ import annotations

import json
import queue
import secrets
import time

from grading.hidden import LearnerError

REPLY_LIMIT = 1024 * 1024  # characters of JSON one round trip may send back
OUTPUT_LIMIT = 64 * 1024  # characters of a cell's output kept for the teacher's copy
GRACE = 5.0  # seconds a kernel gets to stop after an interrupt

# Runs in the learner's kernel.  Self-contained, private names; it only turns a value into
# JSON text and an exception into a description of it.
WRAPPER = """
def __grading_call():
    import json as _json
    _args = _json.loads({args!r})
    def _function(_name):
        if _name not in globals():
            raise NameError(f"name {{_name!r}} is not defined")
        return globals()[_name]
    try:
        _value = {target}
    except BaseException as _error:
        _attrs = {{}}
        for _key, _item in list(getattr(_error, "__dict__", {{}}).items())[:50]:
            try:
                _json.dumps(_item)
            except Exception:
                continue
            _attrs[str(_key)] = _item
        return _json.dumps({{"error": {{
            "type": type(_error).__name__,
            "bases": [_c.__name__ for _c in type(_error).__mro__],
            "message": str(_error)[:2000],
            "attrs": _attrs,
        }}}})
    try:
        return _json.dumps({{"value": _value}})
    except (TypeError, ValueError) as _error:
        return _json.dumps({{"error": {{"type": "NotJSON", "bases": ["NotJSON"],
            "message": f"{{type(_value).__name__}} is not JSON data: {{_error}}", "attrs": {{}}}}}})
print({mark!r} + __grading_call() + {mark!r})
del __grading_call
"""


class Stuck(Exception):
    """The kernel did not finish a request, even after an interrupt."""


class Kernel:
    """A started kernel: run code in it, with a time limit, collecting its outputs."""

    def __init__(self, manager, client, timeout: float) -> None:
        self.manager = manager
        self.client = client
        self.timeout = timeout
        self.stuck = False

    def alive(self) -> bool:
        return self.manager.is_alive()

    def execute(
        self,
        code: str,
        timeout: float | None = None,
        history: bool = False,
        limit: int = OUTPUT_LIMIT,
    ) -> dict:
        """Run ``code``; {"status", "outputs", "ename", "evalue", "traceback", "timed_out"}.

        After ``timeout`` seconds the kernel is interrupted; if it does not stop within GRACE
        seconds, it is stuck (raises Stuck) and nothing more is sent to it.
        """
        if self.stuck:
            raise Stuck("the kernel is stuck")
        timeout = self.timeout if timeout is None else timeout
        msg_id = self.client.execute(
            code, silent=False, store_history=history, allow_stdin=False, stop_on_error=False
        )
        outputs, size, timed_out = [], 0, False
        deadline = time.monotonic() + timeout
        idle = False
        while not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                if timed_out:
                    self.stuck = True
                    raise Stuck("the kernel did not stop after an interrupt")
                timed_out = True
                self.interrupt()
                deadline = time.monotonic() + GRACE
                continue
            try:
                msg = self.client.get_iopub_msg(timeout=min(left, 1.0))
            except queue.Empty:
                if not self.alive():
                    raise
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind in ("stream", "error", "execute_result", "display_data"):
                size += len(json.dumps(content))
                if size <= limit:
                    outputs.append({"type": kind, **content})
        reply = self._reply(msg_id)
        return {
            "status": reply.get("status", "error"),
            "ename": reply.get("ename", ""),
            "evalue": reply.get("evalue", ""),
            "traceback": reply.get("traceback", []),
            "outputs": outputs,
            "timed_out": timed_out,
        }

    def _reply(self, msg_id: str) -> dict:
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_shell_msg(timeout=1.0)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg["content"]
        return {"status": "error", "ename": "NoReply", "evalue": "the kernel sent no reply"}

    def interrupt(self) -> None:
        try:
            self.manager.interrupt_kernel()
        except Exception:  # noqa: BLE001 - a dead kernel cannot be interrupted; the caller sees it
            pass


class Learner:
    """``ctx.learner``: run code and call functions in the learner's kernel, JSON data back."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel

    def run(self, code: str) -> None:
        result = self._execute(code)
        if result["status"] != "ok":
            raise LearnerError(result["ename"] or "Error", result["evalue"])

    def eval(self, expression: str):
        compile(expression, "<judge>", "eval")  # the judge's own mistake, raised here
        return self._round_trip(f"({expression})", [])

    def call(self, name: str, *args, **kwargs):
        if not name.isidentifier():
            raise ValueError(f"not a function name: {name!r}")
        target = f"_function({name!r})(*_args[0], **_args[1])"
        return self._round_trip(target, [list(args), kwargs], name)

    def _execute(self, code: str, limit: int = OUTPUT_LIMIT) -> dict:
        try:
            return self._kernel.execute(code, limit=limit)
        except Stuck as stuck:
            raise LearnerError("Timeout", f"no answer within {self._kernel.timeout} s") from stuck
        except queue.Empty as empty:
            raise LearnerError("KernelDied", "the learner's kernel is not running") from empty

    def _round_trip(self, target: str, args: list, name: str | None = None):
        mark = "#" + secrets.token_hex(8) + "#"
        code = WRAPPER.format(args=json.dumps(args), target=target, mark=mark)
        result = self._execute(code, limit=2 * REPLY_LIMIT)
        if result["timed_out"]:
            raise LearnerError("Timeout", f"no answer within {self._kernel.timeout} s")
        text = "".join(o.get("text", "") for o in result["outputs"] if o["type"] == "stream")
        start, end = text.find(mark), text.rfind(mark)
        if result["status"] != "ok" or start < 0 or end <= start:
            if name and result["ename"] == "KeyError":
                raise LearnerError("NameError", f"name {name!r} is not defined", ["NameError"])
            raise LearnerError(result["ename"] or "NoAnswer", result["evalue"])
        payload = text[start + len(mark) : end]
        if len(payload) > REPLY_LIMIT:
            raise LearnerError("TooLarge", f"the answer is longer than {REPLY_LIMIT} characters")
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise LearnerError("NotJSON", str(error)) from error
        if not isinstance(data, dict):
            raise LearnerError("NotJSON", "unexpected answer")
        if "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            raise LearnerError(
                str(error.get("type", "Error")),
                str(error.get("message", "")),
                [str(b) for b in error.get("bases", [])]
                if isinstance(error.get("bases"), list)
                else (),
                error.get("attrs") if isinstance(error.get("attrs"), dict) else {},
            )
        return data.get("value")
