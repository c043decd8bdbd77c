"""`python -m forwarder replay-dead-letter`: re-send dead-lettered events and remove what is delivered
(`forwarder.delivery.replay`), or with `--dry-run` say what is waiting."""

from __future__ import annotations

import argparse
import sys
import textwrap


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
            the principal needs `manage objects` on the bucket (the function's own policy only lets it
            create there): `Allow group <operators> to manage objects in compartment id <OCID> where
            target.bucket.name = '<DEAD_LETTER_BUCKET>'`. --dry-run sends and removes nothing: it
            prints one JSON line per object (oldest first: its lines per sink and per reason) and a
            last line with the totals, and needs only `read objects`."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dead.add_argument(
        "--dry-run", action="store_true", help="say what is waiting, per sink and reason, oldest first; send nothing"
    )
    add_deadline(dead, "dead-letter object")
    add_summary(dead)
    add_principal(dead)


def run(parser, args) -> int:
    """Replay every dead-letter object; print one JSON line per object. Returns the exit status."""
    from forwarder.cli import common, principal
    from forwarder.delivery.deadletter import DeadLetterError
    from forwarder.delivery.replay import replay

    settings = common.settings()
    if settings.dead_letter is None:
        parser.error("replay-dead-letter: DEAD_LETTER_BUCKET is not set: name the bucket the function keeps events in")
    auth = principal.check_principal(parser, "replay-dead-letter", args)
    out = common.Summaries(parser, args)
    if args.dry_run:
        return _dry_run(settings, auth, args, out)
    pipeline = common.pipeline(settings, args)
    if pipeline is None:
        return 1
    try:
        results, _ = replay(pipeline, pipeline.dead_letter, seconds_per_object=args.deadline)
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


def _dry_run(settings, auth: str, args, out) -> int:
    """Print what is waiting (one line per object, then the totals); nothing is built but the bucket."""
    import time

    from forwarder.delivery.deadletter import DeadLetterError, open_store
    from forwarder.delivery.replay import waiting
    from forwarder.oci.clients import for_function

    store = open_store(settings.dead_letter, for_function(settings, auth, args.config_file, args.profile))
    try:
        found = waiting(store, time.monotonic() + args.deadline)
    except DeadLetterError as exc:
        print(f"replay-dead-letter: {exc}", file=sys.stderr)
        return 1
    for one in found.pop("objects"):
        out.write(one)
    out.write({"waiting": found})
    out.close()
    return 0
