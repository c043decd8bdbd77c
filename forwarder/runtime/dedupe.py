"""Memory of ids already handled, so work retried by the platform is not done twice.

Connector Hub re-sends a whole batch when an invocation fails, and Events delivers at least once.
A route remembers the event ids its sink took (DELIVERED) and those it kept as dead letters (KEPT);
the parse step remembers rejected parts; the ticket tracker the events it handled. Bounded: the
oldest ids are forgotten first. Per container (a new container starts empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

DELIVERED = "delivered"
KEPT = "kept"
HANDLED = "handled"

#: Ids remembered per memory.
SIZE = 10_000


class Memory:
    """A bounded map of id -> outcome (DELIVERED, KEPT, HANDLED), newest last: it keeps at least the
    newest `size` ids and at most half as many more (it is trimmed back to `size` when it reaches that).

    Example:
        >>> m = Memory(2); m.remember(["a", "b", "c", "d"], DELIVERED); (m.get("a"), m.get("c"), m.get("d"))
        (None, 'delivered', 'delivered')
    """

    def __init__(self, size: int = SIZE):
        self.size = size
        self._ids: dict[str, str] = {}  # insertion-ordered: oldest first
        self.get = self._ids.get  #: `get(key)`: the outcome remembered for `key`, or None (the dict's own, fast)

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def remember(self, keys: Iterable[str], outcome: str) -> None:
        """Remember `keys` with `outcome` (a later outcome replaces an earlier one and counts as newest)."""
        keys = list(keys)
        ids = self._ids
        for key in ids.keys() & keys:  # usually none: ids seen again move to the end
            del ids[key]
        ids.update(dict.fromkeys(keys, outcome))
        if len(ids) > self.size + self.size // 2:  # trimmed now and then, not at every call
            for key in list(islice(ids, len(ids) - self.size)):  # the oldest
                del ids[key]
