"""Dead letters drained: `replay` sends each kept event again to the sink it missed and removes what was
delivered; `waiting` says what is kept, per sink and reason, oldest first, without sending anything.

Each dead-letter object is read oldest first; its events are sent again to the sink named in each line
(through the same routes and retries as the function). An object whose events were all delivered is
deleted; when only some were, the rest are written to a new object first and then the old one is
deleted; when none were, it is left as it is. Lines kept from the "parse" stage (a body that was not
JSON) cannot be re-sent and stay. Used by `python -m forwarder replay-dead-letter` and the task body
`{"task": "replay-dead-letter"}`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from forwarder.delivery.deadletter import DeadLetter
from forwarder.detect.output import is_kept_detection, restore
from forwarder.enrich.names import put_back
from forwarder.normalize import normalize

log = logging.getLogger("forwarder")


@dataclass
class ObjectResult:
    """What replay did with one object: its name, lines, how many were delivered, where the rest went."""

    name: str
    lines: int
    delivered: int
    kept_in: str | None  #: the object now holding what was not delivered (the same name when untouched)

    def to_dict(self) -> dict:
        return {"object": self.name, "lines": self.lines, "delivered": self.delivered, "remainingIn": self.kept_in}


def replay(
    pipeline, store: DeadLetter, seconds_per_object: float = 60.0, until: float | None = None
) -> tuple[list[ObjectResult], int]:
    """Replay the dead-letter objects in `store` through `pipeline`'s routes (`forwarder.pipeline.Pipeline`).

    Each object's lines are sent per sink in one call, with retries bounded by `seconds_per_object`; with
    `until` (time.monotonic()), no object is started when less than `seconds_per_object` is left before
    it, and no send outlasts it (what is not started stays, for the next run).

    Returns:
        (what was done with each object replayed, how many objects were left for lack of time)

    Raises:
        DeadLetterError: the bucket cannot be listed, or an object read or written.
    """
    routes = {route.name: route for route in pipeline.routes}
    results = []
    names = store.list(until)
    for done, name in enumerate(names):
        deadline = time.monotonic() + seconds_per_object
        if until is not None and deadline > until:
            return results, len(names) - done
        lines = store.read(name)
        by_sink: dict[str, list[int]] = {}
        remaining: dict[int, dict] = {}
        for index, line in enumerate(lines):
            if line.get("sink") in routes and isinstance(line.get("event"), dict):
                by_sink.setdefault(line["sink"], []).append(index)
            else:
                remaining[index] = line  # an unparseable body, or a sink no longer configured
        for sink, indexes in by_sink.items():
            events = [lines[i]["event"] for i in indexes]
            records = [restore(e) if is_kept_detection(e) else normalize(e, pipeline.region) for e in events]
            for i, record in zip(indexes, records, strict=True):
                put_back(record.data, lines[i].get("names"))  # the names enrichment had added
            _, _, undelivered = pipeline.send(routes[sink], records, deadline, skip_kept=False)
            failed = {id(record): (reason, attempts) for record, reason, attempts in undelivered}
            for i, record in zip(indexes, records, strict=True):
                if id(record) in failed:
                    reason, attempts = failed[id(record)]
                    remaining[i] = {**lines[i], "reason": reason, "attempts": lines[i].get("attempts", 0) + attempts}
        left = [remaining[i] for i in sorted(remaining)]
        delivered = len(lines) - len(left)
        kept_in: str | None = name
        if delivered and left:
            kept_in = store.keep(left[0].get("sink", "replay"), left)  # its own timeout: the rest must be kept
            store.delete(name)
        elif delivered:
            kept_in = None
            store.delete(name)
        log.info("replayed %s: %d of %d delivered", name, delivered, len(lines))
        results.append(ObjectResult(name, len(lines), delivered, kept_in))
    return results, 0


def waiting(store: DeadLetter, deadline: float | None = None) -> dict:
    """What the dead-letter bucket holds, without sending or removing anything.

    Returns:
        `{"objects": [{"object", "lines", "oldest", "sinks": {sink: n}, "reasons": {reason: n}}, ...]
        (oldest first), "lines": n, "sinks": {sink: n}, "reasons": {reason: n}, "oldest": time or None}`;
        a reason is cut at 120 characters, so alike failures count together.
    Raises:
        DeadLetterError: the bucket cannot be listed or an object read.
    """
    objects, sinks, reasons = [], Counter(), Counter()
    for name in store.list(deadline):
        lines = store.read(name, deadline)
        here_sinks = Counter(str(line.get("sink")) for line in lines)
        here_reasons = Counter(str(line.get("reason", ""))[:120] for line in lines)
        times = sorted(str(line["time"]) for line in lines if line.get("time"))
        objects.append(
            {
                "object": name,
                "lines": len(lines),
                "oldest": times[0] if times else None,
                "sinks": dict(here_sinks),
                "reasons": dict(here_reasons.most_common()),
            }
        )
        sinks.update(here_sinks)
        reasons.update(here_reasons)
    objects.sort(key=lambda o: (o["oldest"] or "", o["object"]))  # names sort by day only
    oldest = min((o["oldest"] for o in objects if o["oldest"]), default=None)
    return {
        "objects": objects,
        "lines": sum(o["lines"] for o in objects),
        "sinks": dict(sinks),
        "reasons": dict(reasons.most_common()),
        "oldest": oldest,
    }
