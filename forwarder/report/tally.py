"""Counting changes as they stream by, in memory that does not grow with the day or the period.

`Tally.add(change, moment)` counts one change of a day; `Tally.dump()` is the day shard, the day's counts
as JSON, which `PeriodTally.absorb()` adds up over the days of a week, a month or any range. Both keep
(`counters`):
- totals by kind, done and failed apart; per hour of the day, or per day of the period;
- by service, compartment, principal and region: exact counts for up to MAX_GROUPS names each (more
  than that are counted under "(other)" and the report says so);
- the resources with most changes (a Space-Saving summary of TOP_CAPACITY counters);
- for each call-out (deletions, IAM, network, security): its counts, by service and by principal, and
  its earliest `callout_rows` rows; a day also keeps its earliest `html_rows` changes (the HTML table).
`summary()` turns them into the report's JSON mapping (docs/report.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from forwarder.report.changes import KINDS, Change
from forwarder.report.counters import Earliest, Groups, TopCounter
from forwarder.report.day import Day

#: Entries of the "most changes" lists.
TOP = 10
#: The call-outs: deletions of any service, and changes by category (`changes.CATEGORIES`).
CALLOUTS = ("deletions", "iam", "network", "security")
GROUPINGS = ("service", "compartment", "principal", "region")
_SLOT = {"create": 0, "update": 1, "delete": 2}


class Counts:
    """What a day and a period count alike (see the module)."""

    def __init__(self, slots: int, callout_rows: int):
        self.done = dict.fromkeys(KINDS, 0)
        self.failed = dict.fromkeys(KINDS, 0)
        self.read_posts = 0  #: reads sent as POST, left out
        self.outside = 0  #: changes whose time is outside the day (or missing)
        self.bytes_read = 0  #: bytes of the audit records read (the changes; reads stay in the service)
        self.groups = {name: Groups() for name in GROUPINGS}
        self.slots = [[0, 0, 0, 0] for _ in range(slots)]  #: create, update, delete, failed
        self.resources = TopCounter()
        self.callout_rows = callout_rows
        self.callout_counts = {name: [0, 0] for name in CALLOUTS}  #: done, failed
        self.callout_groups = {name: {"service": Groups(), "principal": Groups()} for name in CALLOUTS}

    @property
    def changes(self) -> int:
        """Changes done (attempts that failed are not counted here)."""
        return sum(self.done.values())

    @property
    def attempts(self) -> int:
        return sum(self.failed.values())

    def callout_list(self, name: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def summary(self, previous: set[str] | None) -> dict[str, Any]:
        """The counts as the report's JSON mapping (without the header, the per-slot bars and all events).

        Args:
            previous: principal keys (id, else name) of the previous period's report; None when there is none.
        """
        principals = self.groups["principal"].rows()
        for row in principals:
            row["new"] = previous is not None and (row.get("id") or row.get("name")) not in previous
        return {
            "totals": {
                "changes": self.changes,
                **self.done,
                "failed": {"total": self.attempts, **self.failed},
                "readPostsExcluded": self.read_posts,
                "bytesRead": self.bytes_read,
            },
            "byService": self.groups["service"].rows(),
            "byCompartment": self.groups["compartment"].rows(),
            "byPrincipal": principals,
            "byRegion": self.groups["region"].rows(),
            "groupsCapped": sorted(name for name, g in self.groups.items() if g.overflow),
            "topPrincipals": [r for r in principals if r["changes"]][:TOP],
            "topResources": self.resources.top(TOP),
            "topResourcesExact": not self.resources.evicted,
            "newPrincipals": [r for r in principals if r["new"]],
            "callouts": {
                name: {
                    "changes": done,
                    "failed": failed,
                    "byService": _brief(self.callout_groups[name]["service"].rows()),
                    "byPrincipal": _brief(self.callout_groups[name]["principal"].rows()),
                    "rows": self.callout_list(name),
                }
                for name, (done, failed) in self.callout_counts.items()
            },
        }


def _brief(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("name", "id", "changes", "failed") if k in r} for r in rows[:TOP]]


class Tally(Counts):
    """The counts of one report day.

    Args:
        day: the `day.Day` counted; changes outside it are not counted (`outside`).
        html_rows, callout_rows: rows kept for the HTML table and for each call-out.
    """

    def __init__(self, day: Day, html_rows: int = 1000, callout_rows: int = 100):
        super().__init__(day.hours, callout_rows)
        self.day = day
        self.first = Earliest(html_rows)
        self.callouts = {name: Earliest(callout_rows) for name in CALLOUTS}

    def add(self, change: Change, moment: datetime | None, utc: str) -> bool:
        """Count one change made at `moment` (aware UTC; `utc` its RFC 3339 text). False when outside the day."""
        hour = None if moment is None else self.day.hour_of(moment)
        if hour is None:
            self.outside += 1
            return False
        kind, failed = change.kind, change.outcome == "failed"
        (self.failed if failed else self.done)[kind] += 1
        self.slots[hour][3 if failed else _SLOT[kind]] += 1
        groups = self.groups
        service = {"name": change.service}
        groups["service"].add(change.service, service, kind, failed)
        groups["region"].add(change.region, {"name": change.region}, kind, failed)
        compartment = {"name": change.compartment_name, "id": change.compartment_id}
        groups["compartment"].add(change.compartment_id or change.compartment_name, compartment, kind, failed)
        principal = {"name": change.principal_name, "id": change.principal_id}
        principal_key = change.principal_id or change.principal_name
        groups["principal"].add(principal_key, principal, kind, failed)
        if not failed and (change.resource_id or change.resource_name):
            self.resources.add(
                change.resource_id or change.resource_name, {"name": change.resource_name, "id": change.resource_id}
            )
        self.first.add(utc, change)
        for name in ("deletions" if kind == "delete" else None, change.category or None):
            if name is not None:
                self.callout_counts[name][1 if failed else 0] += 1
                self.callouts[name].add(utc, change)
                self.callout_groups[name]["service"].add(change.service, service, kind, failed)
                self.callout_groups[name]["principal"].add(principal_key, principal, kind, failed)
        return True

    def callout_list(self, name: str) -> list[dict[str, Any]]:
        return [c._asdict() for c in self.callouts[name].rows()]

    def per_hour(self, events: list[int] | None) -> list[dict[str, Any]]:
        """The day's bars: per hour, changes by kind, failed attempts and (when counted) all events."""
        labels = self.day.hour_labels()
        return [
            {"hour": i, "label": labels[i], "create": c, "update": u, "delete": d, "failed": f}
            | ({} if events is None else {"events": events[i]})
            for i, (c, u, d, f) in enumerate(self.slots)
        ]

    def dump(self) -> dict[str, Any]:
        """The day shard's counts (JSON), what `PeriodTally.absorb` adds up."""
        return {
            "done": self.done,
            "failed": self.failed,
            "readPosts": self.read_posts,
            "outside": self.outside,
            "bytesRead": self.bytes_read,
            "hours": self.slots,
            "groups": {name: g.dump() for name, g in self.groups.items()},
            "groupsCapped": sorted(name for name, g in self.groups.items() if g.overflow),
            "resources": self.resources.dump(),
            "callouts": {
                name: {
                    "counts": self.callout_counts[name],
                    "service": self.callout_groups[name]["service"].dump(),
                    "principal": self.callout_groups[name]["principal"].dump(),
                    "rows": self.callout_list(name),
                }
                for name in CALLOUTS
            },
        }


