"""The function's image holds only what it can import: the pruned dependency tree is proven here.

The tree is laid out as `pip install --target` lays out requirements.txt (the distributions it names
and what they require, read from this virtualenv's metadata, linked or copied), pruned by
image/prune.py exactly as the Dockerfile prunes it. A fresh interpreter with no site-packages then
imports every module any forwarder module imports (function-level imports included), builds every
SDK client the function uses, and runs events through the function and a user Sigma rule.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "image"))
import prune  # noqa: E402  (image/prune.py: the Dockerfile's own tool)


def _distributions() -> list[importlib.metadata.Distribution]:
    wanted = [
        Requirement(line.split("#")[0].strip()).name
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    seen: dict[str, importlib.metadata.Distribution] = {}
    while wanted:
        name = wanted.pop().lower().replace("_", "-")
        if name in seen:
            continue
        dist = seen[name] = importlib.metadata.distribution(name)
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
    return list(seen.values())


def _link_tree(source: Path, target: Path) -> None:
    try:
        shutil.copytree(source, target, copy_function=os.link, symlinks=True)
    except OSError:  # another file system: copy
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


def image_tree(directory: Path) -> Path:
    """The function's installed dependencies in `directory`, before pruning."""
    tree = directory / "python"
    tree.mkdir()
    for dist in _distributions():
        base = Path(dist.locate_file(""))
        tops = {Path(f).parts[0] for f in dist.files or () if not str(f).startswith("..")}
        for top in tops:
            source, target = base / top, tree / top
            if target.exists() or not source.exists():
                continue
            if source.is_dir():
                _link_tree(source, target)
            else:
                shutil.copy2(source, target)
    return tree


def imported_modules() -> list[str]:
    """Every absolute module name an import statement of forwarder/ or func.py names (function-level too)."""
    names: set[str] = set()
    for path in [ROOT / "func.py", *sorted((ROOT / "forwarder").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(n for n in names if n != "__future__")


PROBE = r"""
import importlib, json, os, pkgutil, sys
tree = sys.argv[1]
import forwarder
for module in pkgutil.walk_packages(forwarder.__path__, "forwarder."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
for name in json.loads(sys.argv[2]):
    importlib.import_module(name)
from forwarder.oci.clients import SERVICES
for module, name in SERVICES.values():
    getattr(importlib.import_module(module), name)
import oci.auth.signers, oci.object_storage.models, fdk.context, fdk.response, func
from forwarder import handler
status, summary = handler.handle(open(sys.argv[3], "rb").read(), 30)
assert status == 200 and summary["delivered"] == {"log": 2}, summary  # the event and its detection
assert summary["detection"]["detections"] >= 1, summary  # the user rule, compiled by pySigma from the tree
files = {name: getattr(module, "__file__", None) or "" for name, module in list(sys.modules.items())}
outside = sorted(name for name, file in files.items() if "site-packages" in file and not file.startswith(tree))
assert not outside, outside
print("imported", len(sys.modules))
"""

RULE = """title: Any Cloud Guard problem
id: 0b9f1c7e-2d9a-4f5e-9a39-1d2b3c4d5e6f
status: experimental
logsource: {product: oci, service: cloudguard}
detection:
  problem: {eventType|startswith: com.oraclecloud.cloudguard.problem}
  condition: problem
level: high
tags: [attack.t1530]
"""


def test_the_pruned_tree_runs_every_module_the_function_can_reach(tmp_path):
    tree = image_tree(tmp_path)
    before = prune.size(tree)
    prune.prune(tree)
    after = prune.size(tree)
    assert after < before / 3 and after < 150e6, (before, after)  # the SDK's unused services are most of it
    assert not (tree / "oci" / "core").exists() and (tree / "oci" / "cloud_guard").is_dir()
    assert not (tree / "pytest").exists() and not (tree / "Cython").exists() and not prune.removable("bin")  # bin/fdk
    assert (tree / "oci" / "regions_definitions.py").is_file()  # the realm table of ticket Console links
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "any_problem.yml").write_text(RULE)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tree}",
        "DETECTION_RULES": str(rules),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    event = ROOT / "tests" / "data" / "cloudguard-problemdetected-bucket-public-critical.json"
    modules = [m for m in imported_modules() if m.split(".")[0] not in ("forwarder", "func")]
    probe = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(tree), __import__("json").dumps(modules), str(event)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]


def test_the_image_keeps_the_sdk_services_the_function_calls():
    from forwarder.oci.clients import SERVICES

    assert {module.split(".")[1] for module, _ in SERVICES.values()} == prune.OCI_SERVICES
    called = {m.split(".")[1] for m in imported_modules() if m.startswith("oci.") and m.count(".") >= 1}
    assert called - {"auth", "retry", "config", "signer", "exceptions"} <= prune.OCI_SERVICES, called


def test_the_dockerfile_prunes_what_it_installs_before_compiling():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    runs = [line.strip() for line in text.splitlines() if line.strip().startswith("RUN ")]
    install = next(i for i, run in enumerate(runs) if "pip3 install --target /python/" in run)
    assert "prune.py /python" in runs[install].split("pip3 install", 1)[1]  # right after the install, same layer
    assert any("compileall" in run for run in runs[install + 1 :])  # bytecode only for what is kept
