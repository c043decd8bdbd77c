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
        "OCI Bucket Made Public",
        "OCI User API Key Uploaded",
        "OCI Policy Grants Manage All-Resources",
        "OCI IAM Policy Created, Updated or Deleted",  # the exported UpdatePolicy record: a CIS 4.6 change
        "OCI Flow Log Inbound SSH or RDP From the Internet Accepted",  # the flow-log samples' inbound SSH
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
    assert b"expected more than 0 and at most 86400 seconds" in run("replay", "--deadline", "0", path).stderr


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
    assert "oci_short_user_agent" not in rows and "oci_api_key_uploaded_match" not in rows and len(rows) == 40
    fired = run("rules", "test", str(DATA / "audit-objectstorage-createbucket-public.json"), "--json")
    assert fired.returncode == 0, fired.stderr
    lines = fired.stdout.decode().splitlines()
    assert lines[0].startswith("fired  oci_bucket_made_public  OCI Bucket Made Public  (1 detection(s)")
    assert json.loads(lines[-1])["details"]["techniques"] == [{"id": "T1530", "name": "Data from Cloud Storage"}]
    quiet = run("rules", "test", str(DATA / "cloudguard-problemdetected-dhcp-option-medium.json"))
    assert quiet.returncode == 1 and quiet.stdout.startswith(b"0 rule(s) fired")
    spl = run("rules", "export", "--target", "splunk").stdout.decode()
    assert "``` OCI User API Key Uploaded (" in spl and "| bin _time span=2m" in spl and spl.count("```") == 2 * 41
    (tmp_path / "bad.yml").write_text("title: x\nid: 1\ndetection: {sel: {a: b}, condition: sel}\nlevel: high\n")
    bad = run("rules", "list", env={"DETECTION_RULES": str(tmp_path / "bad.yml")})
    assert bad.returncode == 2 and b"configuration: DETECTION_RULES: " in bad.stderr and b"bad.yml" in bad.stderr


def test_version_verbosity_and_subcommand_usage_follow_the_usual_conventions():
    import forwarder

    assert run("--version").stdout.decode().strip() == f"python -m forwarder {forwarder.__version__}"
    both = run("-v", "-q", "rules", "list")
    assert both.returncode == 2 and b"not allowed with argument" in both.stderr
    bare = run("rules")
    assert bare.returncode == 2 and b"choose a command: list" in bare.stderr and b"rules_command" not in bare.stderr
    nothing = run()
    assert nothing.returncode == 2 and b"COMMAND" in nothing.stderr and b"required: command" not in nothing.stderr
    listed = run("rules", "list", "--json")
    rules = [json.loads(line) for line in listed.stdout.splitlines()]
    table = run("rules", "list").stdout.splitlines()[1:]
    assert listed.returncode == 0 and len(rules) == len(table) > 20
    uploaded = next(r for r in rules if r["name"] == "oci_api_key_uploaded")
    assert uploaded["techniques"] == ["T1098.001"] and uploaded["level"] == "high" and uploaded["file"]
    # -v adds debug lines (what each sink took), -q keeps warnings and errors only
    env = {"SIEM_HTTP_URL": "http://127.0.0.1:9/hook", "SIEM_TIMEOUT_SECONDS": "1"}
    sample = str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")
    loud = run("-v", "replay", "--deadline", "1", sample, env=env)
    usual = run("replay", "--deadline", "1", sample, env=env)
    quiet = run("-q", "replay", "--deadline", "1", sample, env=env)
    assert b"DEBUG forwarder: sink http: 0 of 1 records delivered" in loud.stderr
    assert b"WARNING forwarder: sink http" in usual.stderr and b"DEBUG" not in usual.stderr
    assert b"WARNING forwarder: sink http" in quiet.stderr and b"DEBUG" not in quiet.stderr


