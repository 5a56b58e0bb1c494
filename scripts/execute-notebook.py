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

usage: execute-notebook.py INPUT OUTPUT [--kernel tslab] [--timeout SECONDS] [--startup-timeout SECONDS]
exit: 0 all cells ran; 1 a cell failed (error output added); 2 the kernel could not run.
"""
import argparse
import os
import re
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


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
    try:
        with client.setup_kernel():
            info = client.wait_for_reply(client.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            count = 0
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
    nbformat.write(nb, args.output)
    if status == 1:
        print(f"execute-notebook: cell {failed_index} failed; later cells were not run", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
