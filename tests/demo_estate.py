"""`make demo`, the estate part: two tenancies collected by one CLI run, and an OCI stream read with a
consumer group, both from loopback stand-ins (every request signed by the real OCI SDK), to rsyslog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DATA = Path(__file__).parent / "data"
OTHER = "ocid1.tenancy.oc1..aaaaaaaademopartner"


def _env(principal, receiver, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "COLLECT_", "CHECKPOINT_"))}
    env.update(principal.env, SIEM_SYSLOG_URL=receiver.url("tcp"), **extra)
    return env


def _summary(done: subprocess.CompletedProcess) -> dict:
    return json.loads([line for line in done.stderr.splitlines() if line.startswith("{")][-1])


def tenancies(work: Path, receiver) -> int:
    """Two tenancies in one `collect` run; 0 when every event of both reached rsyslog, named."""
    from tests.support.oci import TENANCY, resource_principal
    from tests.support.oci_apis import OciApis, audit_record

    receiver.clear()
    (work / "estate").mkdir(exist_ok=True)
    principal = resource_principal(work / "estate")
    own = OciApis(principal, regions=("us-ashburn-1", "eu-frankfurt-1"), name="acme-prod")
    partner = OciApis(principal, regions=("eu-frankfurt-1", "us-ashburn-1"), tenancy=OTHER, name="acme-partner")
    own.join(partner)
    base = json.loads((DATA / "audit-batch-listevents.json").read_text())[0]
    now = datetime.now(UTC)
    for apis, tenancy, count in ((own, TENANCY, 3), (partner, OTHER, 4)):
        for region in apis.regions:
            for n in range(count):
                record = audit_record(base, f"{apis.name}-{region}-{n}", now - timedelta(minutes=5 + n), tenancy)
                record["oracle"]["tenantid"] = tenancy
                apis.add(region, record)
    listed = [{"name": "prod"}, {"name": "partner", "tenancy": OTHER}]
    env = _env(principal, receiver, **own.endpoints, COLLECT_TENANCIES=json.dumps(listed))
    print("\n=== Two tenancies: COLLECT_TENANCIES lists prod (this one) and partner (another tenancy's OCID)")
    print("    python -m forwarder collect --since 1h: the partner tenancy is read with this principal, as its")
    print("    cross-tenancy Admit statements allow; each tenancy's regions are its own")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "forwarder", "collect", "--since", "1h"], env=env, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
    finally:
        own.close()
        partner.close()
    summary = _summary(done)
    for name, one in summary["tenancies"].items():
        regions = one["sources"]["audit"]
        read = sum(r["events"] for r in regions.values())
        print(f"  {name:8} {one['tenancyName']:13} {read} events from {', '.join(regions)}: ok {one['ok']}")
    lines = receiver.wait_for(14)
    named = sorted({line["msg"].split('"tenancyName":"', 1)[-1].split('"', 1)[0] for line in lines})
    print(f"  exit {done.returncode}; rsyslog received {len(lines)} of 14 events, named by tenancy: {', '.join(named)}")
    return int(done.returncode != 0 or len(lines) != 14)


def stream(work: Path, receiver) -> int:
    """A 4-partition stream read with a consumer group, twice; 0 when every message reached rsyslog once."""
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import audit_record
    from tests.support.streaming import StreamingStandIn, stream_ocid

    receiver.clear()
    (work / "stream").mkdir(exist_ok=True)
    principal = resource_principal(work / "stream")
    streaming = StreamingStandIn(principal)
    ocid = stream_ocid("iad", "demo")
    streaming.add_stream(ocid, 4)
    base = json.loads((DATA / "audit-batch-listevents.json").read_text())[0]
    now = datetime.now(UTC)
    for partition in range(4):
        values = [
            json.dumps(audit_record(base, f"stream-{partition}-{n}", now, "ocid1.compartment.oc1..x")) for n in range(9)
        ]
        streaming.put(ocid, values, partition)
    problem = (DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_text()
    streaming.put(ocid, [problem], 1)
    env = _env(principal, receiver, **streaming.endpoints, COLLECT_STREAMS=ocid, COLLECT_STREAM_BATCH="10",
               COLLECT_STREAM_TIMEOUT_SECONDS="1")  # fmt: skip
    command = [sys.executable, "-m", "forwarder", "collect", "--source", "stream"]
    print("\n=== OCI Streaming: python -m forwarder collect --source stream (COLLECT_STREAMS, a consumer group)")
    print("    a 4-partition stream holding 36 audit records and a Cloud Guard problem, read in batches of 10")
    failures = 0
    try:
        for attempt in ("first run ", "second run"):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            summary = _summary(done)
            read = sum(r["events"] for r in summary["sources"]["stream"].values())
            delivery = summary["delivery"]
            print(
                f"  {attempt}: exit {done.returncode}, {read} messages read, {delivery['delivered'].get('syslog', 0)} "
                f"sent to syslog, committed offsets {streaming.committed(ocid, 'oci-forwarder')}"
            )
            failures += done.returncode != 0
            time.sleep(1.2)  # the first run's instance leaves the group (COLLECT_STREAM_TIMEOUT_SECONDS)
    finally:
        streaming.close()
    lines = receiver.wait_for(37)
    print("  the group cursor is committed after each delivered batch, so the second instance finds nothing new.")
    print(f"  rsyslog received {len(lines)} of the 37 events, each once.")
    return failures + (len(lines) != 37)
