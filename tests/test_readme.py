"""The README is what a newcomer follows: it fits on a few screens, links every reference page under docs/,
cites nothing a reader cannot follow, and its local commands work as written; the layout table (in
docs/development.md) and the size rule hold."""

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
DOCS = ROOT / "docs"


def section(title: str, text: str = README) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start : end if end > 0 else None]


def test_the_readme_is_a_guide_of_a_few_screens_linking_every_reference_page():
    assert len(README.splitlines()) <= 160
    titles = re.findall(r"^## (.+)$", README, re.M)
    assert titles[:3] == ["Try it in five minutes", "Deploy: from an empty tenancy to events in your SIEM", "Operate"]
    steps = re.findall(r"^(\d+)\. \*\*", section("## Deploy"), re.M)
    assert 8 <= len(steps) <= 12 and steps == [str(n) for n in range(1, len(steps) + 1)]
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    linked = set(re.findall(r"\]\(docs/([a-z-]+\.md)\)", README))
    assert set(pages) <= linked, f"the README does not link {set(pages) - linked}"
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        assert target.startswith("https://") or (ROOT / target).exists(), f"README links {target}, which is missing"


def test_no_page_cites_what_a_reader_cannot_follow():
    pages = {"README.md": README, **{f"docs/{p.name}": p.read_text() for p in DOCS.glob("*.md")}}
    for name in ("terraform/README.md", "tests/data/README.md", "CHANGELOG.md"):
        pages[name] = (ROOT / name).read_text()
    for name, text in pages.items():
        for pattern in (r"FACTS", r"\bissue[- ]\d", r"\bsection \d", r"\bgoal\b", r"\bSTYLE\.md", r"\.\./shared"):
            assert not re.search(pattern, text), f"{name} cites {pattern}: {re.search(pattern, text).group(0)!r}"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if not target.startswith(("https://", "http://")):
                assert ((ROOT / name).parent / target).exists(), f"{name} links {target}, which is missing"


def test_every_place_says_the_same_deadline_reserve():
    from forwarder.delivery.deadletter import RESERVE
    from forwarder.handler import DEADLINE_MARGIN

    said = f"{DEADLINE_MARGIN:g} s before Fn-Deadline"
    for path in ("docs/delivery.md", "func.yaml", "terraform/variables.tf", "terraform/README.md"):
        text = (ROOT / path).read_text()
        assert said in text and f"{RESERVE:g} s" in text, f"{path} does not say the reserve as the code does"
        assert "sinks stop 1 s before" not in text and "Sinks stop 3 s before the invocation deadline" not in text


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```\n(.*?)^```", text, re.M | re.S)


def test_the_layout_table_names_every_module_and_package():
    table = section("## Layout", (DOCS / "development.md").read_text())
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
    first, receiver_block = code_blocks(section("## Try it in five minutes"))[:2]
    out = subprocess.run(
        ["bash", "-c", first.strip()], cwd=ROOT, capture_output=True, text=True, env=clean_env(), timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert '"ok": true' in out.stderr and '"delivered": {"log": 1}' in out.stderr
    assert '"problemName":"BUCKET_IS_PUBLIC"' in out.stdout


def test_the_local_syslog_example_reaches_the_receiver_make_starts():
    _, block = code_blocks(section("## Try it in five minutes"))[:2]
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
