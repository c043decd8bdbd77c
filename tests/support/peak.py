"""Run a Python module or script and write its peak RSS to a file when it exits.

`python -m tests.support.peak OUT -m module args...` or `python -m tests.support.peak OUT script.py args...`.
OUT receives the process's VmHWM in kB (from /proc/self/status, at exit). The kernel's ru_maxrss of a
child is no use here: it counts the pages the child had from its parent before exec (a forked pytest or
benchmark process), so a small child looks as big as its parent.
"""

import atexit
import os
import runpy
import sys


def peak_kb() -> int:
    """This process's peak resident set size so far, in kB (VmHWM)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))


def _write_peak(path: str) -> None:
    with open(path, "w") as out:
        out.write(str(peak_kb()))


def main() -> None:
    out, *rest = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:  # run as a script: this folder (with its
        sys.path.pop(0)  # oci.py, a stand-in) must not shadow the measured program's imports
    if rest[0] == "-m":
        sys.path.insert(0, os.getcwd())  # as `python -m` does
    atexit.register(_write_peak, out)
    if rest[0] == "-m":
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()
