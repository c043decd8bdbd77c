"""Every audit event of a day, reads included, counted by the Logging service's own aggregation.

The report reads changes one by one (reads never leave the service), but sets them against all the
events of the day. Those are counted by Logging Search itself, two aggregating queries per region and
day, whatever the number of events:
- `... | summarize count() as events by rounddown(datetime, '15m') as slot`: events per 15 minutes
  (a quarter hour lines up with every time zone's midnight, so each slot falls in one local hour);
- `... | summarize count() as events by type as eventType`: events per event type, hence per service.
A slot is given as epoch milliseconds or RFC 3339 text; both are read. A region whose counts cannot
be read is a problem of the day (the changes of the report are still exact).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from forwarder.normalize.timeparse import parse_time
from forwarder.report.changes import service_of
from forwarder.report.day import Day
from forwarder.retry import Failure
from forwarder.sources.api import audit

BY_SLOT = "summarize count() as events by rounddown(datetime, '15m') as slot"
BY_TYPE = "summarize count() as events by type as eventType"


class AllEvents:
    """The counts of every audit event of one day: `total`, `hours` (per hour of the day), `services`
    (service -> count), `regions` (region -> count), `problems` (regions not counted, and why)."""

    def __init__(self, d: Day):
        self.day = d
        self.hours = [0] * d.hours
        self.services: dict[str, int] = {}
        self.regions: dict[str, int] = {}
        self.problems: list[str] = []

    @property
    def total(self) -> int:
        return sum(self.hours)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "complete": not self.problems,
            "byService": dict(sorted(self.services.items(), key=lambda kv: (-kv[1], kv[0]))),
            "byRegion": dict(sorted(self.regions.items())),
        }


def count(clients, top: str, d: Day, regions: list[str], deadline, counter=None) -> AllEvents:
    """Every event of `d` under `top` (the tenancy, or a compartment and its subtree) in `regions`.
    Never raises for API failures: they are in `problems`."""
    found = AllEvents(d)
    base = audit.audit_query(top)
    for region in regions:
        try:
            slots = list(audit.summarize(clients, region, f"{base} | {BY_SLOT}", d.start, d.end, deadline, counter))
            types = list(audit.summarize(clients, region, f"{base} | {BY_TYPE}", d.start, d.end, deadline, counter))
        except Failure as exc:
            found.problems.append(f"{region}: all events not counted: {exc.reason or exc}")
            continue
        for row in slots:
            moment, events = _moment(row.get("slot")), _number(row.get("events"))
            hour = None if moment is None else d.hour_of(moment)
            if hour is not None:
                found.hours[hour] += events
                found.regions[region] = found.regions.get(region, 0) + events
        for row in types:
            service = service_of(row.get("eventType") if isinstance(row.get("eventType"), str) else "")
            found.services[service] = found.services.get(service, 0) + _number(row.get("events"))
    return found


def _number(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _moment(value: Any) -> datetime | None:
    """A slot's start: epoch milliseconds (a number, or its digits as text) or RFC 3339 text (`parse_time`)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return parse_time(value)
