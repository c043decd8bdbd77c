"""Memory of ids already handled, so work retried by the platform is not done twice.

Connector Hub re-sends a whole batch when an invocation fails, and Events delivers at least once.
A route remembers the event ids its sink took (DELIVERED) and those it kept as dead letters (KEPT);
the parse step remembers rejected parts; the ticket tracker the events it handled. Bounded: the
oldest ids are forgotten first. Per container (a new container starts empty).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

DELIVERED = "delivered"
KEPT = "kept"
HANDLED = "handled"

#: Ids remembered per memory.
SIZE = 10_000


class Memory:
    """A bounded map of id -> outcome (DELIVERED, KEPT, HANDLED), newest last.

    Example:
        >>> m = Memory(2); m.remember(["a", "b", "c"], DELIVERED); (m.get("a"), m.get("c"))
        (None, 'delivered')
    """

    def __init__(self, size: int = SIZE):
        self.size = size
        self._ids: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        """The outcome remembered for `key`, or None."""
        return self._ids.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def remember(self, keys: Iterable[str], outcome: str) -> None:
        """Remember `keys` with `outcome` (a later outcome replaces an earlier one)."""
        for key in keys:
            self._ids[key] = outcome
            self._ids.move_to_end(key)
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
