"""`make demo`: the function end to end on the sample events, push and pull, in lines a newcomer can read.

Push: starts a real rsyslogd on loopback (TCP and TLS) and the real fdk server on a unix socket, invokes
the function once per sample event file in tests/data and prints, per sample, what the event became and
what reached the SIEM (syslog over TCP with JSON payloads), then the detections the rule pack made;
then the same samples over TLS with CEF payloads.
Enrich and shape (tests/demo_shape.py): an audit event named from OCI API stand-ins (compartment path, the
user's groups), the bytes a sink saves without `original` and reads, and a problem as an OCSF event.
Pull: `python -m forwarder collect` against loopback stand-ins of the OCI APIs (3 regions, 5
compartments, the real SDK signing every request) holding audit events made from the sample, twice:
the second run only finds repeats.
Estate (tests/demo_estate.py): two tenancies collected by one run, and a 4-partition OCI stream read
with a consumer group.
Report: `python -m forwarder report --out DIR` against the same stand-ins holding a realistic yesterday
(people, a pipeline, an instance and a function making changes of every kind in 3 regions); prints the
totals and where to open the HTML page. Then `--week` the ISO week just ended (and the one before it, for
trends) from the same stand-ins: its days' shards added up, yesterday's reused when it is in that week.
Operate (tests/demo_operate.py): `python -m forwarder doctor` with one policy statement missing on purpose.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests import demo_estate, demo_operate, demo_shape
from tests.support.fdk_server import FunctionServer
from tests.support.rsyslog import start_rsyslog

DATA = Path(__file__).parent / "data"
WIDTH = 100  #: no line of the demo is longer


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def became(records: list[dict]) -> str:
    """What the events of one sample became, in a few words."""
    events = [r for r in records if r["kind"] != "detection"]
    if len(events) == 1:
        r = events[0]
        if r["kind"] == "cloudguard_problem":
            return f"problem {r['riskLevel']} {r['lifecycle']}: {r['title']}"
        if r["kind"] == "audit":
            return f"audit: {r['title']} ({r['principal']['name']})"
        return f"event {r['eventType']}"
    kinds: dict[str, int] = {}
    for r in events:
        kind = r["kind"].replace("cloudguard_problem", "problem")
        kinds[kind] = kinds.get(kind, 0) + 1
    return f"{len(events)} events: " + ", ".join(f"{n} {k}" for k, n in kinds.items())


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="forwarder-demo-"))
    receiver = start_rsyslog(work / "rsyslog")
    print(f"A real rsyslogd is the SIEM: {receiver.url('tcp')} and {receiver.url('tls')}")
    print(f"(what it receives is written to {receiver.output})")
    failures = 0
    try:
        failures += push_json(work, receiver)
        failures += push_cef(work, receiver)
        failures += demo_shape.enrich(work, receiver)
        failures += demo_shape.volume(work, receiver)
        failures += demo_shape.ocsf(work, receiver)
        failures += pull(work, receiver)
        failures += demo_estate.tenancies(work, receiver)
        failures += demo_estate.stream(work, receiver)
        failures += report(work)
        failures += demo_operate.doctor(work, receiver)
    finally:
        receiver.stop()
    print("\ndemo", "FAILED" if failures else "OK: every sample event reached rsyslog, pushed and pulled; report made")
    return 1 if failures else 0


def push_json(work: Path, receiver) -> int:
    """Each sample through the function to rsyslog over TCP (JSON): one line per sample; 0 when all arrived."""
    function = FunctionServer(work / "tcp", {"SIEM_SYSLOG_URL": receiver.url("tcp")})
    print("\n=== Push: the function (the real fdk server) is invoked once per sample file in tests/data")
    print("    its SIEM is syslog over TCP, RFC 5424, each record as JSON; the last column counts the events")
    print("    delivered of those in the file, and the detections they made (delivered too)\n")
    print(f"  {'sample':40}  {'what it became':42}  to the SIEM")
    failures, found = 0, []
    try:
        for path in sorted(DATA.glob("*.json")):
            receiver.clear()
            result = function.invoke(path.read_bytes())
            detections = (result.summary.get("detection") or {}).get("detections", 0)
            expected = (result.summary.get("received") or 0) + detections
            lines = receiver.wait_for(expected)
            records = [json.loads(line["msg"].lstrip("\ufeff")) for line in lines]
            failures += result.status != 200 or len(records) != expected
            extra = f" (+{detections} detection)" if detections else ""
            sent = f"{len(records) - detections} of {expected - detections}{extra}"
            print(f"  {clip(path.name, 40):40}  {clip(became(records), 42):42}  {sent}")
            found += [(path.name, r) for r in records if r["kind"] == "detection"]
    finally:
        function.stop()
    print(f"\n  {len(found)} detections: a rule of the built-in Sigma pack fired on those samples. A detection is a")
    print("  record of its own (kind 'detection') with its MITRE ATT&CK technique, sent to every sink:")
    for name, r in found:
        technique = ",".join(t["id"] for t in r["details"]["techniques"])
        print(f"    {r['riskLevel']:6} {technique:10} {clip(r['title'], 38):38}  on {clip(name, 38)}")
    return failures + (not found)


def push_cef(work: Path, receiver) -> int:
    """Every sample again, over TLS (certificate verified) with CEF payloads; 0 when all arrived."""
    config = {
        "SIEM_SYSLOG_URL": receiver.url("tls"),
        "SIEM_SYSLOG_CA_CERT": str(receiver.ca),
        "SIEM_SYSLOG_PAYLOAD": "cef",
    }
    function = FunctionServer(work / "tls", config)
    receiver.clear()
    expected = failures = 0
    try:
        for path in sorted(DATA.glob("*.json")):
            result = function.invoke(path.read_bytes())
            failures += result.status != 200
            expected += (result.summary.get("received") or 0) + (result.summary.get("detection") or {}).get(
                "detections", 0
            )
    finally:
        function.stop()
    lines = receiver.wait_for(expected)
    print("\n=== Push again over TLS (the receiver's certificate verified), each record as CEF")
    print(f"  rsyslog received {len(lines)} of {expected} messages; the first one, cut at {WIDTH - 4} characters:")
    if lines:
        print(f"    {clip(lines[0]['msg'].lstrip(chr(0xFEFF)), WIDTH - 4)}")
    return failures + (len(lines) != expected)


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
    print("\n=== Pull: python -m forwarder collect --source audit --state STATE")
    print(f"    from OCI API stand-ins on loopback: {len(apis.regions)} regions x (root + 4 compartments), one audit")
    print("    event in each; Audit ListEvents per compartment; every request signed by the real OCI SDK")
    failures = 0
    try:
        for attempt in ("first run ", "second run"):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            summary = json.loads([line for line in done.stderr.splitlines() if line.startswith("{")][-1])
            regions = summary["sources"]["audit"].values()
            read, repeats = sum(r["events"] for r in regions), sum(r["repeats"] for r in regions)
            sent = summary["delivery"]["delivered"].get("syslog", 0)
            print(
                f"  {attempt}: exit {done.returncode}, {summary['shards']['done']} shards read, {read} events read, "
                f"{repeats} already sent, {sent} sent to syslog, {summary['apiCalls']} API calls"
            )
            failures += done.returncode != 0
    finally:
        apis.close()
    lines = receiver.wait_for(15)
    print("  the second run sends nothing again: the checkpoints in STATE remember what was delivered.")
    print(f"  rsyslog received {len(lines)} of the 15 collected audit events, each once.")
    return failures + (len(lines) != 15)


def report(work: Path) -> int:
    """Yesterday's change report from OCI API stand-ins with the CLI; 0 when it was written whole."""
    import os
    import subprocess
    import sys

    from forwarder.report import day, period
    from tests.report_day import REALISTIC_PRINCIPALS, generate
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import OciApis

    principal = resource_principal(work)
    apis = OciApis(principal)
    yesterday = day.yesterday("UTC")
    week = period.just_ended("week", "UTC")
    expected: dict = {}
    for d in [*week.previous().days, *week.days, yesterday]:  # yesterday may be in the week: generated once
        if d.date in expected:
            continue
        n = 2000 if d == yesterday else (300 if d.date >= week.since else 200)
        events, expected[d.date] = generate(
            d,
            apis.regions,
            n,
            seed=d.date.toordinal(),
            principals=REALISTIC_PRINCIPALS,
            realistic=True,
            outside=False,
        )
        for region, records in events.items():
            for record in records:
                apis.add(region, record)
    out = work / "report"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "COLLECT_", "REPORT_"))}
    env.update(principal.env, **apis.endpoints)
    command = [sys.executable, "-m", "forwarder", "report", "--out", str(out)]
    print("\n=== Report: python -m forwarder report --out DIR")
    print(f"    yesterday ({yesterday.date}, UTC) in the same stand-ins: 2,000 audit events in 3 regions, reads and")
    print("    changes by three people, a Terraform pipeline, an instance and a function")
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        weekly = subprocess.run([*command, "--week", week.label], env=env, capture_output=True, text=True, timeout=300)
    finally:
        apis.close()
    result = json.loads([line for line in done.stderr.splitlines() if line.startswith("{")][-1])
    totals = result["totals"] or {}
    print(
        f"  exit {done.returncode}: {totals.get('changes')} changes ({totals.get('create')} created, "
        f"{totals.get('update')} updated, {totals.get('delete')} deleted)"
    )
    print(
        f"  and {(totals.get('failed') or {}).get('total')} failed attempts; reads are not changes and are left out; "
        f"{result['apiCalls']} API calls"
    )
    wanted = sum(expected[yesterday.date][k] for k in ("create", "update", "delete"))
    print(f"  open it in a browser: file://{result['where'].get('html', '')}")
    print(f"  (the same numbers beside it in {Path(result['where'].get('csv', '')).name} and changes.json)")
    return int(done.returncode != 0 or totals.get("changes") != wanted) + week_report(weekly, week, expected)


def week_report(done, week, expected) -> int:
    """What the week's report run printed, checked against the generator; 0 when it matches."""
    result = json.loads([line for line in done.stderr.splitlines() if line.startswith("{")][-1])
    totals = result["totals"] or {}
    wanted = sum(expected[d.date][k] for d in week.days for k in ("create", "update", "delete"))
    events = sum(expected[d.date]["events"] for d in week.days)
    print(f"\n=== Report of a week: python -m forwarder report --week {week.label} --out DIR")
    print(
        f"  exit {done.returncode}: {totals.get('events')} audit events, {totals.get('changes')} of them changes; "
        f"{result['days']['made']} days read, {result['days']['reused']} reused"
    )
    page = Path(result["where"].get("html", ""))
    report = json.loads(page.with_name("changes.json").read_text()) if page.is_file() else {}
    trend = (report.get("trends") or {}).get("totals", {}).get("changes") or {}
    print(f"  against {week.previous().label}: {trend.get('before')} changes then, {trend.get('change'):+} now")
    print(f"  open it in a browser: file://{page}")
    return int(done.returncode != 0 or totals.get("changes") != wanted or totals.get("events") != events)


if __name__ == "__main__":
    raise SystemExit(main())
