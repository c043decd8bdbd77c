"""What one invocation did: per sink, how many events were delivered, dead-lettered or failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from forwarder.runtime.scrub import scrub

#: Most failure entries listed in a summary; the count of all is always given.
MAX_LISTED_FAILURES = 50


class SummaryDict(TypedDict):
    """The JSON answer of an invocation (and of `replay`, per file)."""

    ok: bool
    received: int
    delivered: dict[str, int]
    deadLettered: dict[str, int]
    failed: dict[str, int]
    failures: list[dict[str, str | None]]
    deadLetters: list[dict[str, Any]]
    errors: list[str]
    tickets: list[dict[str, str | None]]


@dataclass
class Summary:
    """Per sink: delivered, dead-lettered (kept, now or by an earlier invocation) or failed.

    For every sink, delivered + dead-lettered + failed equals the events received as objects; parts of
    the body that are not events are counted under the sink "parse". `ok` is True when nothing failed:
    every event was delivered or kept.
    """

    received: int = 0
    delivered: dict[str, int] = field(default_factory=dict)
    dead_lettered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str | None]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tickets: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(self.failed.values())

    def fail(self, sink: str, event_id: str | None, reason: str) -> None:
        self.failed[sink] = self.failed.get(sink, 0) + 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"sink": sink, "eventId": event_id, "reason": scrub(reason)})

    def count(self, table: dict[str, int], sink: str, n: int) -> None:
        table[sink] = table.get(sink, 0) + n

    def to_dict(self) -> SummaryDict:
        """JSON-ready summary.

        Shape: {"ok", "received", "delivered": {sink: n}, "deadLettered": {sink: n}, "failed": {sink: n},
        "failures": [{"sink", "eventId", "reason"}, ...], "deadLetters": [{"sink", "object", "count"}, ...],
        "errors": [...], "tickets": [{"eventId", "problemId", "system", "action", "ticket", "reason"}, ...]}.
        """
        return {
            "ok": self.ok,
            "received": self.received,
            "delivered": self.delivered,
            "deadLettered": self.dead_lettered,
            "failed": self.failed,
            "failures": self.failures,
            "deadLetters": self.dead_letters,
            "errors": self.errors,
            "tickets": self.tickets,
        }
