"""Memory that does not grow with the input: one function invocation with a Connector Hub body near the
6 MB limit holds one encoded copy at a time, not one per sink (replay's flat memory: test_cli)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.corpus import connector_hub_batch
from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[1]


def growth_mb(body: Path, config: dict[str, str]) -> tuple[float, int]:
    """Peak RSS growth (MB) of one invocation in a fresh process (bench/invoke_memory.py), and events received."""
    env = {**clean_env(), "PYTHONPATH": str(ROOT), **config}
    script = str(ROOT / "bench" / "invoke_memory.py")
    out = subprocess.run([sys.executable, script, str(body)], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before, after, received = (int(x) for x in out.stderr.decode().strip().splitlines()[-1].split())
    return (after - before) / 1024, received


def test_a_6_mb_batch_holds_one_copy_at_a_time_not_one_per_sink(tmp_path, receiver, httpserver):
    body = tmp_path / "batch.json"
    body.write_bytes(connector_hub_batch())
    httpserver.expect_request("/events", method="POST").respond_with_data("", status=200)
    syslog = {"SIEM_SYSLOG_URL": receiver.url("tcp")}
    both = {**syslog, "SIEM_HTTP_URL": httpserver.url_for("/events")}
    one, events = growth_mb(body, syslog)
    two, _ = growth_mb(body, both)
    size = body.stat().st_size / 2**20
    received = [line for line in receiver.wait_for(2 * events, timeout=30) if line["msgid"] != "detection"]
    assert events > 1500 and len(received) == 2 * events  # and a detection per public bucket, too
    # the decoded batch and its records (~5x the body) plus one sink's encoded copy; a second sink adds
    # less than one copy of the body (its copy replaces the first one's, which is gone by then)
    assert one < 8 * size and two - one < size, (one, two, size)
