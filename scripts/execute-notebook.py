"""Execute one notebook on a Jupyter kernel and save it, stopping at the first failing cell.

Called by scripts/run-notebooks.ts with Debian's /usr/bin/python3 (nbclient 0.7). It does
what `python3 -m nbconvert --to notebook --execute` does, with three differences that the
tslab kernel needs:

* tslab reports a failing cell only through the execute_reply status (plus the message on
  stderr); it sends no `error` output. This script appends an `error` output to the failing
  cell so the executed notebook, its HTML rendering and the runner all see the failure.
* After a failure tslab aborts every request that arrives in the next 200 ms, so later cells
  would be skipped silently (or fail with cascading type errors). Execution stops at the
  first failure; the notebook executed so far is still written.
* tslab sends no execute_input message, so nbconvert leaves execution counts empty; here
  they are numbered 1, 2, ... in execution order.
* tslab only logs an exception thrown asynchronously (inside setTimeout, an unhandled promise
  rejection) to the kernel's stderr and carries on. A hidden setup cell records them; a hidden
  check after every cell, and once more after a short settle at the end, turns them into an
  `error` output (UncaughtException / UnhandledRejection) on the cell that ran last, which
  fails the cell and the notebook.
* The kernel must not outlive the run: jupyter_client starts it in its own session, out of
  reach of the runner's process-group signals. SIGINT/SIGTERM/SIGHUP to this script kill the
  kernel's process group first; a watchdog thread (and PR_SET_PDEATHSIG on Linux) does the same
  when the runner dies, even by kill -9; and the hidden setup cell makes the kernel exit by
  itself when this script is gone (JPY_PARENT_PID no longer alive).

usage: execute-notebook.py INPUT OUTPUT [--kernel tslab] [--timeout SECONDS] [--startup-timeout SECONDS]
exit: 0 all cells ran; 1 a cell failed (error output added); 2 the kernel could not run.
"""
import argparse
import ctypes
import json
import os
import re
import signal
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import run_sync


MARKER = "__RECREPRO_ASYNC_ERRORS__"

# Installed once in the kernel: records asynchronous errors, and exits when this executor is gone.
SETUP_CELL = """{
  const g = globalThis as any;
  if (!g.__recreproAsync) {
    g.__recreproAsync = [];
    process.on("uncaughtException", (e: any) => g.__recreproAsync.push({ kind: "UncaughtException", message: String(e?.stack ?? e) }));
    process.on("unhandledRejection", (r: any) => g.__recreproAsync.push({ kind: "UnhandledRejection", message: String(r?.stack ?? r) }));
    const parent = Number(process.env.JPY_PARENT_PID);
    const ppid = process.ppid;
    setInterval(() => {
      let alive = process.ppid === ppid;
      if (alive && parent > 0) {
        try { process.kill(parent, 0); } catch { alive = false; }
      }
      if (!alive) process.exit(70);
    }, 500).unref();
  }
}"""

CHECK_CELL = "{ const g = globalThis as any; const e = (g.__recreproAsync ?? []).splice(0); if (e.length > 0) console.log(\"%s\" + JSON.stringify(e)); }" % MARKER
SETTLE_CELL = "await new Promise((resolve) => setTimeout(resolve, 300));"

KERNEL_PID = None


def kill_kernel():
    """SIGKILL the kernel's process group (its own session), if it was started."""
    pid = KERNEL_PID
    if pid is None:
        return
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
            return
        except (ProcessLookupError, PermissionError, OSError):
            continue


def on_signal(signum, _frame):
    kill_kernel()
    os._exit(128 + signum)


def watch_parent():
    """Dies with the runner: PR_SET_PDEATHSIG where available, and polling the parent pid."""
    parent = os.getppid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def loop():
        while True:
            if os.getppid() != parent:
                kill_kernel()
                os._exit(3)
            time.sleep(0.5)

    threading.Thread(target=loop, daemon=True).start()
    if os.getppid() != parent:
        os._exit(3)


def kernel_pid(client):
    km = client.km
    for get in (lambda: km.provisioner.process.pid, lambda: km.kernel.pid):
        try:
            return int(get())
        except Exception:
            continue
    return None


