"""`make demo`: the function end to end on the sample events, push and pull.

Push: starts a real rsyslogd on loopback (TCP and TLS), starts the real fdk server on a unix socket
configured for TLS syslog (CEF) ... then for TCP syslog (JSON), invokes it with every sample event
in tests/data, and prints what the SIEM received and the function's summaries.
Pull: `python -m forwarder collect` against loopback stand-ins of the OCI APIs (3 regions, 5
compartments, the real SDK signing every request) holding audit events made from the sample, twice:
the second run only finds repeats.
Report: `python -m forwarder report --out DIR` against the same stand-ins holding yesterday's audit events
(made from the sample: reads, reads sent as POST, changes of every kind, failed attempts, 3 regions); prints
the totals and where to open the HTML page.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.support.fdk_server import FunctionServer
from tests.support.rsyslog import start_rsyslog

DATA = Path(__file__).parent / "data"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="forwarder-demo-"))
    receiver = start_rsyslog(work / "rsyslog")
    print(f"rsyslogd listening on {receiver.url('tcp')} and {receiver.url('tls')} (output: {receiver.output})")
    failures = 0
    runs = [
        (
            "TLS, RFC 5424, CEF",
            {
                "SIEM_SYSLOG_URL": receiver.url("tls"),
                "SIEM_SYSLOG_CA_CERT": str(receiver.ca),
                "SIEM_SYSLOG_PAYLOAD": "cef",
            },
        ),
        ("TCP, RFC 5424, JSON", {"SIEM_SYSLOG_URL": receiver.url("tcp"), "SIEM_SYSLOG_FACILITY": "auth"}),
    ]
    try:
        for title, config in runs:
            receiver.clear()
            function = FunctionServer(work / title.split(",")[0].lower(), config)
            print(f"\n=== {title}: fdk server on {function.socket}")
            print("config:", json.dumps({k: v for k, v in config.items() if k != "SIEM_SYSLOG_CA_CERT"}))
            sent = 0
            try:
                for path in sorted(DATA.glob("*.json")):
                    result = function.invoke(path.read_bytes())
                    detections = (result.summary.get("detection") or {}).get("detections", 0)
                    sent += (result.summary.get("received") or 0) + detections  # detections go to the SIEM too
                    failures += result.status != 200
                    print(f"  {path.name}: HTTP {result.status} {result.text}")
            finally:
                function.stop()
            lines = receiver.wait_for(sent)
            print(f"--- the SIEM (rsyslog) received {len(lines)} of {sent} messages:")
            for line in lines:
                sd = line.get("sdparsed", {}).get("oci@32473", {})
                print(
                    f"  <{line['pri']}> app={line['appname']} msgid={line['msgid']} risk={sd.get('riskLevel', '-')} "
                    f"eventId={sd.get('eventId')}"
                )
                print(f"      {line['msg'].lstrip(chr(0xFEFF))[:220]}")
            failures += len(lines) != sent
            found = [line for line in lines if line["msgid"] == "detection"]
            print(f"--- of which {len(found)} detections (the Sigma rule pack, MITRE ATT&CK):")
            for line in found:
                sd = line.get("sdparsed", {}).get("oci@32473", {})
                print(
                    f"  {sd.get('riskLevel')} {sd.get('attackTechniques')} ({sd.get('attackTactics')}): "
                    f"{line['msg'].lstrip(chr(0xFEFF))[:160]}"
                )
            failures += not found
        failures += pull(work, receiver)
        failures += report(work)
    finally:
        receiver.stop()
    print("\ndemo", "FAILED" if failures else "OK: every sample event reached rsyslog, pushed and pulled; report made")
    return 1 if failures else 0


def pull(work: Path, receiver) -> int:
    """Collect from OCI API stand-ins with the CLI, twice; 0 when every event reached rsyslog once."""
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime, timedelta

    from tests.support.oci import TENANCY, resource_principal
    from tests.support.oci_apis import OciApis, audit_record

    receiver.clear()
    principal = resource_principal(work)
    compartments = [f"ocid1.compartment.oc1..aaaaaaaademo{i}" for i in range(4)]
    apis = OciApis(principal, compartments=compartments)
    base = json.loads((DATA / "audit-batch-listevents.json").read_text())[0]
    now = datetime.now(UTC)
    for region in apis.regions:
        for n, compartment in enumerate([TENANCY, *compartments]):
            apis.add(region, audit_record(base, f"demo-{region}-{n}", now - timedelta(minutes=10 + n), compartment))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "COLLECT_", "CHECKPOINT_"))}
    env.update(principal.env, **apis.endpoints, SIEM_SYSLOG_URL=receiver.url("tcp"), COLLECT_AUDIT_METHOD="list-events")
    command = [sys.executable, "-m", "forwarder", "collect", "--source", "audit", "--state", str(work / "state.json")]
    print(f"\n=== Pull: {' '.join(command[1:])}")
    print(f"    from OCI API stand-ins at {apis.base} (regions {', '.join(apis.regions)}; root + 4 compartments;")
    print("    Audit ListEvents per compartment, requests signed by the real SDK with a resource principal)")
    failures = 0
    try:
        for attempt in ("first run", "second run (nothing new: repeats only)"):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            report = json.loads(done.stdout.strip().splitlines()[-1])
            per_region = {r: (v["events"], v["repeats"]) for r, v in report["sources"]["audit"].items()}
            print(f"  {attempt}: exit {done.returncode}, shards {report['shards']}, api calls {report['apiCalls']}")
            print(f"    read, repeats per region: {per_region}; delivered {report['delivery']['delivered']}")
            failures += done.returncode != 0
    finally:
        apis.close()
    lines = receiver.wait_for(15)
    print(f"--- the SIEM (rsyslog) received {len(lines)} of 15 collected audit events, e.g.:")
    for line in lines[:3]:
        print(f"      {line['msg'].lstrip(chr(0xFEFF))[:200]}")
    return failures + (len(lines) != 15)


def report(work: Path) -> int:
    """Yesterday's change report from OCI API stand-ins with the CLI; 0 when it was written whole."""
    import os
    import subprocess
    import sys

    from forwarder.report import day
    from tests.report_day import generate
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import OciApis

    principal = resource_principal(work)
    apis = OciApis(principal)
    yesterday = day.yesterday("UTC")
    events, expected = generate(yesterday, apis.regions, 2000)
    for region, records in events.items():
        for record in records:
            apis.add(region, record)
    out = work / "report"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "COLLECT_", "REPORT_"))}
    env.update(principal.env, **apis.endpoints)
    command = [sys.executable, "-m", "forwarder", "report", "--out", str(out)]
    print(f"\n=== Report: {' '.join(command[1:])}")
    print(f"    yesterday ({yesterday.date}, UTC) from the same stand-ins: 2,000 audit events over 3 regions")
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    finally:
        apis.close()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    totals = result["totals"] or {}
    print(
        f"  exit {done.returncode}: {totals.get('changes')} changes ({totals.get('create')} created, "
        f"{totals.get('update')} updated, {totals.get('delete')} deleted), "
        f"{(totals.get('failed') or {}).get('total')} failed attempts, {result['apiCalls']} API calls"
    )
    wanted = expected["create"] + expected["update"] + expected["delete"]
    for form, where in result["where"].items():
        print(f"  {form}: {where}")
    print(f"--- open it: file://{result['where'].get('html', '')}")
    return int(done.returncode != 0 or totals.get("changes") != wanted)


if __name__ == "__main__":
    raise SystemExit(main())