def test_mistakes_that_look_like_success_are_said(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    out = run("replay", str(empty), env={"SEIM_SYSLOG_URL": "tcp://127.0.0.1:5514"})
    err = out.stderr.decode()
    assert out.returncode == 0 and out.stdout == b""
    assert f"warning: {empty}: nothing was read (no event, no line)" in err
    assert "warning: SEIM_SYSLOG_URL is not a configuration key and is ignored; did you mean SIEM_SYSLOG_URL?" in err
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}')
    out = run("replay", str(odd))
    (summary,) = summaries(out.stderr)
    assert out.returncode == 0 and summary["unknownShape"] == 1 and summary["delivered"] == {"log": 1}
    assert b"1 event(s) of no known shape" in out.stderr
    normal = summaries(run("replay", str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")).stderr)
    assert "unknownShape" not in normal[0]


def test_summaries_go_to_standard_error_or_to_the_summary_file(tmp_path):
    files = [
        str(DATA / name)
        for name in ("cloudguard-problemdetected-bucket-public-critical.json", "audit-batch-listevents.json")
    ]
    target = tmp_path / "summary.jsonl"
    out = run("replay", "--summary", str(target), *files)
    assert out.returncode == 0 and summaries(out.stderr) == []
    written = [json.loads(line) for line in target.read_text().splitlines()]
    assert [s["path"] for s in written] == files and all(s["ok"] for s in written)
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records and all("eventId" in r for r in records)  # standard output: records, nothing else
    bad = run("replay", "--summary", str(tmp_path / "no" / "such" / "dir.jsonl"), *files)
    assert bad.returncode == 2 and b"--summary" in bad.stderr and bad.stdout == b""


def _audit_lines(n: int) -> bytes:
    base = json.loads((DATA / "audit-batch-listevents.json").read_text())[0]
    lines = []
    for k in range(n):
        base["eventId"] = f"interrupt-{k}"
        lines.append(json.dumps(base, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


def test_ctrl_c_during_replay_keeps_what_it_took_prints_the_partial_summary_and_exits_130(tmp_path):
    import signal

    big = tmp_path / "big.jsonl"
    big.write_bytes(_audit_lines(20_000))
    process = subprocess.Popen(
        [sys.executable, "-m", "forwarder", "replay", str(big)],
        cwd=ROOT,
        env={**clean_env(), "DETECTION_DISABLE": "all"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = process.stdout.readline()  # the first batch is being written: the rest of the file is not read yet
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()  # not communicate(): it would skip what readline() buffered
    err = process.stderr.read()  # a few lines: it cannot fill its pipe while standard output is read
    assert process.wait(timeout=60) == 130, err
    records = [json.loads(line) for line in [first, *rest.splitlines()]]
    (summary,) = summaries(err)
    assert summary["interrupted"] is True and summary["ok"] is True
    assert 0 < summary["received"] < 20_000 and summary["received"] % 1000 == 0  # whole batches only
    assert summary["delivered"] == {"log": summary["received"]} == {"log": len(records)}
    assert [r["eventId"] for r in records] == [f"interrupt-{k}" for k in range(len(records))]
    assert b"Traceback" not in err and b"interrupted: finishing the batch in flight" in err


def test_replay_never_waits_on_a_pipe_with_no_writer_and_refuses_what_is_not_a_file(tmp_path):
    fifo = tmp_path / "events.pipe"
    os.mkfifo(fifo)
    done = run("replay", str(fifo), str(tmp_path), "/dev/zero", timeout=30)  # before: blocked in open() forever
    err = done.stderr.decode()
    assert done.returncode == 1
    assert f"{fifo}: nothing was read" in err and "a pipe with no writer" in err
    assert f"replay: cannot read {tmp_path}: a directory, not a file, a pipe or - (standard input)" in err
    assert "replay: cannot read /dev/zero: a device or socket" in err
    sample = (DATA / "audit-batch-listevents.json").read_bytes()
    with_writer = subprocess.run(  # a pipe with a writer (process substitution) is read as it comes
        ["bash", "-c", f"{sys.executable} -m forwarder replay <(cat {DATA / 'audit-batch-listevents.json'})"],
        cwd=ROOT,
        capture_output=True,
        env=clean_env(),
        timeout=60,
    )
    assert with_writer.returncode == 0 and with_writer.stdout.count(b"\n") == len(json.loads(sample))
