"""The package installs as a user would install it: `pip install .` gives `oci-forwarder`, with the rule
pack, the ATT&CK table and the report template, and one version everywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[1]


def test_one_version_for_the_package_the_cli_the_user_agent_and_func_yaml():
    import forwarder

    func_yaml = (ROOT / "func.yaml").read_text()
    (declared,) = re.findall(r"^version: (\S+)$", func_yaml, re.M)
    assert declared == forwarder.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "forwarder.__version__"}
    assert forwarder.USER_AGENT == f"oci-security-forwarder/{forwarder.__version__}"
    out = subprocess.run(
        [sys.executable, "-m", "forwarder", "--version"], cwd=ROOT, capture_output=True, text=True, env=clean_env()
    )
    assert out.returncode == 0 and out.stdout.strip() == f"python -m forwarder {forwarder.__version__}"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {forwarder.__version__}" in changelog
    assert "Apache License" in (ROOT / "LICENSE").read_text()


def test_pip_install_gives_a_working_oci_forwarder_command_outside_the_clone(tmp_path):
    import forwarder

    source = tmp_path / "source"  # a copy: building in place would leave build/ and *.egg-info in the clone
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "forwarder", source / "forwarder", ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # --no-deps: the dependencies are requirements.txt's, already in this virtualenv; --no-build-isolation:
    # setuptools is pinned in requirements-dev.txt (no download at test time)
    built = subprocess.run(
        [*pip, "--no-deps", "--no-build-isolation", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    installed = site / "forwarder"
    assert (installed / "detect" / "pack.json").is_file() and (installed / "detect" / "attack.tsv").is_file()
    rules = len(list((ROOT / "forwarder" / "detect" / "rules").glob("*.yml")))
    assert len(list((installed / "detect" / "rules").glob("*.yml"))) == rules
    assert (installed / "report" / "templates" / "changes.html").is_file()
    assert not (site / "tests").exists() and not (site / "bench").exists() and not (site / "terraform").exists()
    metadata = next(site.glob("oci_security_forwarder-*.dist-info"))
    assert f"Version: {forwarder.__version__}" in (metadata / "METADATA").read_text()
    assert "oci-forwarder = forwarder.cli:entry" in (metadata / "entry_points.txt").read_text()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**clean_env(), "PYTHONPATH": str(site)}
    command = [str(site / "bin" / "oci-forwarder")]

    def run(*args):
        return subprocess.run([*command, *args], cwd=elsewhere, capture_output=True, text=True, env=env, timeout=120)

    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"oci-forwarder {forwarder.__version__}"
    rules = run("rules", "list", "--json")
    assert rules.returncode == 0, rules.stderr
    assert "oci_api_key_uploaded" in {json.loads(line)["name"] for line in rules.stdout.splitlines()}
    where = subprocess.run(
        [sys.executable, "-c", "import forwarder; print(forwarder.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert where.stdout.strip() == str(installed / "__init__.py")  # the installed copy, not the clone
    sample = ROOT / "tests" / "data" / "cloudguard-problemdetected-bucket-public-critical.json"
    replay = run("replay", str(sample))
    assert replay.returncode == 0 and '"problemName":"BUCKET_IS_PUBLIC"' in replay.stdout, replay.stderr
    assert replay.stderr.startswith("{") and os.linesep in replay.stderr
