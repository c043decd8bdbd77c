"""7. The change report's memory: peak RSS of a report over a day of 10k, 100k and 1M changes, and of
the report of a period of 1 and of 30 days (`period_memory`).

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
from datetime import date, timedelta
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


def _synthetic(n: int) -> None:
    """Put generated pages of `n` changes a day in place of the Logging Search readers of any day."""
    from forwarder.report import events, read

    def synthetic(clients, tenancy, day, regions, workers, deadline, counter=None, compartment=None):
        changes = read.source(day)
        shards = changes.plan(None, tuple(regions))
        for page in pages(day, n):
            yield shards[0], changes.window_of(shards[0]), page, None
        for s in shards:
            yield s, changes.window_of(s), None, None

    def counted(clients, top, day, regions, deadline, counter=None):  # summarize: 4 events per change
        found = events.AllEvents(day)
        found.hours = [4 * n // day.hours] * day.hours
        found.services, found.regions = {"objectstorage": found.total}, {regions[0]: found.total}
        return found

    read.read, events.count = synthetic, counted


def child(n: int, out: str, floor: bool, period_days: int = 0) -> None:
    from forwarder.report import day as days
    from forwarder.report import period as periods
    from forwarder.report.run import Reporter
    from forwarder.report.store import LocalStore
    from forwarder.settings import load_settings

    day = days.of(date(2026, 11, 18), "UTC")
    if floor:
        for _ in pages(day, n * max(period_days, 1)):
            pass
        return
    _synthetic(n)
    settings = load_settings({})

    class Identity:  # ListRegionSubscriptions, as the REST JSON the clients return
        def list_region_subscriptions(self, tenancy):
            region = {"regionName": "us-ashburn-1", "isHomeRegion": True, "status": "READY"}
            return type("Response", (), {"data": [region], "headers": {}})()

    class Clients:
        tenancy, home = "ocid1.tenancy.oc1..bench", "us-ashburn-1"

        def get(self, service, region):
            return Identity()

    which = day
    if period_days:  # the days before 2026-11-18 (and as many before them: the previous period, for trends)
        which = periods.between(str(day.date - timedelta(days=period_days)), str(day.date), "UTC")
    reporter = Reporter(settings.report, settings.collect, Clients(), LocalStore(out))
    result = reporter.run(which, regions=("us-ashburn-1",))
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


#: Changes a day of the period runs, and the periods' lengths in days.
PERIOD_CHANGES, PERIOD_DAYS = 10_000, (1, 30)


def period_memory(work: Path, per_day: int = PERIOD_CHANGES, lengths: tuple[int, ...] = PERIOD_DAYS) -> None:
    print(f"\n7b. change report of a period: peak RSS and time at {per_day:,} changes a day (and its previous period)")
    peaks = {}
    for length in lengths:
        floor = run(["-m", "bench.report", str(per_day), str(work / "p-floor"), "--floor", f"--days={length}"])
        made = run(["-m", "bench.report", str(per_day), str(work / f"p-{length}"), f"--days={length}"])
        peaks[length] = made.peak_mb
        print(
            f"   {length:>3} days ({per_day * length:>9,} changes, as many before)  peak {made.peak_mb:6.1f} MB "
            f"(floor {floor.peak_mb:5.1f} MB)  {made.wall:6.1f} s  {2 * per_day * length / made.cpu:,.0f} changes/s"
        )
    if len(lengths) > 1:
        ratio = peaks[lengths[-1]] / peaks[lengths[0]]
        print(f"   peak at {lengths[-1]} days / at {lengths[0]}: {ratio:.2f}x (goal: flat)")


if __name__ == "__main__":
    days_arg = next((int(a.split("=", 1)[1]) for a in sys.argv[3:] if a.startswith("--days=")), 0)
    child(int(sys.argv[1]), sys.argv[2], "--floor" in sys.argv[3:], days_arg)
