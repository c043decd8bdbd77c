"""Command line: `python -m forwarder replay PATH...` runs the function's pipeline on event files."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap

from forwarder.config import KEYS


def _parser() -> argparse.ArgumentParser:
    keys = "\n".join(f"  {k.name:36} default {k.default}" for k in KEYS)
    parser = argparse.ArgumentParser(
        prog="python -m forwarder",
        description="Forward OCI Cloud Guard problem and audit events to a SIEM, as the OCI Function does.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="configuration (environment variables, the same keys as the function's config):\n"
        + keys
        + "\n\nWith no SIEM_SYSLOG_URL and no SIEM_HTTP_URL, records are printed as JSON lines.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser(
        "replay",
        help="send event files through the pipeline",
        description=textwrap.dedent(
            """\
            Send each file through the same pipeline as the function: one event (Events Service),
            a JSON array (Service Connector Hub batch), or JSON lines. '-' reads standard input.
            Records printed by the log sink go to standard output, one JSON summary per file to
            standard error; exits 1 if any event was not delivered."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("paths", nargs="+", metavar="PATH", help="event file, or - for standard input")
    dead = commands.add_parser(
        "replay-dead-letter",
        help="re-send dead-lettered events and remove what is delivered",
        description=textwrap.dedent(
            """\
            List the objects in DEAD_LETTER_BUCKET (oldest first) and send their events again to the
            sink each line names, with the same configuration keys as the function. Objects whose
            events are all delivered are deleted; the rest of a partly delivered object is written to a
            new object before the old one is deleted. Prints one JSON line per object; exits 1 if
            anything is still not delivered. Needs the resource-principal environment (or run it in the
            function's own network and identity)."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dead.add_argument("--seconds", type=float, default=60.0, help="most seconds of retries per object (default 60)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "replay-dead-letter":
        return _replay_dead_letter(args.seconds)
    from forwarder.handler import handle

    exit_code = 0
    for path in args.paths:
        try:
            body = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        except OSError as exc:
            print(f"replay: cannot read {path}: {exc.strerror}", file=sys.stderr)
            exit_code = 1
            continue
        status, summary = handle(body)
        print(json.dumps({"path": path, **summary}), file=sys.stderr)
        if status != 200:
            exit_code = 1
    return exit_code


def _replay_dead_letter(seconds: float) -> int:
    from forwarder.handler import get_forwarder
    from forwarder.replay import replay

    try:
        forwarder = get_forwarder()
    except Exception as exc:
        print(f"replay-dead-letter: {exc}", file=sys.stderr)
        return 1
    if forwarder.dead_letter is None:
        print("replay-dead-letter: DEAD_LETTER_BUCKET is not set", file=sys.stderr)
        return 1
    try:
        results = replay(forwarder, forwarder.dead_letter, seconds_per_object=seconds)
    except Exception as exc:  # the bucket cannot be listed or read
        print(f"replay-dead-letter: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(json.dumps(result.to_dict()))
    return 1 if any(r.delivered < r.lines for r in results) else 0
