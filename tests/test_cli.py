"""`python -m forwarder replay` runs the function's pipeline on files, with the same keys."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, clean_env, events_of

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "forwarder", *args],
        cwd=ROOT,
        capture_output=True,
        env={**clean_env(), **(env or {})},
        input=stdin,
        timeout=timeout,
    )


def summaries(stderr: bytes) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith(b"{")]


def test_help_documents_replay_and_keys():
    out = run("--help")
    assert out.returncode == 0
    assert b"replay" in out.stdout and b"SIEM_SYSLOG_URL" in out.stdout and b"SIEM_HTTP_TOKEN_SECRET_OCID" in out.stdout
    replay = run("replay", "--help").stdout
    assert b"JSON lines" in replay and b"--deadline SECONDS" in replay and b"default 120" in replay


def test_replay_samples_to_the_log_with_one_summary_per_file():
    files = sorted(str(p) for p in DATA.glob("*.json"))
    out = run("replay", *files)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    expected = [e for path in files for e in events_of(Path(path).read_bytes())]
    events = [r for r in records if r["kind"] != "detection"]
    assert len(events) == len(expected) > len(files)  # batches, streams and search pages hold several
    detections = sum(s["detection"]["detections"] for s in summaries(out.stderr))
    assert len(records) - len(events) == detections > 0
    assert {r["title"] for r in records if r["kind"] == "detection"} == {
        "OCI bucket made public",
        "OCI user API key uploaded",
        "OCI policy grants manage all-resources",
    }
    assert [s["path"] for s in summaries(out.stderr)] == files and all(s["ok"] for s in summaries(out.stderr))
    assert out.stderr.count(b'"received"') == len(files)  # each summary printed once, not logged again


def test_a_configuration_error_is_one_usage_error():
    out = run("replay", "a.json", "b.json", "c.json", env={"SIEM_SYSLOG_URL": "tcp://nowhere"})
    assert out.returncode == 2 and out.stdout == b""
    lines = out.stderr.decode().splitlines()
    assert lines[0].startswith("usage: python -m forwarder")
    assert [line for line in lines if "SIEM_SYSLOG_URL" in line] == [
        "python -m forwarder: error: configuration: SIEM_SYSLOG_URL: expected udp://host:port, tcp://host:port, "
        "tls://host:port, relp://host:port, relp+tls://host:port; got 'tcp://nowhere'"
    ]
    assert summaries(out.stderr) == []


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


def test_a_receiver_asking_to_wait_for_a_day_does_not_hang_replay(httpserver):
    httpserver.expect_request("/hook").respond_with_data("slow down", status=429, headers={"Retry-After": "100000"})
    path = str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")
    out = run("replay", path, env={"SIEM_HTTP_URL": httpserver.url_for("/hook")}, timeout=60)
    assert out.returncode == 1
    (summary,) = summaries(out.stderr)
    assert summary["failed"] == {"http": 1} and "asked to wait 100000 s" in summary["failures"][0]["reason"]
    assert len(httpserver.log) == 1  # not retried before the receiver's time: given up (kept, or reported)


def test_replay_deadline_bounds_the_retries(httpserver):
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    path = str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")
    out = run("replay", "--deadline", "2", path, env={"SIEM_HTTP_URL": httpserver.url_for("/hook")}, timeout=60)
    (summary,) = summaries(out.stderr)
    assert out.returncode == 1 and "no time left before the deadline" in summary["failures"][0]["reason"]
    assert 2 <= len(httpserver.log) <= 4  # retried with backoff (0.25-0.5 s, 0.5-1 s, ...) until 2 s were used
    assert b"expected seconds from 0 to 86400" in run("replay", "--deadline", "0", path).stderr


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
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:  # a receiver: a closed port refuses (ICMP)
        udp.bind(("127.0.0.1", 0))
        url = f"udp://127.0.0.1:{udp.getsockname()[1]}"
        out = subprocess.run(
            [sys.executable, "-c", code, path],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "SIEM_SYSLOG_URL": url},
        )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == b"[]"


def peak_rss_mb(args: list[str], stdin, tmp_path: Path) -> tuple[float, dict]:
    """Peak RSS (MB, its own VmHWM: tests/support/peak.py) of `python -m forwarder args` reading `stdin`,
    and its last summary."""
    peak = tmp_path / "peak"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.peak", str(peak), "-m", "forwarder", *args],
        cwd=ROOT,
        env=clean_env(),
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(peak.read_text()) / 1024, summaries(proc.stderr)[-1]


def test_replay_streams_its_input_memory_does_not_grow_with_it(tmp_path):
    """Ten times the events, read from a pipe, cost (almost) no more memory: the input is read and sent in
    bounded batches, the summary added up across them."""
    peaks = {}
    for count in (5_000, 50_000):
        generator = subprocess.Popen(
            [sys.executable, "-m", "bench.corpus", str(count)], cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE
        )
        peaks[count], summary = peak_rss_mb(["replay", "-"], generator.stdout, tmp_path)
        generator.stdout.close()  # type: ignore[union-attr]
        assert generator.wait() == 0
        detections = summary["detection"]["detections"]  # the public buckets and uploaded keys of the samples
        assert summary["received"] == count and summary["delivered"] == {"log": count + detections} and summary["ok"]
    assert peaks[50_000] - peaks[5_000] < 15 and peaks[50_000] < 150, peaks  # was ~22 KB an event: 1 GB more


def test_replay_reads_json_lines_in_batches_with_line_numbers_of_the_whole_file(tmp_path):
    good = (DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_bytes().replace(b"\n", b"")
    lines = [good.replace(b"1642b454", b"%08d" % i) for i in range(2_500)]
    lines[1_700] = b'{"not": json'
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n\n")
    out = run("replay", str(path))
    assert out.returncode == 1, out.stderr  # the bad line is neither delivered nor kept (no dead-letter bucket)
    (summary,) = summaries(out.stderr)  # one summary for the file, added up over its three batches
    assert summary["received"] == 2_500 and summary["delivered"] == {"log": 2_499} and summary["failed"] == {"parse": 1}
    assert [f["reason"] for f in summary["failures"]] == ["line 1701 is not JSON: Expecting value at column 9"]
    assert len(out.stdout.splitlines()) == 2_499


def test_rules_list_test_and_export(tmp_path):
    listed = run("rules", "list", env={"DETECTION_DISABLE": "oci_short_user_agent"})
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[1]: line for line in listed.stdout.decode().splitlines()[1:]}
    assert "T1098.001" in rows["oci_api_key_uploaded"] and " high " in rows["oci_api_key_uploaded"]
    assert "oci_short_user_agent" not in rows and "oci_api_key_uploaded_match" not in rows and len(rows) == 22
    fired = run("rules", "test", str(DATA / "audit-objectstorage-createbucket-public.json"), "--json")
    assert fired.returncode == 0, fired.stderr
    lines = fired.stdout.decode().splitlines()
    assert lines[0].startswith("fired  oci_bucket_made_public  OCI bucket made public  (1 detection(s)")
    assert json.loads(lines[-1])["details"]["techniques"] == [{"id": "T1530", "name": "Data from Cloud Storage"}]
    quiet = run("rules", "test", str(DATA / "cloudguard-problemdetected-dhcp-option-medium.json"))
    assert quiet.returncode == 1 and quiet.stdout.startswith(b"0 rule(s) fired")
    spl = run("rules", "export", "--target", "splunk").stdout.decode()
    assert "``` OCI user API key uploaded (" in spl and "| bin _time span=2m" in spl and spl.count("```") == 2 * 23
    (tmp_path / "bad.yml").write_text("title: x\nid: 1\ndetection: {sel: {a: b}, condition: sel}\nlevel: high\n")
    bad = run("rules", "list", env={"DETECTION_RULES": str(tmp_path / "bad.yml")})
    assert bad.returncode == 2 and b"configuration: DETECTION_RULES: " in bad.stderr and b"bad.yml" in bad.stderr
