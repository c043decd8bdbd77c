"""What one invocation did: per sink, how many events were delivered, dead-lettered or failed."""

from __future__ import annotations

from typing import Any, TypedDict

from forwarder.runtime.scrub import scrub

#: Most failure entries listed in a summary; the count of all is always given.
MAX_LISTED_FAILURES = 50
#: Most dead-letter objects and ticket outcomes listed in a summary added up from batches (`Summary.add`).
MAX_LISTED = 200


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


class Summary:
    """Per sink: delivered, dead-lettered (kept, now or by an earlier invocation) or failed.

    For every sink, delivered + dead-lettered + failed + filtered equals the records made; parts of
    the body that are not events are counted under the sink "parse". `ok` is True when nothing failed:
    every event was delivered or kept.
    """

    __slots__ = (
        "received",
        "delivered",
        "dead_lettered",
        "failed",
        "filtered",
        "failures",
        "dead_letters",
        "errors",
        "tickets",
        "detection",
        "enrichment",
        "unknown_shape",
        "looked_known",
    )

    def __init__(self, errors: list[str] | None = None):  # a plain class: a dataclass costs the cold start ~1 ms
        self.received = 0
        self.delivered: dict[str, int] = {}
        self.dead_lettered: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        #: per sink, records its filter left out (by choice: neither delivered nor lost)
        self.filtered: dict[str, int] = {}
        self.failures: list[dict[str, str | None]] = []
        self.dead_letters: list[dict[str, Any]] = []
        self.errors: list[str] = list(errors or [])
        self.tickets: list[dict[str, str | None]] = []
        #: {"matched", "detections", "unevaluated", "state", "warnings"} when detection ran, else None
        self.detection: dict[str, Any] | None = None
        #: {"lookups", "cached", "missed", "off", "warnings"} when enrichment ran, else None
        self.enrichment: dict[str, Any] | None = None
        #: events of no known shape (no event type): forwarded as kind `other`, counted so it shows
        self.unknown_shape = 0
        #: events of kind `other` that carry a known shape's keys (`sources.body.looks_known`): likely misread
        self.looked_known = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not any(self.failed.values())

    def fail(self, sink: str, event_id: str | None, reason: str) -> None:
        self.failed[sink] = self.failed.get(sink, 0) + 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"sink": sink, "eventId": event_id, "reason": scrub(reason)})

    def count(self, table: dict[str, int], sink: str, n: int) -> None:
        table[sink] = table.get(sink, 0) + n

    def note_detection(
        self, matched: int, detections: int, state: str, warning: str | None, unevaluated: int = 0
    ) -> None:
        """Count what detection did: rule matches, detection records made, where windows were counted
        ("redis", or "memory": per container, also when Redis was unreachable), records no rule could
        be evaluated on (`unevaluated`), and any warning."""
        d = self.detection
        if d is None:
            d = self.detection = {"matched": 0, "detections": 0, "unevaluated": 0, "state": state, "warnings": []}
        d["matched"] += matched
        d["detections"] += detections
        d["unevaluated"] += unevaluated
        if state == "memory":
            d["state"] = state
        if warning and warning not in d["warnings"] and len(d["warnings"]) < MAX_LISTED_FAILURES:
            d["warnings"].append(warning)

    def note_enrichment(self, outcome: dict[str, Any]) -> None:
        """Add what enrichment did for one batch (`forwarder.enrich.stage.Enricher.enrich`)."""
        e = self.enrichment
        if e is None:
            e = self.enrichment = {"lookups": 0, "cached": 0, "missed": 0, "off": [], "warnings": []}
        for key in ("lookups", "cached", "missed"):
            e[key] += outcome.get(key, 0)
        e["off"] = sorted(set(e["off"]) | set(outcome.get("off", ())))
        for warning in outcome.get("warnings", ()):
            if warning not in e["warnings"] and len(e["warnings"]) < MAX_LISTED_FAILURES:
                e["warnings"].append(warning)

    def add(self, other: Summary) -> None:
        """Add another summary (of the next batch of the same input) to this one: counts add up; lists
        are kept up to MAX_LISTED_FAILURES failures and MAX_LISTED dead-letter objects and tickets,
        so a summary stays small whatever the input's size."""
        self.add_counts(other)
        self.failures += other.failures[: MAX_LISTED_FAILURES - len(self.failures)]
        self.dead_letters += other.dead_letters[: MAX_LISTED - len(self.dead_letters)]
        self.tickets += other.tickets[: MAX_LISTED - len(self.tickets)]
        self.errors += [e for e in other.errors if e not in self.errors]
        if other.enrichment is not None:
            self.note_enrichment(other.enrichment)
        if other.detection is not None:
            o = other.detection
            self.note_detection(o["matched"], o["detections"], o["state"], None, o["unevaluated"])
            for warning in o["warnings"]:
                self.note_detection(0, 0, o["state"], warning)

    def add_counts(self, other: Summary) -> None:
        """Add another summary's counts (received; per sink delivered, dead-lettered, failed), not its lists."""
        self.received += other.received
        self.unknown_shape += other.unknown_shape
        self.looked_known += other.looked_known
        for mine, theirs in (
            (self.delivered, other.delivered),
            (self.dead_lettered, other.dead_lettered),
            (self.failed, other.failed),
            (self.filtered, other.filtered),
        ):
            for sink, n in theirs.items():
                mine[sink] = mine.get(sink, 0) + n

    def to_dict(self) -> SummaryDict:
        """JSON-ready summary.

        Shape: {"ok", "received", "delivered": {sink: n}, "deadLettered": {sink: n}, "failed": {sink: n},
        "failures": [{"sink", "eventId", "reason"}, ...], "deadLetters": [{"sink", "object", "count"}, ...],
        "errors": [...], "tickets": [{"eventId", "problemId", "system", "action", "ticket", "reason"}, ...]},
        "detection": {"matched", "detections", "unevaluated", "state", "warnings"} when detection ran,
        "enrichment": {"lookups", "cached", "missed", "off", "warnings"} when enrichment ran, and
        "unknownShape": n when n events had no event type (forwarded as kind `other`), "lookedKnown": n when n
        of kind `other` carried a known shape's keys (likely misread), and "filtered": {sink: n} when a sink's
        filter left records out.
        """
        out: SummaryDict = {
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
        if self.detection is not None:
            out["detection"] = self.detection  # type: ignore[typeddict-unknown-key]
        if self.enrichment is not None:
            out["enrichment"] = self.enrichment  # type: ignore[typeddict-unknown-key]
        if self.unknown_shape:
            out["unknownShape"] = self.unknown_shape  # type: ignore[typeddict-unknown-key]
        if self.looked_known:
            out["lookedKnown"] = self.looked_known  # type: ignore[typeddict-unknown-key]
        if self.filtered:
            out["filtered"] = self.filtered  # type: ignore[typeddict-unknown-key]
        return out
