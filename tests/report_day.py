"""A generated day of audit events for the change report, with what the report must count.

`generate(day, regions, n)` makes `n` audit log records inside the day spread over the regions (reads,
reads sent as POST, changes of every kind by name and by HTTP action, failed attempts, calls in IAM,
network and security services) plus four just outside it, and counts, from its own labels (never from
the code under test), everything the report shows. Deterministic for a seed.
"""

from __future__ import annotations

import copy
import random
from collections import Counter, defaultdict
from datetime import timedelta

from tests.conftest import sample
from tests.support.oci import TENANCY

BASE = sample("audit-batch-listevents.json")[0]
COMPARTMENTS = [(TENANCY, "root")] + [(f"ocid1.compartment.oc1..aaaaaaaareport{i}", f"team-{i}") for i in range(4)]
PRINCIPALS = [(f"ocid1.user.oc1..aaaaaaaauser{i:02d}", f"user-{i:02d}@example.com", "natv") for i in range(10)] + [
    ("ocid1.instance.oc1.iad.aaaaaaaaworker", "ocid1.instance.oc1.iad.aaaaaaaaworker", "instance"),
    ("ocid1.fnfunc.oc1.iad.aaaaaaaadeployer", "deployer<script>alert(1)</script>", "res_principal"),
]

#: Who a newcomer's demo day shows (`make demo`): people, a pipeline, an instance, a function; no hostile names.
REALISTIC_PRINCIPALS = [
    ("ocid1.user.oc1..aaaaaaaaalice", "alice.martin@example.com", "natv"),
    ("ocid1.user.oc1..aaaaaaaabob", "bob.nguyen@example.com", "natv"),
    ("ocid1.user.oc1..aaaaaaaaterraform", "terraform-ci", "natv"),
    ("ocid1.user.oc1..aaaaaaaacarol", "carol.diaz@example.com", "natv"),
    ("ocid1.instance.oc1.iad.aaaaaaaabatch", "ocid1.instance.oc1.iad.aaaaaaaabatch", "instance"),
    ("ocid1.fnfunc.oc1.iad.aaaaaaaarotate", "key-rotation-fn", "res_principal"),
]
REALISTIC_COMPARTMENTS = [
    (TENANCY, "root"),
    *[(f"ocid1.compartment.oc1..aaaaaaaa{n}", n) for n in ("prod", "dev", "network", "security")],
]

#: A demo day's answers: mostly success, a few refusals and conflicts.
STATUSES_REALISTIC = (200,) * 14 + (204, 404, 409, 403)

#: (service, event name, HTTP action, label): label is what the report must make of it.
CALLS = [
    ("objectstorage", "GetBucket", "GET", "read"),
    ("computeapi", "ListInstances", "GET", "read"),
    ("identitycontrolplane", "GetUser", "GET", "read"),
    ("monitoring", "ListMetrics", "POST", "readpost"),
    ("monitoring", "SummarizeMetricsData", "POST", "readpost"),
    ("resourcesearch", "SearchResources", "POST", "readpost"),
    ("usageapi", "RequestSummarizedUsages", "POST", "readpost"),
    ("keymanagementservice", "GenerateDataEncryptionKey", "POST", "readpost"),
    ("objectstorage", "CreateBucket", "POST", "create"),
    ("computeapi", "LaunchInstance", "POST", "create"),
    ("identitycontrolplane", "CreateUser", "POST", "create"),
    ("identitycontrolplane", "UploadApiKey", "POST", "create"),
    ("identitycontrolplane", "AddUserToGroup", "POST", "create"),
    ("virtualnetwork", "CreateVcn", "POST", "create"),
    ("widgets", "FrobnicateWidget", "POST", "create"),  # no rule: by action
    ("identitycontrolplane", "UpdatePolicy", "PUT", "update"),
    ("virtualnetwork", "UpdateSecurityList", "PUT", "update"),
    ("computeapi", "AttachVolume", "POST", "update"),
    ("computeapi", "InstanceAction", "POST", "update"),
    ("objectstorage", "PutObjectLifecyclePolicy", "PUT", "update"),
    ("keymanagementservice", "CancelKeyDeletion", "POST", "update"),
    ("widgets", "ReticulateSplines", "PATCH", "update"),  # no rule: by action
    ("objectstorage", "DeleteBucket", "DELETE", "delete"),
    ("computeapi", "TerminateInstance", "DELETE", "delete"),
    ("identitycontrolplane", "RemoveUserFromGroup", "DELETE", "delete"),
    ("computeapi", "DetachVolume", "DELETE", "delete"),
    ("keymanagementservice", "ScheduleKeyDeletion", "POST", "delete"),
    ("virtualnetwork", "DeleteSecurityList", "DELETE", "delete"),
    ("widgets", "ZapWidget", "DELETE", "delete"),  # no rule: by action
]
CATEGORY = {"identitycontrolplane": "iam", "virtualnetwork": "network", "keymanagementservice": "security"}
HOT = ("ocid1.bucket.oc1..aaaaaaaahotbucket", "payroll")


