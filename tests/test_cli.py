"""`python -m forwarder replay` runs the function's pipeline on files, with the same keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIEM_")}
    return subprocess.run([sys.executable, "-m", "forwarder", *args], cwd=ROOT, capture_output=True,
                          env={**clean, **(env or {})}, input=stdin)  # fmt: skip


def test_help_documents_replay_and_keys():
    out = run("--help")
    assert out.returncode == 0
    assert b"replay" in out.stdout and b"SIEM_SYSLOG_URL" in out.stdout and b"SIEM_HTTP_TOKEN_SECRET_OCID" in out.stdout
    assert b"JSON lines" in run("replay", "--help").stdout


def test_replay_samples_to_the_log():
    files = sorted(str(p) for p in DATA.glob("*.json"))
    out = run("replay", *files)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == len(files)  # every sample file holds one event
    summaries = [json.loads(line) for line in out.stderr.splitlines() if line.startswith(b"{")]
    assert [s["path"] for s in summaries] == files and all(s["ok"] for s in summaries)


def test_replay_json_lines_from_stdin_to_rsyslog(receiver):
    lines = b"\n".join(p.read_bytes().replace(b"\n", b"") for p in sorted(DATA.glob("cloudguard-*.json")))
    out = run("replay", "-", env={"SIEM_SYSLOG_URL": receiver.url("tcp")}, stdin=lines)
    assert out.returncode == 0, out.stderr
    assert len(receiver.wait_for(5)) == 5


def test_replay_reports_undeliverable_and_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    out = run("replay", str(bad), str(tmp_path / "missing.json"))
    assert out.returncode == 1
    assert b"body is not JSON" in out.stderr and b"cannot read" in out.stderr


def test_cold_path_imports_neither_oci_nor_httpx():
    """The cold start of a container with a syslog sink loads no heavy client library (see bench/)."""
    code = (
        "import sys, func\n"
        "from forwarder.handler import handle\n"
        "status, summary = handle(open(sys.argv[1], 'rb').read())\n"
        "assert status == 200, summary\n"
        "print(sorted(m for m in ('oci', 'httpx') if m in sys.modules))\n"
    )
    path = str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")
    out = subprocess.run([sys.executable, "-c", code, path], cwd=ROOT, capture_output=True,
                         env={**os.environ, "SIEM_SYSLOG_URL": "udp://127.0.0.1:9"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == b"[]"
