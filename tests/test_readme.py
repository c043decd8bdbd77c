"""The README is what a newcomer follows: its layout table, its size rule and its local commands hold."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path

from tests.conftest import DATA, clean_env, events_of

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n## ", start + len(title))
    return README[start : end if end > 0 else None]


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```\n(.*?)^```", text, re.M | re.S)


def test_the_layout_table_names_every_module_and_package():
    table = section("## Layout")
    listed = set(re.findall(r"`([A-Za-z_./]+)`", table))
    for path in sorted((ROOT / "forwarder").iterdir()):
        if path.name.startswith("__pycache__") or path.name == "__init__.py":
            continue
        name = f"forwarder/{path.name}" + ("/" if path.is_dir() else "")
        assert name in listed, f"README layout table does not mention {name}"
    for package in [p for p in (ROOT / "forwarder").iterdir() if p.is_dir() and p.name != "__pycache__"]:
        row = next(line for line in table.splitlines() if f"`forwarder/{package.name}/`" in line)
        for module in package.glob("*.py"):
            if module.name not in ("__init__.py", "__main__.py"):
                assert module.stem in row, f"the {package.name}/ row does not mention {module.name}"


def test_no_module_is_longer_than_300_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "forwarder").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert long == {}


def test_the_local_example_works_as_written():
    first, receiver_block = code_blocks(section("### Local run"))[:2]
    out = subprocess.run(
        ["bash", "-c", first.strip()], cwd=ROOT, capture_output=True, text=True, env=clean_env(), timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert '"ok": true' in out.stderr and '"delivered": {"log": 1}' in out.stderr
    assert '"problemName":"BUCKET_IS_PUBLIC"' in out.stdout


def test_the_local_syslog_example_reaches_the_receiver_make_starts():
    _, block = code_blocks(section("### Local run"))[:2]
    receiver_line, *replay_lines = block.strip().splitlines()
    assert receiver_line.startswith("make receiver")
    makefile = (ROOT / "Makefile").read_text()
    (recipe,) = re.findall(r"^receiver:.*\n\t(.+)$", makefile, re.M)
    assert recipe == "$(BIN)/python -m tests.support.receiver"
    receiver = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "tests.support.receiver"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening on tcp://127.0.0.1:5514" in receiver.stdout.readline()
        replay = "\n".join(line.split("#")[0].rstrip() for line in replay_lines)
        out = subprocess.run(
            ["bash", "-c", replay], cwd=ROOT, capture_output=True, text=True, env=clean_env(), timeout=120
        )
        assert out.returncode == 0, out.stderr
        expected = sum(len(events_of(p.read_bytes())) for p in DATA.glob("*.json"))
        expected += sum(
            json.loads(line)["detection"]["detections"] for line in out.stderr.splitlines() if line.startswith("{")
        )  # the detections the samples make go too
        seen: list[str] = []
        threading.Thread(target=lambda: seen.extend(iter(receiver.stdout.readline, "")), daemon=True).start()
        end = time.monotonic() + 30
        while len(seen) < expected and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(0.5)  # nothing more arrives: each event once
        assert len(seen) == expected and all(" tcp " in line and "CEF:0|Oracle|" in line for line in seen)
    finally:
        receiver.terminate()
        receiver.wait(10)
