"""Self-metrics: what each invocation, collection run and report run did, as OCI Monitoring data points.

The points are made here from the summaries the function already answers (pure: no I/O), and posted by
`metrics.post` (PostMetricData) into METRICS_NAMESPACE. Every point carries the dimension `function`
(FN_FN_NAME in OCI Functions, `cli` elsewhere); the others say where:

| metric | dimensions | value |
|---|---|---|
| `events_received` | function | events in an invocation or run |
| `events_delivered`, `events_dead_lettered`, `events_failed` | function, sink | events per sink |
| `tickets_failed` | function | ticket calls that failed |
| `detections` | function | detection records made |
| `collection_lag_seconds` | function, source, region, tenancy | now minus the oldest checkpoint end there |
| `collection_complete` | function | 1 when every shard was read to the end of its window, else 0 |
| `api_calls`, `api_throttles` | function | OCI API calls of a run, and those answered 429 |
| `report_complete` | function | 1 when the day's report read everything, else 0 |

Alarms (terraform/alarms.tf) are written against these names; a test keeps both in step.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, NamedTuple

#: Every metric name this module makes (terraform/alarms.tf may use only these).
NAMES = frozenset(
    {
        "events_received",
        "events_delivered",
        "events_dead_lettered",
        "events_failed",
        "tickets_failed",
        "detections",
        "collection_lag_seconds",
        "collection_complete",
        "api_calls",
        "api_throttles",
        "report_complete",
    }
)


class Point(NamedTuple):
    """One data point: a metric name, its value, its dimensions (name -> non-empty text)."""

    name: str
    value: float
    dimensions: dict[str, str]


def function_name() -> str:
    """The `function` dimension: the function's name in OCI Functions (FN_FN_NAME), else `cli`."""
    return os.environ.get("FN_FN_NAME") or "cli"


def of_delivery(summary: dict[str, Any], function: str) -> list[Point]:
    """Points of a pipeline summary (`delivery.summary.Summary.to_dict()`)."""
    base = {"function": function}
    points = [Point("events_received", summary.get("received", 0), base)]
    counts = {key: summary.get(key) or {} for key in ("delivered", "deadLettered", "failed")}
    sinks = sorted({sink for per_sink in counts.values() for sink in per_sink})
    for key, name in (
        ("delivered", "events_delivered"),
        ("deadLettered", "events_dead_lettered"),
        ("failed", "events_failed"),
    ):  # zeros too, for every sink that took part: a graph shows 0, not a gap
        points += [Point(name, counts[key].get(sink, 0), {**base, "sink": sink}) for sink in sinks]
    failed_tickets = sum(1 for t in summary.get("tickets") or () if t.get("action") == "failed")
    points.append(Point("tickets_failed", failed_tickets, base))
    if "detection" in summary:
        points.append(Point("detections", summary["detection"].get("detections", 0), base))
    return points


def of_collection(outcome: dict[str, Any], function: str, now: datetime | None = None) -> list[Point]:
    """Points of a collection run (`collect.outcome.Outcome.to_dict()`): its delivery, API calls, whether it
    was complete, and the lag of each source and region that has a checkpoint (`through`)."""
    now = now or datetime.now(UTC)
    base = {"function": function}
    points = of_delivery(outcome.get("delivery") or {}, function)
    points += [
        Point("api_calls", outcome.get("apiCalls", 0), base),
        Point("api_throttles", outcome.get("throttled", 0), base),
        Point("collection_complete", 1 if outcome.get("complete") else 0, base),
    ]
    tenancies = outcome.get("tenancies") or {"": {"sources": outcome.get("sources") or {}}}
    for tenancy, one in tenancies.items():
        for source, regions in (one.get("sources") or {}).items():
            for region, entry in regions.items():
                through = entry.get("through")
                if not through:
                    continue
                lag = max(0.0, (now - datetime.fromisoformat(through)).total_seconds())
                where = {**base, "source": source, "region": region, "tenancy": tenancy or "default"}
                points.append(Point("collection_lag_seconds", round(lag, 1), where))
    return points


def of_report(result: dict[str, Any], function: str) -> list[Point]:
    """Points of a report run (`report.run.Reporter.run`'s answer)."""
    base = {"function": function}
    return [
        Point("report_complete", 1 if result.get("complete") else 0, base),
        Point("api_calls", result.get("apiCalls", 0), base),
    ]