class PeriodTally(Counts):
    """The counts of a period, added up from its day shards (`absorb`, one day after the other, in order).

    Args:
        day_count: days in the period (one bar each).
        callout_rows: rows kept for each call-out: the earliest of the period.
    """

    def __init__(self, day_count: int, callout_rows: int = 100):
        super().__init__(day_count, callout_rows)
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in CALLOUTS}

    def absorb(self, index: int, counts: dict[str, Any]) -> None:
        """Add the counts of day `index` of the period (a `Tally.dump()`)."""
        for kind in KINDS:
            self.done[kind] += counts["done"][kind]
            self.failed[kind] += counts["failed"][kind]
        self.read_posts += counts["readPosts"]
        self.outside += counts["outside"]
        self.bytes_read += counts.get("bytesRead", 0)
        for hour in counts["hours"]:
            for i in range(4):
                self.slots[index][i] += hour[i]
        for name, g in self.groups.items():
            g.absorb(counts["groups"][name])
            g.overflow = g.overflow or name in counts.get("groupsCapped", ())
        self.resources.absorb(counts["resources"])
        for name in CALLOUTS:
            callout = counts["callouts"][name]
            self.callout_counts[name][0] += callout["counts"][0]
            self.callout_counts[name][1] += callout["counts"][1]
            self.callout_groups[name]["service"].absorb(callout["service"])
            self.callout_groups[name]["principal"].absorb(callout["principal"])
            room = self.callout_rows - len(self.rows[name])
            self.rows[name].extend(callout["rows"][: max(room, 0)])

    def callout_list(self, name: str) -> list[dict[str, Any]]:
        return self.rows[name]
