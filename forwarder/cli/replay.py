"""`python -m forwarder replay PATH...`: event files (or standard input) through the function's pipeline."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time


def add_parser(commands) -> None:
    """Add the `replay` command to an argparse subparsers object."""
    from forwarder.cli.common import add_deadline

    replay = commands.add_parser(
        "replay",
        help="send event files through the pipeline",
        description=textwrap.dedent(
            """\
            Send each file through the same pipeline as the function: one event (Events Service),
            a JSON array (Service Connector Hub batch, Streaming messages), a Logging Search
            response, or JSON lines. '-' reads standard input. JSON lines are read as they go, in
            batches of at most 1000 events (memory does not grow with the file); a file holding one
            document is read whole. Records printed by the log sink go to standard output, one JSON
            summary per file to standard error; exits 1 if any event was neither delivered nor kept."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("paths", nargs="+", metavar="PATH", help="event file, or - for standard input")
    add_deadline(replay, "batch of events")


def run(parser, args) -> int:
    """Send every file; print one summary per file on standard error. Returns the exit status."""
    from forwarder.cli import common

    pipeline = common.pipeline(common.settings())
    if pipeline is None:
        return 1
    try:
        return _replay(pipeline, args.paths, args.deadline)
    finally:
        pipeline.close()


def _replay(pipeline, paths: list[str], seconds: float) -> int:
    from forwarder.delivery.summary import Summary
    from forwarder.runtime import gc_tuning
    from forwarder.sources import read_batches

    exit_code = 0
    for path in paths:
        summary = Summary()
        try:
            with open(sys.stdin.fileno(), "rb", closefd=False) if path == "-" else open(path, "rb") as stream:
                batches = read_batches(stream)
                while True:
                    with gc_tuning.paused():  # reading (decoding) a batch too: acyclic data, no collector passes
                        batch = next(batches, None)
                        if batch is None:
                            break
                        summary.add(pipeline.process_items(batch, time.monotonic() + seconds))
        except OSError as exc:
            print(f"replay: cannot read {path}: {exc.strerror}", file=sys.stderr)
            exit_code = 1
            if not summary.received:
                continue
            summary.errors.append(f"reading stopped: {exc.strerror}")
        print(json.dumps({"path": path, **summary.to_dict()}), file=sys.stderr)
        exit_code = exit_code or (0 if summary.ok else 1)
    return exit_code
