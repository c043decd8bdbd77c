"""Prune the function's installed dependencies to what the function can import.

The Dockerfile runs `python3.11 image/prune.py /python` after `pip install --target /python -r
requirements.txt`: an OCI Functions cold start waits on the image pull, and most of the tree is code
the function never loads. Removed:
- every OCI SDK service package but those the function calls (OCI_SERVICES: the modules named in
  `forwarder/oci/clients.py` SERVICES, which a test keeps equal) and those the SDK's core imports
  (OCI_CORE); the SDK loads services lazily;
- packages installed only for a dependency's own tests, builds or optional parts (REMOVED): the fdk
  declares pytest, Cython, wheel and pbr as requirements but never imports them at run time; aiohttp
  serves the SDK's async client only, pkcs11 its HSM signer (an import the SDK guards);
- every `tests` folder inside a package, and type stubs.
The pruned tree is proven by tests/test_image.py, which imports every module the function can reach
from it and runs events through the function. Prints the size before and after, in MB.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

#: The SDK service packages the function calls (oci.<name>).
OCI_SERVICES = frozenset(
    {
        "audit",
        "cloud_guard",
        "events",
        "functions",
        "identity",
        "loggingsearch",
        "monitoring",
        "object_storage",
        "ons",
        "sch",
        "secrets",
        "streaming",
    }
)
#: Service packages the SDK's core imports whatever is called (`oci.pagination`: dns, `oci.waiter`: work_requests).
OCI_CORE = frozenset({"dns", "work_requests"})
#: Top-level names (packages, modules, .pth files) the function never imports, and their distributions.
REMOVED = frozenset(
    """
    Cython cython pyximport _pytest pytest py pluggy iniconfig pytest_asyncio pygments setuptools pkg_resources
    _distutils_hack distutils-precedence wheel pbr pkcs11 python_pkcs11 aiohttp aiohappyeyeballs aiosignal
    frozenlist multidict yarl propcache attr attrs diskcache_stubs diskcache-stubs yaml-stubs types_pyyaml
    """.split()
)


def _distribution(name: str) -> str:
    """`Foo_Bar-1.2.dist-info` -> `foo_bar`; a plain name lowered, `-` as `_`."""
    return re.sub(r"-[0-9].*$", "", name.removesuffix(".dist-info")).lower().replace("-", "_")


_REMOVED = {n.lower().replace("-", "_") for n in REMOVED}


def removable(name: str) -> bool:
    """Whether a top-level entry of the tree goes."""
    stem = name.removesuffix(".py").removesuffix(".pth")
    return _distribution(stem if not name.endswith(".dist-info") else name) in _REMOVED


def oci_removable(oci: Path, name: str) -> bool:
    """Whether an entry of the SDK's package goes: a service package (it has models/) not called."""
    return (oci / name / "models").is_dir() and name not in OCI_SERVICES | OCI_CORE


def size(root: Path) -> int:
    """Bytes of the files under `root` (links not followed)."""
    total = 0
    for folder, _, files in os.walk(root):
        total += sum(os.lstat(os.path.join(folder, f)).st_size for f in files)
    return total


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)


def prune(root: Path) -> None:
    """Prune the tree at `root` in place (entries may be symbolic links: links are removed, not followed)."""
    for entry in list(root.iterdir()):
        if removable(entry.name):
            _remove(entry)
    oci = root / "oci"
    if oci.is_dir():
        for entry in list(oci.iterdir()):
            if oci_removable(oci, entry.name):
                _remove(entry)
    for folder, dirs, _ in os.walk(root):
        for name in [d for d in dirs if d in ("tests", "test") and not os.path.islink(os.path.join(folder, d))]:
            shutil.rmtree(os.path.join(folder, name))
            dirs.remove(name)


def main(argv: list[str]) -> None:
    root = Path(argv[1])
    before = size(root)
    prune(root)
    print(f"prune: {before / 1e6:.0f} MB -> {size(root) / 1e6:.0f} MB in {root}")


if __name__ == "__main__":
    main(sys.argv)