def run_hidden(client, code, timeout=60):
    """Runs `code` in the kernel without touching the notebook; returns its stream text."""
    msg_id = client.kc.execute(code, store_history=False, allow_stdin=False)
    get = run_sync(client.kc.get_iopub_msg)
    text = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = get(timeout=max(0.1, deadline - time.monotonic()))
        except Exception:
            break
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            text.append(msg["content"].get("text", ""))
        elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            break
    client.wait_for_reply(msg_id)
    return "".join(text)


def async_errors(client, settle=False):
    """Asynchronous errors the kernel recorded since the last check: [(kind, message)]."""
    if settle:
        run_hidden(client, SETTLE_CELL)
    text = run_hidden(client, CHECK_CELL)
    out = []
    for line in text.splitlines():
        if line.startswith(MARKER):
            out.extend((e["kind"], e["message"]) for e in json.loads(line[len(MARKER):]))
    return out


def add_async_error(cell, errors):
    kind, message = errors[0]
    lines = [f"{k}: {m}" for k, m in errors]
    first = message.splitlines()[0] if message else ""
    evalue = f"{first} (asynchronous: detected after this cell ran; a timer or promise of this or an earlier cell threw{'' if len(errors) == 1 else f'; {len(errors) - 1} more'})"
    cell.outputs.append(error_output(kind, evalue, lines))


def error_output(ename, evalue, traceback):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def describe_failure(cell):
    """(ename, evalue, traceback) from the stderr text tslab wrote into the cell."""
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines:
        return "CellError", "the kernel reported an error without a message", []
    first = lines[0]
    if re.match(r"^\d+:\d+ - ", first):
        return "TypeScriptError", first, lines
    for line in lines:  # Node's "Name: message" line of an uncaught error
        m = re.match(r"^(?:Uncaught )?([A-Za-z_$][\w$.]*(?:Error|Exception)|Error)(?::\s*(.*))?$", line.strip())
        if m:
            return m.group(1), m.group(2) or "", lines
    return "CellError", first, lines


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--kernel", default="tslab")
    p.add_argument("--timeout", type=float, default=-1, help="seconds per cell; <= 0: none")
    p.add_argument("--startup-timeout", type=float, default=180)
    args = p.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=None if args.timeout <= 0 else int(args.timeout),
        startup_timeout=int(args.startup_timeout),
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
    )
    status = 0
    failed_index = None
    global KERNEL_PID
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    watch_parent()
    try:
        with client.setup_kernel():
            KERNEL_PID = kernel_pid(client)
            info = client.wait_for_reply(client.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            run_hidden(client, SETUP_CELL)
            count = 0
            last_index = None
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                count += 1
                failed_index = index
                try:
                    client.execute_cell(cell, index, execution_count=count)
                except CellExecutionError:
                    cell.outputs.append(error_output(*describe_failure(cell)))
                    status = 1
                    break
                except CellTimeoutError as e:
                    cell.execution_count = count
                    cell.outputs.append(error_output("CellTimeoutError", str(e).splitlines()[0], str(e).splitlines()))
                    status = 1
                    break
                errors = async_errors(client)
                if errors:
                    add_async_error(cell, errors)
                    status = 1
                    break
                last_index = index
                failed_index = None
            if status == 0 and last_index is not None:
                failed_index = last_index
                errors = async_errors(client, settle=True)
                if errors:
                    add_async_error(nb.cells[last_index], errors)
                    status = 1
                else:
                    failed_index = None
    except DeadKernelError as e:
        if failed_index is not None:
            nb.cells[failed_index].outputs.append(error_output("DeadKernelError", "the kernel died while running this cell", str(e).splitlines()))
            status = 1
        else:
            print(f"execute-notebook: kernel died: {e}", file=sys.stderr)
            status = 2
    except Exception as e:  # kernel failed to start, protocol errors
        print(f"execute-notebook: {type(e).__name__}: {e}", file=sys.stderr)
        if failed_index is not None:
            nb.cells[failed_index].outputs.append(error_output(type(e).__name__, str(e).splitlines()[0] if str(e) else "", str(e).splitlines()))
        status = 2
    kill_kernel()
    nbformat.write(nb, args.output)
    if status == 1:
        print(f"execute-notebook: cell {failed_index} failed; later cells were not run", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
