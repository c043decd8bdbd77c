"""Correlation windows: per rule and group, the matching events not yet part of a detection.

One algorithm, two homes: `MemoryState` (this container only: approximate when events of one window
reach several containers) and `RedisState` (`DETECTION_STATE_URL`: every container and the collector
share the windows; the same algorithm as a Lua script, so two processes adding at once fire once).

For one rule and group, `add(members)` keeps each event (by id: a repeat is not counted twice; for distinct
counts, one event per value and time, as more change no count) unless
it falls in a window that already fired, then looks for the earliest window of `timespan` seconds
holding enough events (event_count), distinct values (value_count) or every rule (temporal; in the rules'
order for temporal_ordered): such a window fires once; the
events of that window, and later ones until the window's end, belong to it and fire nothing more.
Times are event times (ms), so a collection run that reads a past hour counts it as it happened. Events
more than HORIZON seconds older than the newest one of the group are no longer counted.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import NamedTuple

#: How long (s) events stay counted behind the newest of their group: late and interleaved events.
HORIZON = 24 * 3600
#: Most groups a MemoryState keeps; the least recently used tenth goes beyond it.
MAX_GROUPS = 100_000


class Member(NamedTuple):
    """One matching event: time (ms since the epoch), event id, counted value ("" for event_count)."""

    time: int
    event_id: str
    value: str


class Window(NamedTuple):
    """What a group's window holds: its threshold (op "gte"/"gt", count), span (s), distinct values or not,
    and for `temporal_ordered` (values "0", "1", ...: the position of the rule that matched) whether the
    values must also appear in that order."""

    span: int
    op: str
    count: int
    distinct: bool
    ordered: bool = False

    def holds(self, n: int) -> bool:
        return n >= self.count if self.op == "gte" else n > self.count


def find_windows(members: list[Member], window: Window) -> tuple[list[list[Member]], list[Member], int | None]:
    """Split time-sorted pending members into fired windows.

    Returns:
        (fired windows, members still pending, end of the last fired window in ms or None).
    """
    span = window.span * 1000
    fired, until = [], None
    start = 0
    while True:
        found = None
        values: Counter[str] = Counter()
        end = start
        for i in range(start, len(members)):
            limit = members[i].time + span
            while end < len(members) and members[end].time <= limit:
                values[members[end].value] += 1
                end += 1
            n = len(values) if window.distinct else end - i
            if window.holds(n) and (not window.ordered or in_order(members, i, end, window.count)):
                found = i
                break
            values[members[i].value] -= 1
            if not values[members[i].value]:
                del values[members[i].value]
        if found is None:
            return fired, members[start:], until
        fired.append(members[found:end])
        until = members[found].time + span
        start = end


def in_order(members: list[Member], start: int, end: int, count: int) -> bool:
    """True when members[start:end] (time-sorted) hold the values "0", "1", ... count-1 in that order."""
    want = 0
    for i in range(start, end):
        if members[i].value == str(want):
            want += 1
            if want == count:
                return True
    return False


class MemoryState:
    """Windows in this container's memory (thread-safe: the collector's workers share it)."""

    name = "memory"
    warning = None

    def __init__(self):
        #: key -> (pending by (event id, value), or by (time, "", value) for distinct counts, end of the last
        #: fired window, newest time), times in ms
        self._groups: dict[str, tuple[dict[tuple, Member], int, int]] = {}
        import threading  # here, not at import: the cold start of a function without windows does not pay it

        self._lock = threading.Lock()

    def add_many(self, entries: list[tuple[str, Window, list[Member]]]) -> list[list[list[Member]]]:
        """`add` for several groups (key, window, members); per entry, the windows that fired."""
        return [self.add(key, window, members) for key, window, members in entries]

    def close(self) -> None:
        pass

    def add(self, key: str, window: Window, members: list[Member]) -> list[list[Member]]:
        """Add a group's matching events; returns the windows that fired (each a list of members)."""
        with self._lock:
            pending, until, newest = self._groups.get(key, ({}, -(2**62), -(2**62)))
            for m in members:
                if m.time > until:
                    pending.setdefault(_pending_key(m, window.distinct), m)
                    newest = max(newest, m.time)
            floor = newest - (window.span + HORIZON) * 1000
            ordered = sorted(
                (m for m in pending.values() if m.time >= floor), key=lambda m: (m.time, m.event_id, m.value)
            )
            fired, rest, end = find_windows(ordered, window)
            if end is not None:
                until = end
            self._groups.pop(key, None)  # re-inserted last: the dict's order is least recently used first
            self._groups[key] = ({_pending_key(m, window.distinct): m for m in rest}, until, newest)
            if len(self._groups) > MAX_GROUPS:
                for stale in list(self._groups)[: MAX_GROUPS // 10]:
                    del self._groups[stale]
            return fired


def _pending_key(m: Member, distinct: bool) -> tuple:
    """A pending event's key: its id (a redelivery is kept once), or for distinct counts its time and value
    (another event of one value at the same time changes no count)."""
    return (m.time, "", m.value) if distinct else (m.event_id, m.value)


@lru_cache(maxsize=65536)  # a batch's events share their groups (one source address, one principal)
def group_key(rule_id: str, values: tuple[str, ...]) -> str:
    """The state key of one rule and group: `<rule id>:<digest of the group-by values>`."""
    import hashlib

    # surrogatepass: any code point a decoder lets through keys a group (the input path makes them U+FFFD)
    digest = hashlib.sha256("\x1f".join(values).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"{rule_id}:{digest}"
