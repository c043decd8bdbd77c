"""What a collection run's shards pass from the reading threads to the delivering one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from forwarder.collect.ledger import Ledger
from forwarder.retry import describe
from forwarder.sources.pull import Shard, Window

log = logging.getLogger("forwarder")

#: Why a shard stopped when the run was asked to stop (Ctrl-C).
STOPPED = "the run was interrupted"


class Context(NamedTuple):
    """What every shard of one run shares."""

    targets: dict[str, Any]  #: shard.tenancy -> its `estate.Target`
    names: dict[str, str | None]  #: shard.tenancy -> the tenancy's own name (None: unread)
    since: datetime | None  #: a backfill's window, else None
    until: datetime | None
    deadline: float | None  #: time.monotonic()
    stop_new: float | None  #: no shard is started after this (time.monotonic())
    owner: str  #: the lease owner (`ledger.owner_id`)
    now: datetime  #: the end of every poller window of this run
    stop: threading.Event | None  #: set: the run was asked to stop (Ctrl-C)
    ending: threading.Event | None = None  #: set: the delivering thread is done; readers waiting leave

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


class Page(NamedTuple):
    """Events read from one shard, and their marks (event id -> event time) for the checkpoint."""

    state: State
    events: list[dict]
    marks: dict[str, float]
    commit: Callable[[], None] | None = None  #: a stream's: commit the group cursor once delivered
    done: threading.Event | None = None  #: set once the page was delivered (or not): its reader goes on


class End(NamedTuple):
    """A shard's last word: `outcome` None when its window was read whole, else why not."""

    state: State
    outcome: str | None


class State:
    """One shard's progress in this run."""

    __slots__ = ("shard", "ledger", "window", "marks", "floor", "read", "repeats", "undelivered")

    def __init__(self, shard: Shard):
        self.shard = shard
        self.ledger: Ledger | None = None
        self.window: Window | None = None
        self.marks: dict[str, float] = {}  #: ids delivered (or kept, or repeats) -> event time
        self.floor: float | None = None  #: earliest last-detection of an OPEN problem (Cloud Guard)
        self.read = 0
        self.repeats = 0
        self.undelivered = False


def complete(reader, shard: Shard, events: list[dict], scope) -> None:
    """Fill in what a listing leaves out of the events a run sends (in place); what cannot be read is
    logged and sent as listed. Raises retry.Failure (transient, outlasting its retries)."""
    for line in reader.complete(shard, events, scope):
        log.warning("collect %s: sent as listed, GetProblem failed: %s", shard.key, line)


def crashed(shard: Shard, exc: Exception) -> End:
    log.error("collecting %s: %s", shard.key, describe(exc))
    return End(State(shard), f"failed: {describe(exc)}")
