"""Running one notebook: start its kernel (sandboxed or not), run its cells, stop it.

jupyter_client starts the kernel from a kernel spec whose command line is the sandbox's (see
grading.sandbox); interrupts go as messages, since a signal to bubblewrap would not reach the
kernel inside.  Cells run one by one with the cell time limit; outputs are kept (capped) for the
teacher's copy of the notebook.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from grading import bridge, sandbox
from grading.limits import Limits

MESSAGE_LIMIT = 32 * 1024 * 1024  # bytes of one message from the kernel


def start_kernel(job: dict, folder: Path) -> bridge.Kernel:
    import zmq
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec

    scratch = Path(job["scratch"])
    # A kernel that sends one huge message is cut off instead of filling the judge's memory.
    context = zmq.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_LIMIT)
    manager = KernelManager(
        connection_file=str(scratch / "kernel.json"), ip="127.0.0.1", context=context
    )
    if job["sandbox"]:
        limits = Limits(**job["limits"])
        argv = sandbox.kernel_argv(scratch, _Procs(job["cgroup"]), limits, map(Path, job["hide"]))
    else:
        argv = sandbox.bare_kernel_argv(scratch)
    manager._kernel_spec = KernelSpec(
        argv=argv, display_name="sandbox", language="python", interrupt_mode="message"
    )
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    manager.start_kernel(env=environment, cwd=str(scratch))
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
    except RuntimeError:
        manager.shutdown_kernel(now=True)
        raise
    return bridge.Kernel(manager, client, job["cell_timeout"])


class _Procs:
    def __init__(self, procs: list[str]) -> None:
        self.procs = procs


def stop_kernel(kernel: bridge.Kernel) -> None:
    try:
        kernel.client.stop_channels()
        kernel.manager.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - the cgroup is killed after this anyway
        pass


def run_cells(kernel: bridge.Kernel, notebook: dict, deadline: float) -> tuple[list, str | None]:
    """Run every code cell in order; (what happened in each, failure or None).

    A cell that runs past the cell limit is interrupted and the next one runs; a kernel that
    does not stop, dies, or a notebook that passes its whole time limit ends the run.
    """
    report = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        entry = {"index": index, "grade_id": _grade_id(cell), "first_line": _first(source)}
        left = deadline - time.monotonic()
        if left <= 0:
            report.append({**entry, "event": "notebook_timed_out"})
            return report, "timed_out"
        try:
            outcome = kernel.execute(source, timeout=min(kernel.timeout, left), history=True)
        except bridge.Stuck:
            report.append({**entry, "event": "unstoppable"})
            return report, "timed_out"
        except Exception:  # noqa: BLE001 - queue.Empty from a dead kernel, mostly
            report.append({**entry, "event": "kernel_died"})
            return report, "kernel_died"
        cell["outputs"] = [_output(o) for o in outcome["outputs"]]
        if outcome["timed_out"]:
            event = "notebook_timed_out" if time.monotonic() >= deadline else "cell_timed_out"
            report.append({**entry, "event": event})
            if event == "notebook_timed_out":
                return report, "timed_out"
        elif outcome["status"] != "ok":
            report.append({**entry, "event": "error", "ename": outcome["ename"]})
            report[-1]["evalue"] = outcome["evalue"][:2000]
        if not kernel.alive():
            report.append({**entry, "event": "kernel_died"})
            return report, "kernel_died"
    return report, None


def _output(output: dict) -> dict:
    """A notebook output (nbformat 4) from a kernel message's content."""
    kind = output.pop("type")
    if kind == "stream":
        return {
            "output_type": "stream",
            "name": output.get("name", "stdout"),
            "text": output.get("text", ""),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": output.get("ename", ""),
            "evalue": output.get("evalue", ""),
            "traceback": output.get("traceback", []),
        }
    made = {
        "output_type": kind,
        "data": output.get("data", {}),
        "metadata": output.get("metadata", {}),
    }
    if kind == "execute_result":
        made["execution_count"] = output.get("execution_count")
    return made


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _first(source: str) -> str:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return lines[0][:120] if lines else ""
