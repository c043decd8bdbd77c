"""8. The function image's installed tree: `pip install --target` of requirements.txt as the Dockerfile runs
it, then image/prune.py, then the Dockerfile's compileall; sizes in MB (apparent bytes of the files).
The goal: at most 150 MB as shipped. Needs the package index (pip's cache serves a second run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.measure import ROOT

sys.path.insert(0, str(ROOT / "image"))
import prune  # noqa: E402

GOAL_MB = 150


def image_size(work: Path) -> float | None:
    """Print the table; returns the shipped size in MB (None when pip could not install)."""
    tree = work / "image-python"
    print("\n8. the function image's dependency tree (pip install --target, as the Dockerfile)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(tree),
            "-r",
            str(ROOT / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"   pip install failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    installed = prune.size(tree)
    sdk = prune.size(tree / "oci")
    prune.prune(tree)
    pruned, sdk_pruned = prune.size(tree), prune.size(tree / "oci")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(tree)],
        capture_output=True,
    )
    shipped = prune.size(tree)
    mb = 1e6
    print(f"   installed                 {installed / mb:7.0f} MB   (the oci SDK: {sdk / mb:.0f} MB)")
    print(f"   pruned (image/prune.py)   {pruned / mb:7.0f} MB   (the oci SDK: {sdk_pruned / mb:.0f} MB)")
    verdict = "met" if shipped / mb <= GOAL_MB else "NOT met"
    print(
        f"   with bytecode, as shipped {shipped / mb:7.0f} MB   {shipped / installed:.2f}x installed; "
        f"goal <= {GOAL_MB} MB: {verdict}"
    )
    return shipped / mb
