"""What a collection run's shards pass from the reading threads to the delivering one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from forwarder.collect.ledger import Ledger
from forwarder.sources.pull import Shard, Window


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

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


class Page(NamedTuple):
    """Events read from one shard, and their marks (event id -> event time) for the checkpoint."""

    state: State
    events: list[dict]
    marks: dict[str, float]
    commit: Callable[[], None] | None = None  #: a stream's: commit the group cursor once delivered


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
