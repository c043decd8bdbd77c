"""One shard's checkpoint during a run: claim it (a lease), renew the lease, then commit or release.

The document and its rules are described in `forwarder.delivery.checkpoints`. Here:
- `claim()` takes the lease unless another run holds a live one (it has not expired, and when it was
  taken on this host its process is still running), with a conditional write: of two runs at once,
  exactly one gets the shard;
- `commit(end, marks, floor)` after every event of the window was delivered or dead-lettered: the
  checkpoint moves to `end`, the next window starts at `min(end - lag, floor)`, and `seen` keeps the
  ids the next window can return again;
- `release(marks)` when the shard stopped early (deadline, API failure, undelivered events): the
  checkpoint stays, but the ids already delivered join `seen`, so the next run does not send them twice.
Checkpoints only move after delivery; a run killed at any moment leaves the last committed one.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.collect.checkpoints import Conflict
from forwarder.normalize.timeparse import parse_time

_HOST = socket.gethostname()


def owner_id() -> str:
    """This run's lease owner: `<host>:<pid>:<random>`."""
    return f"{_HOST}:{os.getpid()}:{os.urandom(4).hex()}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _alive(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit():
        return True  # another host: only the expiry tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Ledger:
    """The checkpoint of one shard in a store (`checkpoints.BucketStore` or `FileStore`).

    Args:
        store, key: where the checkpoint lives.
        owner: this run's `owner_id()`.
        lease_seconds: how long a claim holds without renewal (renewed at half-time by `renew`).
        lag_seconds: how far the next window reaches back before the checkpoint.
    Raises (every method but `renew`):
        checkpoints.CheckpointError: the store cannot be read or written.
    """

    def __init__(self, store, key: str, owner: str, lease_seconds: float, lag_seconds: float):
        self.store = store
        self.key = key
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.lag = lag_seconds
        self.document: dict[str, Any] = {}
        self.etag: str | None = None
        self.lease_until = 0.0
        self._lock = threading.Lock()

    @property
    def next_start(self) -> datetime | None:
        """Where the next window starts (None: no checkpoint yet)."""
        return parse_time(self.document.get("next"))

    @property
    def seen(self) -> dict[str, float]:
        seen = self.document.get("seen")
        return seen if isinstance(seen, dict) else {}

    def claim(self, window_end: datetime) -> str | None:
        """Take the lease; None when taken, else why not (another run holds it)."""
        document, etag = self.store.read(self.key)
        lease = (document or {}).get("lease")
        if isinstance(lease, dict) and lease.get("owner") != self.owner:
            if float(lease.get("until") or 0) > time.time() and _alive(str(lease.get("owner"))):
                until = _iso(datetime.fromtimestamp(lease["until"], UTC))
                return f"held by another run ({lease.get('owner')}) until {until}"
        self.document = dict(document or {})
        self.etag = etag
        try:
            self._write(lease={"windowEnd": _iso(window_end)})
        except Conflict:
            return "claimed by another run at the same moment"
        return None

    def renew(self) -> None:
        """Extend the lease when less than half of it is left (best effort: the claim still holds until it ends)."""
        if self.lease_until - time.time() > self.lease_seconds / 2:
            return
        try:
            self._write(lease=self.document.get("lease") or {})
        except Exception:  # Conflict or a store failure: commit will tell
            pass

    def commit(self, end: datetime, marks: dict[str, float], floor: float | None) -> None:
        """Move the checkpoint to `end` and end the lease.

        Raises:
            checkpoints.Conflict: another run took the shard after this run's lease ran out.
        """
        next_start = end.timestamp() - self.lag
        if floor is not None:
            next_start = min(next_start, floor)
        seen = {**self.seen, **marks}
        moved = {
            "end": _iso(end),
            "next": _iso(datetime.fromtimestamp(next_start, UTC)),
            "seen": {i: t for i, t in seen.items() if t >= next_start},
            "floor": floor,
        }
        self._write(lease=None, changes=moved)  # the document changes only once it is written

    def release(self, start: datetime, marks: dict[str, float]) -> None:
        """End the lease without moving the checkpoint; remember `marks` (delivered) as seen.
        `start` is this window's start: the next window starts there again."""
        self._write(
            lease=None, changes={"next": self.document.get("next") or _iso(start), "seen": {**self.seen, **marks}}
        )

    def _write(self, lease: dict[str, Any] | None, changes: dict[str, Any] | None = None) -> None:
        with self._lock:
            document = {**self.document, **(changes or {})}
            if lease is not None:
                until = time.time() + self.lease_seconds
                document["lease"] = {**lease, "owner": self.owner, "until": until}
            else:
                document["lease"] = None
                until = 0.0
            document["updated"] = _iso(datetime.now(UTC))
            self.etag = self.store.write(self.key, document, self.etag)
            self.document = document
            self.lease_until = until
