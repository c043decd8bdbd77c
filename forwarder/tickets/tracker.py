"""The ticket policy (`Tracker`): which events open, update or resolve a ticket, once per problem.

See `forwarder.tickets` for the policy and the face of a ticket system.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from forwarder.normalize.record import RISK_LEVELS, Kind, Lifecycle, Record
from forwarder.retry import Failure, describe
from forwarder.runtime import dedupe
from forwarder.tickets.content import problem_key

log = logging.getLogger("forwarder")


class TicketSystem(Protocol):
    name: str
    can_find: bool

    def find(self, key: str, deadline: float | None) -> str | None: ...

    def create(self, key: str, record: Record, deadline: float | None) -> str: ...

    def update(self, ref: str, key: str, record: Record, deadline: float | None) -> None: ...

    def resolve(self, ref: str, key: str, record: Record, deadline: float | None) -> bool: ...


@dataclass
class TicketOutcome:
    """What the tracker did for one event. `action`: opened, updated, resolved, none or failed."""

    event_id: str
    problem_id: str | None
    system: str
    action: str
    ticket: str | None = None
    reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.action == "failed"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "eventId": self.event_id,
            "problemId": self.problem_id,
            "system": self.system,
            "action": self.action,
            "ticket": self.ticket,
            "reason": self.reason,
        }


def at_or_above(risk_level: str | None, minimum: str) -> bool:
    """True when `risk_level` (upper case) is `minimum` or more severe; unknown levels are not."""
    if risk_level not in RISK_LEVELS:
        return False
    return RISK_LEVELS.index(risk_level) <= RISK_LEVELS.index(minimum)


class Tracker:
    """Applies the ticket policy for each record through one `TicketSystem`.

    Args:
        system: the ticket API adapter.
        min_risk: the lowest risk level that opens a ticket (upper case), CRITICAL by default.
    """

    def __init__(self, system: TicketSystem, min_risk: str = "CRITICAL"):
        self.system = system
        self.min_risk = min_risk
        self._handled = dedupe.Memory()  # event ids handled by this container
        self._opened: dict[str, str] = {}  # problem key -> ticket this container opened

    def handle(self, record: Record, deadline: float | None = None) -> TicketOutcome | None:
        """Open, update or resolve the ticket of a problem event; None for events that are not problems.

        Never raises: a failed call, an answer the API does not document, or a bug in an adapter is an
        outcome with action "failed" and the reason, so the other events of the batch still get theirs.
        """
        if not ((record.kind is Kind.PROBLEM and record.problem_id) or record.kind is Kind.DETECTION):
            return None
        outcome = TicketOutcome(record.event_id, record.problem_id, self.system.name, "none")
        if record.event_id in self._handled:
            outcome.reason = "duplicate delivery of an event already handled"
            return outcome
        key = problem_key(record)
        try:
            self._apply(record, key, outcome, deadline)
        except Exception as exc:  # Failure, or an adapter bug: reported, never raised into the batch
            reason = exc.reason if isinstance(exc, Failure) else f"ticket adapter error: {describe(exc)}"
            outcome.action, outcome.ticket, outcome.reason = "failed", None, reason
            log.error("ticket for problem %s (event %s): %s", record.problem_id, record.event_id, reason)
            return outcome
        self._handled.remember([record.event_id], dedupe.HANDLED)
        return outcome

    def _find(self, key: str, deadline: float | None) -> str | None:
        # The container's own memory first: search indexes (Jira) are eventually consistent.
        if key in self._opened:
            return self._opened[key]
        return self.system.find(key, deadline) if self.system.can_find else None

    def _apply(self, record: Record, key: str, outcome: TicketOutcome, deadline: float | None) -> None:
        if record.lifecycle in (Lifecycle.REMEDIATED, Lifecycle.DISMISSED):
            ref = self._find(key, deadline)
            if ref is None and not self.system.can_find and at_or_above(record.risk_level, self.min_risk):
                ref = key  # PagerDuty: resolving by dedup key is safe when it may have been opened
            if ref is None:
                outcome.reason = "no open ticket for this problem"
                return
            resolved = self.system.resolve(ref, key, record, deadline)
            self._opened.pop(key, None)
            outcome.ticket = ref
            outcome.action = "resolved" if resolved else "none"
            outcome.reason = None if resolved else "ticket already resolved"
            return
        if not at_or_above(record.risk_level, self.min_risk):
            outcome.reason = f"risk level {record.risk_level or 'unknown'} is below {self.min_risk}"
            return
        ref = self._find(key, deadline)
        if ref is None:
            ref = self.system.create(key, record, deadline)
            self._opened[key] = ref
            outcome.action, outcome.ticket = "opened", ref
        elif record.lifecycle is Lifecycle.DETECTED:
            outcome.ticket, outcome.reason = ref, "ticket already open"
        else:
            self.system.update(ref, key, record, deadline)
            outcome.action, outcome.ticket = "updated", ref
