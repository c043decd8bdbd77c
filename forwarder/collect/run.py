"""A collection run: plan the shards, read them concurrently, deliver page by page, then checkpoint.

Worker threads (at most COLLECT_WORKERS, `forwarder.oci.fanout`) read shards from the OCI APIs, a few
pages ahead; the calling thread sends each page through the pipeline (the same normalize -> deliver ->
dead-letter -> tickets path as pushed events) and moves a shard's checkpoint only once every event of
its window was delivered or kept. So memory stays bounded (queue length x page size) and sinks are
used from one thread, as in the function.

Poller runs read from each shard's checkpoint (or the look-back) to now, leased so two runs never read
one window at once, dropping events already seen. A backfill (`since`/`until`) reads that window only
and neither reads nor moves checkpoints. A run stops taking new shards once less than a third of its
time is left, and stops reading a shard when RESERVE_SECONDS are left: what it did not finish, the
next run does. Several tenancies (`estate`) are planned at once and their shards read side by side;
a stream's shard is read by `stream` (its consumer group is its checkpoint).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from forwarder.collect import estate, stream
from forwarder.collect import shards as sh
from forwarder.collect.checkpoints import CheckpointError, Conflict
from forwarder.collect.ledger import Ledger, owner_id
from forwarder.collect.outcome import Outcome
from forwarder.collect.steps import STOPPED, Context, End, Page, State, complete, crashed
from forwarder.oci.auth import AuthError
from forwarder.oci.calls import Counter
from forwarder.oci.fanout import fan_out
from forwarder.retry import Failure, describe
from forwarder.sources.pull import source

log = logging.getLogger("forwarder")

#: Seconds before the deadline at which reading stops (checkpoints and answers still need time).
RESERVE_SECONDS = 8.0
#: Lease of a claimed shard when the run has no deadline (renewed while the shard is worked on).
LEASE_SECONDS = 300.0


class Collector:
    """Runs collections through one pipeline.

    Args:
        settings: `forwarder.settings.CollectSettings`.
        pipeline: the `pipeline.Pipeline` records go through.
        clients: `oci.clients.Clients` (the principal and endpoints).
        store: a checkpoint store (`delivery.checkpoints`), or None: poller runs then read the
            look-back window and remember nothing.
        progress: called as `progress(shards_done, shards_total, events)` after each page and shard.
        tenancies: the tenancies read (`tenancies.Tenancy`), or None: COLLECT_TENANCIES, else the
            single tenancy of the settings.
        vault_clients: the clients that read API keys' Vault secrets (the function's principal).
    """

    def __init__(
        self,
        settings,
        pipeline,
        clients,
        store=None,
        progress: Callable[[int, int, int], None] | None = None,
        tenancies=None,
        vault_clients=None,
    ):
        self.settings = settings
        self.pipeline = pipeline
        self.clients = clients
        self.store = store
        self.progress = progress
        self.tenancies = tenancies if tenancies is not None else settings.tenancies
        self.vault_clients = vault_clients
        self.counter = Counter()
        self.names: dict[str, str] = {}  #: tenancy OCID -> its name (GetTenancy), kept by the container

    def run(
        self,
        sources: tuple[str, ...],
        since: datetime | None = None,
        until: datetime | None = None,
        regions: tuple[str, ...] | None = None,
        deadline: float | None = None,
        stop: threading.Event | None = None,
    ) -> Outcome:
        """Collect `sources` (a subset of `forwarder.sources.COLLECTED`) once. Never raises for API or sink failures.

        Args:
            since, until: a backfill window (aware datetimes); None: poll from the checkpoints.
            regions: regions to read; None: COLLECT_REGIONS, else every subscribed region.
            deadline: `time.monotonic()` by which the run must end, or None.
            stop: once set (the CLI's Ctrl-C), no shard starts and each shard stops after its page in
                flight; pages already read are still delivered, and the stopped shards are released
                without moving (deferred), as at a deadline.
        """
        outcome = Outcome(backfill=since is not None, estate=self.tenancies is not None)
        started = time.monotonic()
        self.counter = Counter()  # this run's calls (a function container runs many)
        if self.store is not None and hasattr(self.store, "deadline"):  # a bucket: its calls end with the run
            self.store.deadline = deadline
        try:
            targets, errors = estate.resolve(self.tenancies, self.settings, self.clients, self.vault_clients)
        except AuthError as exc:
            outcome.errors.append(str(exc))
            return outcome
        outcome.errors += errors
        plan, names = [], {}
        # tenancies are planned at once, each within a quarter of the run: one throttled or slow
        # tenancy cannot hold the others back
        planning = None if deadline is None else started + (deadline - started) / 4
        for target in targets:  # the summary lists them in the configured order
            outcome.tenancy(target, None)
        for target, (name, shards, errors) in fan_out(
            targets,
            lambda target: [estate.plan(target, self.settings, sources, regions, planning, self.counter, self.names)],
            self.settings.workers,
            on_error=lambda target, exc: (None, [], [f"planning failed: {describe(exc)}"]),
        ):
            names[target.prefix] = outcome.tenancies[target.prefix]["tenancyName"] = name
            plan += shards
            outcome.errors += [f"{target.label}: {e}" if outcome.estate else e for e in errors]
            outcome.tenancy_errors(target, errors)
        order = {target.prefix: i for i, target in enumerate(targets)}
        plan.sort(key=lambda shard: order[shard.tenancy])  # the configured order, whichever planned first
        outcome.shards_total = len(plan)
        named = {s for s in sources if source(s, self.settings).of_tenancy}  # a stream's records keep their own
        context = Context(
            {target.prefix: target for target in targets},
            names,
            since,
            until,
            deadline,
            None if deadline is None else deadline - (deadline - started) / 3,
            owner_id(),
            sh.now(),
            stop,
            threading.Event(),
        )
        send_deadline = None if deadline is None else deadline - 2.0
        steps = fan_out(plan, lambda shard: self._read_shard(shard, context), self.settings.workers, on_error=crashed)
        try:
            for _, step in steps:
                if isinstance(step, Page):
                    shard = step.state.shard
                    target = context.targets[shard.tenancy]
                    tenancy = (target.tenancy, names[target.prefix]) if shard.source in named else None
                    self._deliver(step, send_deadline, outcome, tenancy)
                else:
                    self._finish(step.state, step.outcome, outcome)
                if self.progress is not None:
                    self.progress(outcome.shards_done, outcome.shards_total, outcome.events)
        finally:  # a reader waiting for its page's delivery leaves, then every worker has ended
            context.ending.set()
            steps.close()
        outcome.api_calls, outcome.throttled = self.counter.calls, self.counter.throttled
        outcome.interrupted = context.stopped()
        return outcome

    def _read_shard(self, shard: sh.Shard, context: Context) -> Iterator[Page | End]:
        """One shard's pages, then its End (runs on a worker thread; reports every failure as the End)."""
        if shard.source == "stream":  # the consumer group is its checkpoint
            yield from stream.read(self, shard, context, RESERVE_SECONDS)
            return
        state = State(shard)
        settings, deadline = self.settings, context.deadline
        if context.stop_new is not None and time.monotonic() >= context.stop_new:
            yield End(state, "deferred: the run's deadline is near")
            return
        if context.stopped():
            yield End(state, f"deferred: {STOPPED}")
            return
        try:
            if context.since is not None:
                window = sh.Window(context.since, context.until or context.now)
            else:
                end = context.now
                if self.store is not None:
                    lag = settings.lag_minutes * 60.0
                    lease = LEASE_SECONDS if deadline is None else max(deadline - time.monotonic(), 1.0) + 5.0
                    state.ledger = Ledger(self.store, shard.key, context.owner, lease, lag)
                    busy = state.ledger.claim(end)
                    if busy:
                        state.ledger = None
                        yield End(state, f"skipped: {busy}")
                        return
                    start = state.ledger.next_start
                else:
                    start = None
                window = sh.Window(start or end - timedelta(minutes=settings.lookback_minutes), end)
            reader = source(shard.source, settings)
            window = reader.align(window)
            state.window = window
            seen = state.ledger.seen if state.ledger is not None else {}
            open_ended = reader.polled_open_ended and context.since is None
            taken: set[str] = set()  # ids read in this run (checkpointed shards only: a backfill keeps none)
            remember = state.ledger is not None
            if window.start < window.end:
                read_deadline = None if deadline is None else deadline - RESERVE_SECONDS
                target = context.targets[shard.tenancy]
                where = (target.tenancy, target.home, read_deadline, self.counter, target.compartment)
                scope = sh.Scope(settings, target.clients, *where)
                for events in reader.read(shard, window, scope, open_ended):
                    state.read += len(events)
                    fresh, marks = events, {}
                    if remember:  # else a backfill: every event goes, nothing is remembered
                        fresh = []
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
                    complete(reader, shard, fresh, scope)
                    yield Page(state, fresh, marks)
                    if context.stopped():
                        yield End(state, f"deferred: {STOPPED}")
                        return
            yield End(state, None)
        except (Failure, CheckpointError, ValueError, AuthError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            if deadline is not None and time.monotonic() >= deadline - RESERVE_SECONDS:
                yield End(state, f"deferred: the run's deadline came while reading ({reason})")
            else:
                yield End(state, f"failed: {reason}")
        except Exception as exc:  # a bug must not hang the run: the shard is reported, the others go on
            log.exception("collecting %s", shard.key)
            yield End(state, f"failed: {describe(exc)}")

    def _deliver(self, page: Page, deadline: float | None, outcome: Outcome, tenancy: tuple | None) -> None:
        try:
            self._deliver_page(page, deadline, outcome, tenancy)
        finally:
            if page.done is not None:
                page.done.set()

    def _deliver_page(self, page: Page, deadline: float | None, outcome: Outcome, tenancy: tuple | None) -> None:
        state = page.state
        if page.events:
            summary = self.pipeline.process_items(page.events, deadline, region=state.shard.region, tenancy=tenancy)
            outcome.add(state.shard, summary)
            if not summary.ok:
                state.undelivered = True
        if not state.undelivered:
            state.marks.update(page.marks)  # delivered, kept, or repeats: all seen
            if page.commit is not None:
                try:
                    page.commit()
                except Failure as exc:  # the messages come again (at least once): none is lost
                    state.undelivered = True
                    log.warning("collect %s: the cursor was not committed: %s", state.shard.key, exc.reason)
        if state.ledger is not None:
            state.ledger.renew()

    def _finish(self, state: State, problem: str | None, outcome: Outcome) -> None:
        """Move the shard's checkpoint when its window was read and delivered whole (`problem` None), else
        end its lease without moving it; a checkpoint that could not be moved fails the shard, and its
        lease is still given back, so the next run (another container, maybe) reads the shard again."""
        shard, ledger = state.shard, state.ledger
        if problem is None and state.undelivered:
            problem = "failed: some events were neither delivered nor kept"
        if ledger is not None:
            start = state.window.start if state.window else sh.now()
            try:
                if problem is None:
                    ledger.commit(state.window.end, state.marks, state.floor)
                else:
                    ledger.release(start, state.marks)
            except Conflict as exc:  # another run holds the shard now: its lease is not ours to end
                problem = f"failed: checkpoint not moved: {exc}"
            except CheckpointError as exc:
                problem = f"failed: checkpoint not moved: {exc}"
                try:
                    ledger.release(start, state.marks)
                except (Conflict, CheckpointError) as again:
                    log.warning("collect %s: the lease could not be given back either: %s", shard.key, again)
        outcome.finish(shard, state.read, state.repeats, state.window, problem)
        if problem is not None and not problem.startswith(("skipped", "deferred")):
            log.warning("collect %s: %s", shard.key, problem)
