"""A collection run's summary: what it did per source and region, and whether every collected event went out.

`Outcome.to_dict()` (the CLI's stdout, the collector function's answer):
`{"ok", "complete", "backfill", "shards": {"total", "done", "failed", "skipped", "deferred"},
"sources": {source: {region: {"windows", "events", "repeats", "through", "delivered": {sink: n},
"deadLettered": {sink: n}, "failed": {sink: n}, "problems": [...]}}}, "apiCalls", "throttled",
"errors": [...], "delivery": <the pipeline summary of every page, added up>}`.
With a tenancy list (COLLECT_TENANCIES, `--profile A --profile B`), `sources` is given per tenancy
instead: `"tenancies": {name: {"tenancyId", "tenancyName", "ok", "errors": [...], "sources": {...}}}`
(a tenancy is `ok` when none of its shards failed and it had no error); top-level `errors` name the
tenancy (`"<name>: <reason>"`). `through`: the oldest end of the checkpoints of that source and region
after the run (ISO 8601; None for a stream, whose cursor is its checkpoint): now minus it is the lag.
`ok`: every collected event was delivered or kept and nothing failed outright; `complete`: every shard
was read to the end of its window (skipped shards, held by another run, and deferred ones, left for
the next run because of the deadline, are not failures).
"""

from __future__ import annotations

from typing import Any

from forwarder.delivery.summary import MAX_LISTED_FAILURES, Summary


class Outcome:
    def __init__(self, backfill: bool = False, estate: bool = False):
        self.backfill = backfill
        self.estate = estate  #: a tenancy list: the summary is given per tenancy
        self.tenancies: dict[str, dict[str, Any]] = {}  #: shard.tenancy (key prefix) -> its entry
        self.delivery = Summary()
        self.errors: list[str] = []
        self.shards_total = 0
        self.shards_done = 0
        self.outcomes = {"failed": 0, "skipped": 0, "deferred": 0}
        self.events = 0
        self.api_calls = 0
        self.throttled = 0
        self.interrupted = False  #: the run was asked to stop (Ctrl-C) before it ended

    def tenancy(self, target, name: str | None) -> None:
        """Name a tenancy of the run (`estate.Target`, and its own name when read); every tenancy is named
        before its shards are counted."""
        self.tenancies[target.prefix] = {
            "label": target.label,
            "tenancyId": target.tenancy,
            "tenancyName": name,
            "errors": [],
            "failed": 0,
            "sources": {},
        }

    def tenancy_errors(self, target, errors: list[str]) -> None:
        self.tenancies[target.prefix]["errors"] += errors

    def _entry(self, source: str, region: str, tenancy: str = "") -> dict[str, Any]:
        regions = self.tenancies[tenancy]["sources"].setdefault(source, {})
        if region not in regions:
            regions[region] = {
                "windows": 0,
                "events": 0,
                "repeats": 0,
                "through": None,
                "counts": Summary(),
                "problems": [],
            }
        return regions[region]

    def add(self, shard, summary: Summary) -> None:
        """Count one delivered page of `shard`."""
        self._entry(shard.source, shard.region, shard.tenancy)["counts"].add_counts(summary)
        self.events += summary.received
        self.delivery.add(summary)

    def finish(self, shard, read: int, repeats: int, window, outcome: str | None) -> None:
        """Count one shard as done (`outcome` None), or failed / skipped / deferred (`outcome` says why)."""
        entry = self._entry(shard.source, shard.region, shard.tenancy)
        entry["events"] += read
        entry["repeats"] += repeats
        if window is not None:  # the checkpoint now ends at the window's end, or stayed at its start
            end = window.end if outcome is None else window.start
            entry["through"] = end if entry["through"] is None else min(entry["through"], end)
        self.shards_done += 1
        if outcome is None:
            entry["windows"] += 1
            return
        kind = outcome.split(":", 1)[0]
        kind = kind if kind in self.outcomes else "failed"
        self.outcomes[kind] += 1
        if kind == "failed" and shard.tenancy in self.tenancies:
            self.tenancies[shard.tenancy]["failed"] += 1
        if len(entry["problems"]) < MAX_LISTED_FAILURES:
            where = shard.scope if shard.scope not in ("tenancy", "problems") else None
            span = f"{window.start.isoformat()}/{window.end.isoformat()}" if window else None
            entry["problems"].append({"scope": where, "window": span, "outcome": outcome})

    @property
    def ok(self) -> bool:
        return self.delivery.ok and not self.errors and not self.outcomes["failed"]

    @property
    def complete(self) -> bool:
        return self.ok and not self.outcomes["skipped"] and not self.outcomes["deferred"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "complete": self.complete,
            "backfill": self.backfill,
            **({"interrupted": True} if self.interrupted else {}),
            "shards": {
                "total": self.shards_total,
                "done": self.shards_done - sum(self.outcomes.values()),
                **self.outcomes,
            },
            **({"tenancies": self._tenancies()} if self.estate else {"sources": _sources(self._one_tenancy())}),
            "apiCalls": self.api_calls,
            "throttled": self.throttled,
            "errors": self.errors,
            "delivery": self.delivery.to_dict(),
        }

    def _one_tenancy(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The sources of a run without a tenancy list: its one tenancy's (none when it could not be set up)."""
        return next(iter(self.tenancies.values()))["sources"] if self.tenancies else {}

    def _tenancies(self) -> dict[str, Any]:
        return {
            t["label"]: {
                "tenancyId": t["tenancyId"],
                "tenancyName": t["tenancyName"],
                "ok": not t["errors"] and not t["failed"],
                "errors": t["errors"],
                "sources": _sources(t["sources"]),
            }
            for t in self.tenancies.values()
        }


def _sources(sources: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    return {source: {region: _shown(entry) for region, entry in regions.items()} for source, regions in sources.items()}


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    """One region's entry as the summary shows it: the counts of its Summary in place of the object."""
    counts = entry["counts"]
    return {
        "windows": entry["windows"],
        "events": entry["events"],
        "repeats": entry["repeats"],
        "through": entry["through"] and entry["through"].isoformat(),
        "delivered": counts.delivered,
        "deadLettered": counts.dead_lettered,
        "failed": counts.failed,
        "problems": entry["problems"],
    }