def record(event_id: str, moment, region: str, call, principal, compartment, resource, status: int) -> dict:
    service, name, action, _ = call
    event = copy.deepcopy(BASE)
    event["id"], event["type"] = event_id, f"com.oraclecloud.{service}.{name}"
    event["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    data = event["data"]
    data.update(
        eventName=name,
        compartmentId=compartment[0],
        compartmentName=compartment[1],
        resourceId=resource[0],
        resourceName=resource[1],
        message=f"{name} done",
    )
    data["identity"].update(
        principalId=principal[0],
        principalName=principal[1],
        authType=principal[2],
        ipAddress=f"198.51.100.{int(principal[0][-2:], 36) % 250}",
    )
    data["request"].update(action=action, id=f"req-{event_id}", path=f"/{service}/{name}")
    data["response"]["status"] = str(status)
    event["oracle"].update(compartmentid=compartment[0], tenantid=TENANCY)
    return event


def generate(
    day, regions, n: int = 5000, seed: int = 7, principals=PRINCIPALS, realistic: bool = False, outside: bool = True
):
    """(events by region, expected counts) for `n` events inside `day` and (`outside`) four just outside it.
    `realistic`: only real OCI services and compartment names, no name a spreadsheet would run (the demo)."""
    rng = random.Random(seed)
    calls = [c for c in CALLS if c[0] != "widgets"] if realistic else CALLS
    compartments = REALISTIC_COMPARTMENTS if realistic else COMPARTMENTS
    events: dict[str, list[dict]] = {r: [] for r in regions}
    seconds = int((day.end - day.start).total_seconds())
    exp = {
        "create": 0,
        "update": 0,
        "delete": 0,
        "failed": Counter(),
        "readposts": 0,
        "reads": 0,
        "service": defaultdict(Counter),
        "region": defaultdict(Counter),
        "principal": defaultdict(Counter),
        "compartment": defaultdict(Counter),
        "hours": defaultdict(Counter),
        "callouts": defaultdict(Counter),
        "resources": Counter(),
        "rows": 0,
        "events": n,  #: every audit event of the day, reads included
        "event_hours": Counter(),
        "event_services": Counter(),
    }
    offsets = sorted(rng.randrange(seconds * 1000) for _ in range(n - 2)) + [0, seconds * 1000 - 1]
    for k, millis in enumerate(offsets):
        moment = day.start + timedelta(milliseconds=millis)
        region = regions[k % len(regions)]
        call = rng.choice(calls)
        principal = principals[min(int(rng.expovariate(0.45)), len(principals) - 1)]
        compartment = rng.choice(compartments)
        resource = (
            HOT
            if call[0] == "objectstorage" and rng.random() < 0.5
            else (f"ocid1.resource.oc1..r{rng.randrange(400):04d}", f"res-{rng.randrange(400):04d}")
        )
        if resource != HOT:
            resource = (resource[0], f"{call[0]}-{resource[0][-4:]}" if realistic else f"name-of-{resource[0][-5:]}")
        if call[0] == "widgets":  # a name a spreadsheet would run as a formula
            resource = (resource[0], '=HYPERLINK("http://example.com/x","click")')
        status = rng.choice(
            STATUSES_REALISTIC if realistic else (200, 200, 200, 200, 200, 200, 204, 403, 404, 409, 500)
        )
        events[region].append(
            record(f"ev-{day.date:%m%d}-{k:05d}", moment, region, call, principal, compartment, resource, status)
        )
        exp["event_hours"][int((moment - day.start).total_seconds() // 3600)] += 1
        exp["event_services"][call[0]] += 1
        label = call[3]
        if label == "read":
            exp["reads"] += 1
            continue
        if label == "readpost":
            exp["readposts"] += 1
            continue
        failed = status >= 400
        slot = "failed" if failed else label
        exp["rows"] += 1
        if failed:
            exp["failed"][label] += 1
        else:
            exp[label] += 1
            exp["resources"][resource[0]] += 1
        hour = int((moment - day.start).total_seconds() // 3600)
        exp["hours"][hour][slot] += 1
        for name, key in (
            ("service", call[0]),
            ("region", region),
            ("principal", principal[0]),
            ("compartment", compartment[0]),
        ):
            exp[name][key][slot] += 1
        for callout in ("deletions" if label == "delete" else None, CATEGORY.get(call[0])):
            if callout:
                exp["callouts"][callout]["failed" if failed else "changes"] += 1
    edges = (
        day.start - timedelta(milliseconds=1),
        day.end,
        day.end + timedelta(hours=2),
        day.start - timedelta(hours=3),
    )
    for k, moment in enumerate(edges if outside else ()):
        region = regions[k % len(regions)]
        events[region].append(record(f"out-{k}", moment, region, CALLS[8], principals[0], COMPARTMENTS[0], HOT, 200))
    return events, exp
