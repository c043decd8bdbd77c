"""Counting a day of changes as they stream by, in memory that does not grow with the day.

`Tally.add(change, moment)` counts one change. What it keeps is bounded whatever the number of changes:
- totals by kind, done and failed apart; per hour of the day;
- by service, compartment, principal and region: exact counts for up to MAX_GROUPS names each (more
  than that are counted under "(other)" and the report says so);
- the resources with most changes: the Space-Saving summary (Metwally et al., 2005) of TOP_CAPACITY
  counters, exact while the day has no more distinct resources than that, else each count is an upper
  bound off by at most its `error`;
- the earliest `html_rows` changes (the HTML table) and the earliest `callout_rows` of each call-out
  (deletions, IAM, network, security), by time then event id, so a re-run picks the same rows.
`summary()` turns it into the report's JSON mapping (docs/report.md).
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Any

from forwarder.report.changes import KINDS, Change
from forwarder.report.day import Day

#: Most names kept per grouping (service, compartment, principal, region); the rest count as OTHER.
MAX_GROUPS = 50_000
#: Counters of the top-resources summary.
TOP_CAPACITY = 10_000
#: Entries of the "most changes" lists.
TOP = 10
OTHER = "(other)"
#: The call-outs: deletions of any service, and changes by category (`changes.CATEGORIES`).
CALLOUTS = ("deletions", "iam", "network", "security")
_SLOT = {"create": 0, "update": 1, "delete": 2}


class Groups:
    """Counts per name of one grouping: key -> [create, update, delete, failed], and a label per key."""

    def __init__(self, limit: int = MAX_GROUPS):
        self.counts: dict[str, list[int]] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.limit = limit
        self.overflow = False

    def add(self, key: str, label: dict[str, str], kind: str, failed: bool) -> None:
        counts = self.counts.get(key)
        if counts is None:
            if len(self.counts) >= self.limit:
                self.overflow = True
                key, label = OTHER, {"name": OTHER}
                counts = self.counts.get(key)
            if counts is None:
                counts = self.counts[key] = [0, 0, 0, 0]
                self.labels[key] = label
        counts[3 if failed else _SLOT[kind]] += 1

    def rows(self) -> list[dict[str, Any]]:
        """Every name, most changes first (then most failed, then name): label, counts, `changes`, `failed`."""
        out = []
        for key, (c, u, d, f) in self.counts.items():
            out.append({**self.labels[key], "create": c, "update": u, "delete": d, "changes": c + u + d, "failed": f})
        out.sort(key=lambda r: (-r["changes"], -r["failed"], r.get("name") or "", r.get("id") or ""))
        return out


class TopCounter:
    """Space-Saving heavy hitters over `capacity` counters (exact until a counter is first evicted)."""

    def __init__(self, capacity: int = TOP_CAPACITY):
        self.capacity = capacity
        self.counts: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self._heap: list[tuple[int, str]] = []  #: (count, key), possibly stale: fixed when popped
        self.evicted = False

    def add(self, key: str, label: dict[str, str]) -> None:
        count = self.counts.get(key)
        if count is not None:
            self.counts[key] = count + 1
            return
        if len(self.counts) < self.capacity:
            self.counts[key], self.errors[key], self.labels[key] = 1, 0, label
            heapq.heappush(self._heap, (1, key))
            return
        while True:  # the counter with the least count (entries pushed before their key grew are refreshed)
            low, victim = heapq.heappop(self._heap)
            if self.counts[victim] == low:
                break
            heapq.heappush(self._heap, (self.counts[victim], victim))
        del self.counts[victim], self.errors[victim], self.labels[victim]
        self.evicted = True
        self.counts[key], self.errors[key], self.labels[key] = low + 1, low, label
        heapq.heappush(self._heap, (low + 1, key))

    def top(self, n: int) -> list[dict[str, Any]]:
        best = sorted(self.counts.items(), key=lambda kv: (-kv[1], self.labels[kv[0]].get("name") or "", kv[0]))
        return [{**self.labels[k], "changes": c, "error": self.errors[k]} for k, c in best[:n]]


class Earliest:
    """The `n` earliest rows by (time, event id), kept in bounded memory."""

    def __init__(self, n: int):
        self.n = n
        self._rows: list[tuple[str, str, Change]] = []

    def add(self, utc: str, change: Change) -> None:
        self._rows.append((utc, change.event_id, change))
        if len(self._rows) >= 2 * self.n + 64:
            self._trim()

    def _trim(self) -> None:
        self._rows.sort(key=lambda r: (r[0], r[1]))
        del self._rows[self.n :]

    def rows(self) -> list[Change]:
        self._trim()
        return [row[2] for row in self._rows]


class Tally:
    """The counts of one report day.

    Args:
        day: the `day.Day` counted; changes outside it are not counted (`outside`).
        html_rows, callout_rows: rows kept for the HTML table and for each call-out.
    """

    def __init__(self, day: Day, html_rows: int = 1000, callout_rows: int = 100):
        self.day = day
        self.done = dict.fromkeys(KINDS, 0)
        self.failed = dict.fromkeys(KINDS, 0)
        self.read_posts = 0  #: reads sent as POST, left out
        self.outside = 0  #: changes whose time is outside the day (or missing)
        self.groups = {name: Groups() for name in ("service", "compartment", "principal", "region")}
        self.hours = [[0, 0, 0, 0] for _ in range(day.hours)]  #: create, update, delete, failed
        self.resources = TopCounter()
        self.first = Earliest(html_rows)
        self.callouts = {name: Earliest(callout_rows) for name in CALLOUTS}
        self.callout_counts = {name: [0, 0] for name in CALLOUTS}  #: done, failed

    @property
    def changes(self) -> int:
        """Changes done (attempts that failed are not counted here)."""
        return sum(self.done.values())

    @property
    def attempts(self) -> int:
        return sum(self.failed.values())

    def add(self, change: Change, moment: datetime | None, utc: str) -> bool:
        """Count one change made at `moment` (aware UTC; `utc` its RFC 3339 text). False when outside the day."""
        hour = None if moment is None else self.day.hour_of(moment)
        if hour is None:
            self.outside += 1
            return False
        kind, failed = change.kind, change.outcome == "failed"
        (self.failed if failed else self.done)[kind] += 1
        self.hours[hour][3 if failed else _SLOT[kind]] += 1
        groups = self.groups
        groups["service"].add(change.service, {"name": change.service}, kind, failed)
        groups["region"].add(change.region, {"name": change.region}, kind, failed)
        compartment = {"name": change.compartment_name, "id": change.compartment_id}
        groups["compartment"].add(change.compartment_id or change.compartment_name, compartment, kind, failed)
        principal = {"name": change.principal_name, "id": change.principal_id}
        groups["principal"].add(change.principal_id or change.principal_name, principal, kind, failed)
        if not failed and (change.resource_id or change.resource_name):
            self.resources.add(
                change.resource_id or change.resource_name, {"name": change.resource_name, "id": change.resource_id}
            )
        self.first.add(utc, change)
        for name in ("deletions" if kind == "delete" else None, change.category or None):
            if name is not None:
                self.callout_counts[name][1 if failed else 0] += 1
                self.callouts[name].add(utc, change)
        return True

    def summary(self, previous: set[str] | None) -> dict[str, Any]:
        """The counts as the report's JSON mapping (without the header `report.run` adds).

        Args:
            previous: principal keys (id, else name) of the previous day's report; None when there is none.
        """
        principals = self.groups["principal"].rows()
        for row in principals:
            row["new"] = previous is not None and (row.get("id") or row.get("name")) not in previous
        labels = self.day.hour_labels()
        return {
            "totals": {
                "changes": self.changes,
                **self.done,
                "failed": {"total": self.attempts, **self.failed},
                "readPostsExcluded": self.read_posts,
            },
            "byService": self.groups["service"].rows(),
            "byCompartment": self.groups["compartment"].rows(),
            "byPrincipal": principals,
            "byRegion": self.groups["region"].rows(),
            "groupsCapped": sorted(name for name, g in self.groups.items() if g.overflow),
            "perHour": [
                {"hour": i, "label": labels[i], "create": c, "update": u, "delete": d, "failed": f}
                for i, (c, u, d, f) in enumerate(self.hours)
            ],
            "topPrincipals": [r for r in principals if r["changes"]][:TOP],
            "topResources": self.resources.top(TOP),
            "topResourcesExact": not self.resources.evicted,
            "newPrincipals": [r for r in principals if r["new"]],
            "callouts": {
                name: {"changes": done, "failed": failed, "rows": [c._asdict() for c in self.callouts[name].rows()]}
                for name, (done, failed) in self.callout_counts.items()
            },
        }
