"""`python -m forwarder replay-dead-letter`: re-send dead-lettered events and remove what is delivered.

Each dead-letter object is read oldest first; its events are sent again to the sink named in each
line (through the same routes and retries as the function). An object whose events were all
delivered is deleted; when only some were, the rest are written to a new object first and then the
old one is deleted; when none were, it is left as it is. Lines kept from the "parse" stage (a body
that was not JSON) cannot be re-sent and stay.
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
import time
from dataclasses import dataclass

from forwarder.delivery.deadletter import DeadLetter, DeadLetterError
from forwarder.detect.output import is_kept_detection, restore
from forwarder.normalize import normalize
from forwarder.pipeline import Pipeline

log = logging.getLogger("forwarder")


def add_parser(commands) -> None:
    """Add the `replay-dead-letter` command to an argparse subparsers object."""
    from forwarder.cli.common import add_deadline, add_summary
    from forwarder.cli.principal import add_principal

    dead = commands.add_parser(
        "replay-dead-letter",
        help="re-send dead-lettered events and remove what is delivered",
        description=textwrap.dedent(
            """\
            List the objects in DEAD_LETTER_BUCKET (oldest first) and send their events again to the
            sink each line names, with the same configuration keys as the function. Objects whose
            events are all delivered are deleted; the rest of a partly delivered object is written to a
            new object before the old one is deleted. Writes one JSON line per object to standard
            error (or --summary FILE); exits 1 if anything is still not delivered. Reads the bucket
            with --auth (the OCI config file's API key outside OCI, the resource principal inside);
            the principal needs `manage objects` on the bucket."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_deadline(dead, "dead-letter object")
    add_summary(dead)
    add_principal(dead)


def run(parser, args) -> int:
    """Replay every dead-letter object; print one JSON line per object. Returns the exit status."""
    from forwarder.cli import common, principal

    settings = common.settings()
    if settings.dead_letter is None:
        parser.error("replay-dead-letter: DEAD_LETTER_BUCKET is not set: name the bucket the function keeps events in")
    principal.check_principal(parser, "replay-dead-letter", args)
    out = common.Summaries(parser, args)
    pipeline = common.pipeline(settings, args)
    if pipeline is None:
        return 1
    try:
        results = replay(pipeline, pipeline.dead_letter, seconds_per_object=args.deadline)
    except DeadLetterError as exc:  # the bucket cannot be listed or read
        print(f"replay-dead-letter: {exc}", file=sys.stderr)
        return 1
    finally:
        pipeline.close()
    for result in results:
        out.write(result.to_dict())
    out.close()
    if not results:
        common.warn("replay-dead-letter: the dead-letter bucket holds no object: nothing to send")
    return 1 if any(r.delivered < r.lines for r in results) else 0


@dataclass
class ObjectResult:
    """What replay did with one object: its name, lines, how many were delivered, where the rest went."""

    name: str
    lines: int
    delivered: int
    kept_in: str | None  #: the object now holding what was not delivered (the same name when untouched)

    def to_dict(self) -> dict:
        return {"object": self.name, "lines": self.lines, "delivered": self.delivered, "remainingIn": self.kept_in}


def replay(pipeline: Pipeline, store: DeadLetter, seconds_per_object: float = 60.0) -> list[ObjectResult]:
    """Replay every dead-letter object in `store` through `pipeline`'s routes.

    Each object's lines are sent per sink in one call, with retries bounded by `seconds_per_object`.
    """
    routes = {route.name: route for route in pipeline.routes}
    results = []
    for name in store.list():
        deadline = time.monotonic() + seconds_per_object
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
    return results
