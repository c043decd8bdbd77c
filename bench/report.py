"""7. The change report's memory: peak RSS of a report over a day of 10k, 100k and 1M changes.

Each size runs in a fresh process (`python -m bench.report N DIR`): the real Reporter (normalize, the
change table, the tally, the CSV streamed to a folder, the HTML and JSON rendered) over a day whose
audit events are generated page by page (1000 a page, as Logging Search gives them, as JSON decoded by
the forwarder's codec) in place of the API reader, which holds at most `workers` x 2 pages whatever the
day (forwarder/report/read.py). The floor is a process that generates and decodes the same pages and
keeps nothing: the ratio is what the report adds. Goal: flat in the number of changes.
Distinct resources grow with the day (one in three changes touches a new one), past the top-resources
summary's 10,000 counters, and 400 principals, 60 compartments, 30 services.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from bench.measure import run

SIZES = (10_000, 100_000, 1_000_000)
_NAMES = [
    ("objectstorage", "CreateBucket", "POST"),
    ("computeapi", "LaunchInstance", "POST"),
    ("identitycontrolplane", "UpdatePolicy", "PUT"),
    ("virtualnetwork", "DeleteSecurityList", "DELETE"),
    ("computeapi", "InstanceAction", "POST"),
    ("monitoring", "ListMetrics", "POST"),
]
_TEMPLATE = (
    '{{"id":"b-{i}","type":"com.oraclecloud.{service}.{name}","time":"{time}","specversion":"1.0",'
    '"source":"bench","oracle":{{"compartmentid":"ocid1.compartment.oc1..c{c}","loggroupid":"_Audit",'
    '"tenantid":"ocid1.tenancy.oc1..bench"}},"data":{{"eventName":"{name}","compartmentId":"ocid1.compartment.oc1..c{c}",'
    '"compartmentName":"team-{c}","resourceId":"ocid1.resource.oc1..r{r}","resourceName":"res-{r}","message":"{name}",'
    '"identity":{{"principalName":"user-{p}@example.com","principalId":"ocid1.user.oc1..u{p}","authType":"natv",'
    '"ipAddress":"198.51.100.{ip}","userAgent":"Oracle-JavaSDK/3.63.2"}},"request":{{"action":"{action}",'
    '"id":"req-{i}","path":"/x/{i}","headers":{{"opc-request-id":["req-{i}"]}}}},"response":{{"status":"{status}"}}}}}}'
)


def pages(day, n: int, page: int = 1000):
    """Decoded pages of `n` synthetic audit records spread over `day`."""
    from forwarder.jsoncodec import loads

    span = (day.end - day.start).total_seconds()
    start = day.start.timestamp()
    for low in range(0, n, page):
        lines = []
        for i in range(low, min(low + page, n)):
            service, name, action = _NAMES[i % len(_NAMES)]
            moment = time.gmtime(start + span * i / n)
            lines.append(
                _TEMPLATE.format(
                    i=i,
                    service=service,
                    name=name,
                    action=action,
                    c=i % 60,
                    r=i // 3,
                    p=(i * 7) % 400,
                    ip=i % 250,
                    status=404 if i % 17 == 0 else 200,
                    time=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", moment),
                )
            )
        yield loads("[" + ",".join(lines) + "]")


def child(n: int, out: str, floor: bool) -> None:
    from forwarder.report import day as days
    from forwarder.report import read
    from forwarder.report.run import Reporter
    from forwarder.report.store import LocalStore
    from forwarder.settings import load_settings

    day = days.of(date(2026, 11, 18), "UTC")
    if floor:
        for _ in pages(day, n):
            pass
        return

    def synthetic(clients, tenancy, day, regions, workers, deadline, counter=None, compartment=None):
        changes = read.source(day)
        shards = changes.plan(None, tuple(regions))
        for events in pages(day, n):
            yield shards[0], changes.window_of(shards[0]), events, None
        for s in shards:
            yield s, changes.window_of(s), None, None

    read.read = synthetic
    settings = load_settings({})

    class Identity:  # ListRegionSubscriptions, as the REST JSON the clients return
        def list_region_subscriptions(self, tenancy):
            region = {"regionName": "us-ashburn-1", "isHomeRegion": True, "status": "READY"}
            return type("Response", (), {"data": [region], "headers": {}})()

    class Clients:
        tenancy, home = "ocid1.tenancy.oc1..bench", "us-ashburn-1"

        def get(self, service, region):
            return Identity()

    result = Reporter(settings.report, settings.collect, Clients(), LocalStore(out)).run(day, regions=("us-ashburn-1",))
    if not result["ok"]:
        raise SystemExit(f"report of {n}: {result}")
    print(json.dumps(result["totals"]["changes"]))


def report_memory(work: Path, sizes: tuple[int, ...] = SIZES) -> None:
    print("\n7. change report: peak RSS over a day of changes (generated pages in place of Logging Search)")
    for count in sizes:
        floor = run(["-m", "bench.report", str(count), str(work / "r-floor"), "--floor"])
        made = run(["-m", "bench.report", str(count), str(work / f"r-{count}")])
        print(
            f"   {count:>10,} events  peak {made.peak_mb:6.1f} MB (floor {floor.peak_mb:5.1f} MB, ratio "
            f"{made.peak_mb / floor.peak_mb:4.2f}x)  {count / made.cpu:,.0f} events/s of CPU "
            f"({count / floor.cpu:,.0f} for the floor)"
        )


if __name__ == "__main__":
    child(int(sys.argv[1]), sys.argv[2], "--floor" in sys.argv[3:])
