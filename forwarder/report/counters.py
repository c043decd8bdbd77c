"""Counters of the change report that stay bounded whatever the number of changes.

- `Groups`: exact counts by kind per name of one grouping (service, compartment, principal, region),
  for up to `limit` names (more count under OTHER);
- `TopCounter`: the Space-Saving summary (Metwally et al., 2005) of the most-changed resources, exact
  while there are no more distinct names than its counters, else each count an upper bound off by at
  most its `error`;
- `Earliest`: the `n` earliest rows by (time, event id).
`Groups` and `TopCounter` also `dump()` to JSON and `absorb()` another day's dump: the day shards of a
period report add up in the same bounded memory.
"""

from __future__ import annotations

import heapq
from typing import Any

from forwarder.report.changes import Change

#: Most names kept per grouping (service, compartment, principal, region); the rest count as OTHER.
MAX_GROUPS = 50_000
#: Counters of the top-resources summary.
TOP_CAPACITY = 10_000
OTHER = "(other)"
_SLOT = {"create": 0, "update": 1, "delete": 2}


class Groups:
    """Counts per name of one grouping: key -> [create, update, delete, failed], and a label per key."""

    def __init__(self, limit: int = MAX_GROUPS):
        self.counts: dict[str, list[int]] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.limit = limit
        self.overflow = False

    def add(self, key: str, label: dict[str, str], kind: str, failed: bool) -> None:
        self._slot(key, label)[3 if failed else _SLOT[kind]] += 1

    def _slot(self, key: str, label: dict[str, str]) -> list[int]:
        """The counts of `key` (made, with `label`, when new; OTHER's once `limit` names are counted)."""
        counts = self.counts.get(key)
        if counts is None:
            if len(self.counts) >= self.limit:
                self.overflow = True
                key, label = OTHER, {"name": OTHER}
                counts = self.counts.get(key)
            if counts is None:
                counts = self.counts[key] = [0, 0, 0, 0]
                self.labels[key] = label
        return counts

    def dump(self) -> list[list[Any]]:
        """The counts as JSON: `[[key, label, create, update, delete, failed], ...]` (a day shard)."""
        return [[key, self.labels[key], *counts] for key, counts in self.counts.items()]

    def absorb(self, dumped: list[list[Any]]) -> None:
        """Add the counts of a `dump()` (another day's), keeping the same limit on names."""
        for key, label, *counts in dumped:
            mine = self._slot(key, label)
            for i in range(4):
                mine[i] += counts[i]

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

    def dump(self) -> dict[str, Any]:
        """The counters as JSON (a day shard): `{"evicted", "items": [[key, label, count, error], ...]}`."""
        items = [[k, self.labels[k], c, self.errors[k]] for k, c in self.counts.items()]
        return {"evicted": self.evicted, "items": items}

    def absorb(self, dumped: dict[str, Any]) -> None:
        """Add another day's counters: counts and errors of a name add up; beyond `capacity` names the
        ones with the least counts go (the result is then approximate, `evicted`)."""
        self.evicted = self.evicted or bool(dumped.get("evicted"))
        for key, label, count, error in dumped.get("items", ()):
            self.counts[key] = self.counts.get(key, 0) + count
            self.errors[key] = self.errors.get(key, 0) + error
            self.labels.setdefault(key, label)
        if len(self.counts) > self.capacity:
            keep = sorted(self.counts, key=lambda k: -self.counts[k])[: self.capacity]
            self.counts = {k: self.counts[k] for k in keep}
            self.errors = {k: self.errors[k] for k in keep}
            self.labels = {k: self.labels[k] for k in keep}
            self.evicted = True
        self._heap = [(c, k) for k, c in self.counts.items()]
        heapq.heapify(self._heap)

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
