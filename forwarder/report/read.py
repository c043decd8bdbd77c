"""Reading one day of audit changes: one tenancy-wide Logging Search per region and hour, paged.

The day is cut into shards of one hour in one region (the `changes` source of `forwarder.sources.pull`),
so several are read at once, and every shard is one query over
`"<tenancy>/_Audit_Include_Subcompartment"` with the change filter (`changes.CHANGE_QUERY`: reads
never leave the service). Shards are read by up to `workers` threads (`forwarder.oci.fanout`,
ordered), ahead of the caller by at most `workers` shards and two pages each, and handed to the caller
in plan order (hour, then region): the same day read twice yields its events in the same order, so
the CSV is the same, and memory holds a few pages whatever the size of the day.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from forwarder.oci.calls import Counter
from forwarder.oci.clients import Clients
from forwarder.oci.fanout import fan_out
from forwarder.report.changes import CHANGE_QUERY
from forwarder.report.day import Day
from forwarder.retry import Failure, describe
from forwarder.sources.api import audit
from forwarder.sources.pull import Changes, Scope, Shard, Window

#: Seconds before the deadline at which reading stops (the report still has to be written).
RESERVE_SECONDS = 20.0
_PAGES_AHEAD = 2


def query(tenancy: str) -> str:
    """The Logging Search query of every audit change in the tenancy, subcompartments included."""
    return f"{audit.audit_query(tenancy)} | {CHANGE_QUERY}"


def source(day: Day) -> Changes:
    """The day's reader: one shard per hour and region (`forwarder.sources.pull.Changes`)."""
    return Changes(day.start, day.hours, day.end, CHANGE_QUERY)


def read(
    clients: Clients,
    tenancy: str,
    day: Day,
    regions: list[str],
    workers: int,
    deadline: float | None,
    counter: Counter | None = None,
    compartment: str | None = None,
) -> Iterator[tuple[Shard, Window, list[dict] | None, str | None]]:
    """Yield `(shard, window, events, None)` for each page and then `(shard, window, None, problem)` once per
    shard, hour by hour and region by region; `problem` is None when the shard was read to its end, else
    why not ("failed: ...", "deferred: ..."). `compartment`: read only its subtree (default the tenancy).
    Never raises for API failures.
    """
    changes = source(day)
    stop_at = None if deadline is None else deadline - RESERVE_SECONDS
    scope = Scope(None, clients, tenancy, "", stop_at, counter, compartment)

    def produce(shard: Shard) -> Iterator[tuple[list[dict] | None, str | None]]:
        if stop_at is not None and time.monotonic() >= stop_at:
            yield None, "deferred: the run's deadline came before this hour was read"
            return
        try:
            for events in changes.read(shard, changes.window_of(shard), scope):
                yield events, None
        except Failure as exc:
            late = stop_at is not None and time.monotonic() >= stop_at - 1.0
            yield None, f"{'deferred' if late else 'failed'}: {exc.reason or exc}"
            return
        yield None, None

    def crashed(shard: Shard, exc: Exception) -> tuple[None, str]:  # a bug must not hang the report
        return None, f"failed: {describe(exc)}"

    shards = changes.plan(None, tuple(regions))
    for shard, (events, problem) in fan_out(
        shards, produce, workers, on_error=crashed, ordered=True, ahead=_PAGES_AHEAD
    ):
        yield shard, changes.window_of(shard), events, problem
