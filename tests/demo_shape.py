"""`make demo`, enrich and shape: the function names OCIDs from OCI API stand-ins (compartment path, the
user's groups), a sink that drops `original` and reads sends fewer bytes, and a record goes as OCSF."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fdk_server import FunctionServer

DATA = Path(__file__).parent / "data"
WRITE = "audit-objectstorage-createbucket-public.json"
READS = "{reads: {request.action: [GET, HEAD]}, condition: not reads}"


def enrich(work: Path, receiver) -> int:
    """One audit event through a function with enrichment (the default) against identity stand-ins."""
    from tests.support.oci import TENANCY, resource_principal
    from tests.support.oci_apis import SAMPLE_TENANCY, named_sample

    (work / "enrich").mkdir(exist_ok=True)
    principal = resource_principal(work / "enrich")
    groups = {"ocid1.group.oc1..aaaaaaaaadmins": "Administrators", "ocid1.group.oc1..aaaaaaaastorage": "StorageAdmins"}
    apis = named_sample(principal, groups, "acme-prod")
    config = {"SIEM_SYSLOG_URL": receiver.url("tcp"), **apis.endpoints}
    function = FunctionServer(work / "enrich" / "fn", config, principal.env)
    receiver.clear()
    print("\n=== Enrich: names for OCIDs, from OCI API stand-ins (GetCompartment, GetUser, GetGroup, GetTenancy)")
    try:
        body = (DATA / WRITE).read_bytes().replace(SAMPLE_TENANCY.encode(), TENANCY.encode())
        result = function.invoke(body)
    finally:
        function.stop()
        apis.close()
    records = [json.loads(line["msg"].lstrip("\ufeff")) for line in receiver.wait_for(2)]
    event = next((r for r in records if r["kind"] == "audit"), None)
    if event is None:
        print("  the audit record did not arrive")
        return 1
    enrichment = result.summary.get("enrichment") or {}
    print(f"  {WRITE}: its compartment is {event['compartment'].get('path')}")
    print(f"  in tenancy {event['tenancyName']}; {event['principal']['name']} is in {event['principal'].get('groups')}")
    print(f"  {enrichment.get('lookups')} API calls, kept for the next batches in the container (and Redis if set)")
    return int(event["compartment"].get("path") != "root/apps/prod" or not event["principal"].get("groups"))


def volume(work: Path, receiver) -> int:
    """Every sample to a default sink and to one without `original` and reads; the bytes each received."""
    samples = sorted(DATA.glob("*.json"))
    print("\n=== Volume: every sample to a default syslog sink, then to one that drops `original` and reads")
    print(f"    SIEM_SYSLOG_ORIGINAL=false  SIEM_SYSLOG_FILTER='{READS}'")
    sizes = []
    for name, extra in (("default", {}), ("lean", {"SIEM_SYSLOG_ORIGINAL": "false", "SIEM_SYSLOG_FILTER": READS})):
        function = FunctionServer(work / f"volume-{name}", {"SIEM_SYSLOG_URL": receiver.url("tcp"), **extra})
        receiver.clear()
        expected = filtered = 0
        try:
            for path in samples:
                summary = function.invoke(path.read_bytes()).summary
                detections = (summary.get("detection") or {}).get("detections", 0)
                dropped = (summary.get("filtered") or {}).get("syslog", 0)
                expected += (summary.get("received") or 0) + detections - dropped
                filtered += dropped
        finally:
            function.stop()
        lines = receiver.wait_for(expected)
        size = sum(len(line["msg"].encode()) for line in lines)
        sizes.append(size)
        print(f"  {name:8} {len(lines):4} messages, {size:9,} bytes of payload; {filtered} filtered (not lost)")
    saved = 1 - sizes[1] / sizes[0] if sizes[0] else 0
    print(f"  the lean sink received {saved:.0%} fewer bytes; the summary counts what its filter left out")
    return int(not 0 < sizes[1] < sizes[0])


def ocsf(work: Path, receiver) -> int:
    """One Cloud Guard problem as an OCSF 1.5.0 Detection Finding."""
    name = "cloudguard-problemdetected-bucket-public-critical.json"
    config = {"SIEM_SYSLOG_URL": receiver.url("tcp"), "SIEM_SYSLOG_PAYLOAD": "ocsf"}
    function = FunctionServer(work / "ocsf", config)
    receiver.clear()
    try:
        function.invoke((DATA / name).read_bytes())
    finally:
        function.stop()
    lines = receiver.wait_for(1)
    if not lines:
        print("  no OCSF record arrived")
        return 1
    event = json.loads(lines[0]["msg"].lstrip("\ufeff"))
    print("\n=== OCSF: SIEM_SYSLOG_PAYLOAD=ocsf, the same problem as an OCSF 1.5.0 event")
    print(
        f"  class {event['class_uid']} {event['class_name']}, type_uid {event['type_uid']}, {event['activity_name']},"
    )
    finding, cloud = event["finding_info"]["title"], event["cloud"]["provider"]
    print(f"  severity {event['severity']}, finding {finding!r}, cloud {cloud}")
    import textwrap

    for line in textwrap.wrap("attributes: " + ", ".join(sorted(event)), 96):
        print("  " + line)
    return int(event["class_uid"] != 2004)
