"""A collection run: plan the shards, read them concurrently, deliver page by page, then checkpoint.

Worker threads (at most COLLECT_WORKERS) read shards from the OCI APIs and put pages on a bounded
queue; the calling thread sends each page through the pipeline (the same normalize -> deliver ->
dead-letter -> tickets path as pushed events) and moves a shard's checkpoint only once every event of
its window was delivered or kept. So memory stays bounded (queue length x page size) and sinks are
used from one thread, as in the function.

Poller runs read from each shard's checkpoint (or the look-back) to now, leased so two runs never read
one window at once, dropping events already seen. A backfill (`since`/`until`) reads that window only
and neither reads nor moves checkpoints. A run stops taking new shards once less than a third of its
time is left, and stops reading a shard when RESERVE_SECONDS are left: what it did not finish, the
next run does.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from forwarder.collect import shards as sh
from forwarder.collect.ledger import Ledger, owner_id
from forwarder.collect.report import Report
from forwarder.delivery.checkpoints import CheckpointError, Conflict
from forwarder.normalize.timeparse import parse_time
from forwarder.sources.api.calls import ApiFailure, Counter
from forwarder.sources.api.clients import AuthError

log = logging.getLogger("forwarder")

#: Seconds before the deadline at which reading stops (checkpoints and answers still need time).
RESERVE_SECONDS = 8.0
#: Lease of a claimed shard when the run has no deadline (renewed while the shard is worked on).
LEASE_SECONDS = 300.0


class Collector:
    """Runs collections through one pipeline.

    Args:
        settings: `forwarder.settings.CollectSettings`.
        pipeline: the `delivery.pipeline.Pipeline` records go through.
        clients: `sources.api.clients.Clients` (the principal and endpoints).
        store: a checkpoint store (`delivery.checkpoints`), or None: poller runs then read the
            look-back window and remember nothing.
        progress: called as `progress(shards_done, shards_total, events)` after each page and shard.
    """

    def __init__(
        self, settings, pipeline, clients, store=None, progress: Callable[[int, int, int], None] | None = None
    ):
        self.settings = settings
        self.pipeline = pipeline
        self.clients = clients
        self.store = store
        self.progress = progress
        self.counter = Counter()

    def run(self, sources: tuple[str, ...], since: datetime | None = None, until: datetime | None = None,
            regions: tuple[str, ...] | None = None, deadline: float | None = None) -> Report:  # fmt: skip
        """Collect `sources` (a subset of `shards.SOURCES`) once. Never raises for API or sink failures.

        Args:
            since, until: a backfill window (aware datetimes); None: poll from the checkpoints.
            regions: regions to read; None: COLLECT_REGIONS, else every subscribed region.
            deadline: `time.monotonic()` by which the run must end, or None.
        """
        report = Report(backfill=since is not None)
        started = time.monotonic()
        self.counter = Counter()  # this run's calls (a function container runs many)
        try:
            tenancy_id = self.settings.tenancy or self.clients.tenancy
            home = self.clients.home or (regions or self.settings.regions or ("",))[0]
        except AuthError as exc:
            report.errors.append(str(exc))
            return report
        if not tenancy_id:
            report.errors.append("COLLECT_TENANCY_OCID: the principal does not name its tenancy; set it")
            return report
        plan, errors = sh.plan(self.settings, self.clients, tenancy_id, home, sources,
                               regions or self.settings.regions, deadline, self.counter)  # fmt: skip
        report.errors += errors
        report.shards_total = len(plan)
        stop_new = None if deadline is None else deadline - (deadline - started) / 3
        work = queue.Queue()
        for shard in plan:
            work.put(shard)
        pages: queue.Queue = queue.Queue(maxsize=2 * self.settings.workers)
        context = {"tenancy": tenancy_id, "since": since, "until": until, "deadline": deadline, "stop_new": stop_new,
                   "owner": owner_id(), "now": sh.now()}  # fmt: skip
        workers = [threading.Thread(target=self._worker, args=(work, pages, context), daemon=True)
                   for _ in range(min(self.settings.workers, len(plan)))]  # fmt: skip
        for worker in workers:
            worker.start()
        running = len(workers)
        send_deadline = None if deadline is None else deadline - 2.0
        while running:
            kind, state, payload = pages.get()
            if kind == "stop":
                running -= 1
            elif kind == "page":
                self._deliver(state, payload, send_deadline, report)
            else:
                self._finish(state, payload, report)
            if self.progress is not None:
                self.progress(report.shards_done, report.shards_total, report.events)
        report.api_calls, report.throttled = self.counter.calls, self.counter.throttled
        return report

    def _worker(self, work: queue.Queue, pages: queue.Queue, context: dict[str, Any]) -> None:
        try:
            while True:
                try:
                    shard = work.get_nowait()
                except queue.Empty:
                    return
                if context["stop_new"] is not None and time.monotonic() >= context["stop_new"]:
                    pages.put(("end", _State(shard), "deferred: the run's deadline is near"))
                    continue
                self._read_shard(shard, pages, context)
        finally:
            pages.put(("stop", None, None))

    def _read_shard(self, shard: sh.Shard, pages: queue.Queue, context: dict[str, Any]) -> None:
        state = _State(shard)
        settings, deadline = self.settings, context["deadline"]
        try:
            if context["since"] is not None:
                window = sh.Window(context["since"], context["until"] or context["now"])
            else:
                end = context["now"]
                if self.store is not None:
                    lag = settings.lag_minutes * 60.0
                    lease = LEASE_SECONDS if deadline is None else max(deadline - time.monotonic(), 1.0) + 5.0
                    state.ledger = Ledger(self.store, shard.key, context["owner"], lease, lag)
                    busy = state.ledger.claim(end)
                    if busy:
                        state.ledger = None
                        pages.put(("end", state, f"skipped: {busy}"))
                        return
                    start = state.ledger.next_start
                else:
                    start = None
                window = sh.Window(start or end - timedelta(minutes=settings.lookback_minutes), end)
            window = sh.align(shard, window, settings)
            state.window = window
            seen = state.ledger.seen if state.ledger is not None else {}
            open_ended = shard.source == "cloudguard" and context["since"] is None
            taken: set[str] = set()  # ids read in this run (checkpointed shards only: a backfill keeps none)
            remember = state.ledger is not None
            if window.start < window.end:
                read_deadline = None if deadline is None else deadline - RESERVE_SECONDS
                reading = sh.read(shard, window, settings, self.clients, context["tenancy"], read_deadline,
                                  self.counter, open_ended)  # fmt: skip
                for events in reading:
                    state.read += len(events)
                    if not remember:  # a backfill: every event goes, nothing is remembered
                        sh.complete(shard, events, self.clients, read_deadline, self.counter)
                        pages.put(("page", state, (events, {})))
                        continue
                    fresh, marks = [], {}
                    for event in events:
                        event_id, moment, is_open = sh.mark(event)
                        moment = window.end.timestamp() if moment is None else moment
                        if is_open:
                            state.floor = moment if state.floor is None else min(state.floor, moment)
                        if event_id is not None:
                            marks[event_id] = moment
                            if event_id in seen or event_id in taken:
                                state.repeats += 1
                                continue
                            taken.add(event_id)
                        fresh.append(event)
                    sh.complete(shard, fresh, self.clients, read_deadline, self.counter)
                    pages.put(("page", state, (fresh, marks)))
            pages.put(("end", state, None))
        except (ApiFailure, CheckpointError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            if deadline is not None and time.monotonic() >= deadline - RESERVE_SECONDS:
                pages.put(("end", state, f"deferred: the run's deadline came while reading ({reason})"))
            else:
                pages.put(("end", state, f"failed: {reason}"))
        except Exception as exc:  # a bug must not hang the run: the shard is reported, the others go on
            log.exception("collecting %s", shard.key)
            pages.put(("end", state, f"failed: {type(exc).__name__}: {exc}"))

    def _deliver(self, state: _State, payload: tuple[list[dict], dict[str, float]], deadline: float | None,
                 report: Report) -> None:  # fmt: skip
        events, marks = payload
        if events:
            summary = self.pipeline.process_items(events, deadline, region=state.shard.region)
            report.add(state.shard, summary)
            if not summary.ok:
                state.undelivered = True
        if not state.undelivered:
            state.marks.update(marks)  # delivered, kept, or repeats: all seen
        if state.ledger is not None:
            state.ledger.renew()

    def _finish(self, state: _State, outcome: str | None, report: Report) -> None:
        shard, ledger = state.shard, state.ledger
        if outcome is None and state.undelivered:
            outcome = "failed: some events were neither delivered nor kept"
        try:
            if ledger is not None and outcome is None:
                ledger.commit(state.window.end, state.marks, state.floor)
            elif ledger is not None:
                ledger.release(state.window.start if state.window else sh.now(), state.marks)
        except (Conflict, CheckpointError) as exc:
            outcome = f"failed: checkpoint not moved: {exc}"
        report.finish(shard, state.read, state.repeats, state.window, outcome)
        if outcome is not None and not outcome.startswith(("skipped", "deferred")):
            log.warning("collect %s: %s", shard.key, outcome)


class _State:
    """One shard's progress in this run."""

    __slots__ = ("shard", "ledger", "window", "marks", "floor", "read", "repeats", "undelivered")

    def __init__(self, shard: sh.Shard):
        self.shard = shard
        self.ledger: Ledger | None = None
        self.window: sh.Window | None = None
        self.marks: dict[str, float] = {}  #: ids delivered (or kept, or repeats) -> event time
        self.floor: float | None = None  #: earliest last-detection of an OPEN problem (Cloud Guard)
        self.read = 0
        self.repeats = 0
        self.undelivered = False


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """`--since/--until`: RFC 3339 (`2026-11-01T00:00:00Z`), a date (`2026-11-01`, UTC midnight), or a
    duration before now (`90m`, `36h`, `30d`).

    Raises:
        ValueError: naming what was expected.
    """
    raw = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if raw[:-1].isdigit() and raw[-1:] in units:
        return (now or sh.now()) - timedelta(**{units[raw[-1]]: int(raw[:-1])})
    moment = parse_time(raw)
    if moment is None:
        raise ValueError(
            f"expected an RFC 3339 time, a date (YYYY-MM-DD) or a duration like 90m, 36h, 30d; got {text!r}"
        )
    return moment
