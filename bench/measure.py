"""Child processes measured by the kernel: CPU time (user + system) and peak RSS of exactly that child."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    cpu: float  #: seconds, user + system
    wall: float  #: seconds
    peak_mb: float  #: peak resident set size (ru_maxrss)
    stderr: bytes


def child_env(**extra: str) -> dict[str, str]:
    """This environment without forwarder or OCI keys, with the repository importable, plus `extra`. No
    name lookups (ENRICH_NAMES=false) unless `extra` asks: there is no principal, and section 10 measures them."""
    from forwarder.settings.keys import PREFIXES

    env = {k: v for k, v in os.environ.items() if not k.startswith((*PREFIXES, "OCI_"))}
    return {**env, "PYTHONPATH": str(ROOT), "ENRICH_NAMES": "false", **extra}


def run(args: list[str], env: dict[str, str] | None = None, stdin=None, cwd: Path = ROOT, peak: bool = True) -> Run:
    """Run `python args...` (stdout discarded) and measure it; raises when it fails.

    With `peak`, the child runs under tests/support/peak.py, which writes its own VmHWM at exit (the
    kernel's ru_maxrss would count the pages forked from this process); without it (wall-time probes),
    peak_mb is 0.
    """
    env = env or child_env()
    with tempfile.NamedTemporaryFile(prefix="peak-") as out:
        launcher = [sys.executable, str(ROOT / "tests" / "support" / "peak.py"), out.name] if peak else [sys.executable]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*launcher, *args], cwd=cwd, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        stderr = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code:
            raise RuntimeError(f"{args} exited {code}: {stderr.decode(errors='replace')[-2000:]}")
        peak_mb = int(open(out.name).read() or 0) / 1024 if peak else 0.0
    return Run(usage.ru_utime + usage.ru_stime, wall, peak_mb, stderr)


def median(values: list[float]) -> float:
    return statistics.median(values)
