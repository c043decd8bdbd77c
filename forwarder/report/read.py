"""Reading one day of audit changes: one tenancy-wide Logging Search per region and hour, paged.

The day is cut into shards of one hour in one region (`plan`), so several are read at once, and every
shard is one query over `"<tenancy>/_Audit_Include_Subcompartment"` with the change filter
(`changes.CHANGE_QUERY`: reads never leave the service). Shards are read by up to `workers` threads,
ahead of the caller by at most `workers` shards and two pages each, and handed to the caller in plan
order (hour, then region): the same day read twice yields its events in the same order, so the CSV
is the same, and memory holds a few pages whatever the size of the day.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from forwarder.report.changes import CHANGE_QUERY
from forwarder.report.day import Day
from forwarder.sources.api import audit
from forwarder.sources.api.calls import ApiFailure, Counter
from forwarder.sources.api.clients import Clients

#: Seconds before the deadline at which reading stops (the report still has to be written).
RESERVE_SECONDS = 20.0
_PAGES_AHEAD = 2


class Shard(NamedTuple):
    """One hour of the day in one region: one Logging Search query, paged."""

    region: str
    hour: int
    start: datetime  #: aware UTC, inclusive
    end: datetime  #: aware UTC, exclusive


def query(tenancy: str) -> str:
    """The Logging Search query of every audit change in the tenancy, subcompartments included."""
    return f"{audit.audit_query(tenancy)} | {CHANGE_QUERY}"


def plan(day: Day, regions: list[str]) -> list[Shard]:
    """Hour by hour, region by region."""
    out = []
    for hour in range(day.hours):
        start = day.start + timedelta(hours=hour)
        out += [Shard(region, hour, start, min(start + timedelta(hours=1), day.end)) for region in regions]
    return out


def read(clients: Clients, tenancy: str, shards: list[Shard], workers: int, deadline: float | None,
         counter: Counter | None = None) -> Iterator[tuple[Shard, list[dict] | None, str | None]]:  # fmt: skip
    """Yield `(shard, events, None)` for each page and then `(shard, None, problem)` once per shard, in
    shard order; `problem` is None when the shard was read to its end, else why not ("failed: ...",
    "deferred: ..."). Never raises for API failures.
    """
    text = query(tenancy)
    stop_at = None if deadline is None else deadline - RESERVE_SECONDS
    queues = [queue.Queue(maxsize=_PAGES_AHEAD) for _ in shards]
    state = {"next": 0, "consumed": 0}
    lock = threading.Condition()
    stop = threading.Event()

    def put(i: int, item) -> bool:
        while not stop.is_set():
            try:
                queues[i].put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def worker() -> None:
        while True:
            with lock:
                i = state["next"]
                if i >= len(shards):
                    return
                state["next"] += 1
                while i >= state["consumed"] + workers and not stop.is_set():
                    lock.wait(0.2)
            if stop.is_set():
                return
            shard = shards[i]
            problem = None
            try:
                if stop_at is not None and time.monotonic() >= stop_at:
                    problem = "deferred: the run's deadline came before this hour was read"
                else:
                    for events in audit.search(clients, shard.region, text, shard.start, shard.end, stop_at, counter):
                        if not put(i, (events, None)):
                            return
            except ApiFailure as exc:
                late = stop_at is not None and time.monotonic() >= stop_at - 1.0
                problem = f"{'deferred' if late else 'failed'}: {exc.reason or exc}"
            except Exception as exc:  # a bug must not hang the report: the shard is reported
                problem = f"failed: {type(exc).__name__}: {exc}"
            if not put(i, (None, problem)):
                return

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(workers, len(shards))))]
    for thread in threads:
        thread.start()
    try:
        for i, shard in enumerate(shards):
            while True:
                events, problem = queues[i].get()
                if events is None:
                    yield shard, None, problem
                    break
                yield shard, events, None
            with lock:
                state["consumed"] = i + 1
                lock.notify_all()
    finally:
        stop.set()
        with lock:
            lock.notify_all()
