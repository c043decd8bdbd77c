"""`python -m forwarder replay PATH...`: event files (or standard input) through the function's pipeline."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time


def add_parser(commands) -> None:
    """Add the `replay` command to an argparse subparsers object."""
    from forwarder.cli.common import add_deadline, add_summary
    from forwarder.cli.principal import add_principal

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
            summary per file to standard error (or --summary FILE); exits 1 if any event was neither
            delivered nor kept. Ctrl-C stops taking input: the batch in flight is delivered or kept,
            the partial summary printed ("interrupted": true), and the exit status is 130."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("paths", nargs="+", metavar="PATH", help="event file, or - for standard input")
    add_deadline(replay, "batch of events")
    add_summary(replay)
    add_principal(replay)


def run(parser, args) -> int:
    """Send every file; write one summary per file. Returns the exit status."""
    from forwarder.cli import common

    out = common.Summaries(parser, args)
    pipeline = common.pipeline(common.settings(), args)
    if pipeline is None:
        return 1
    try:
        with common.Interrupt("finishing the batch in flight, then stopping") as interrupt:
            return _replay(pipeline, args.paths, args.deadline, out, interrupt.stop)
    finally:
        pipeline.close()
        out.close()


def _replay(pipeline, paths: list[str], seconds: float, out, stop) -> int:
    from forwarder.cli.common import INTERRUPTED, warn
    from forwarder.delivery.summary import Summary
    from forwarder.runtime import gc_tuning
    from forwarder.sources import read_batches

    exit_code = 0
    for path in paths:
        if stop.is_set():
            break
        summary = Summary()
        try:
            with open(sys.stdin.fileno(), "rb", closefd=False) if path == "-" else open(path, "rb") as stream:
                batches = read_batches(stream)
                while not stop.is_set():
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
        result = {"path": path, **summary.to_dict()}
        if stop.is_set():
            result["interrupted"] = True
        out.write(result)
        if not summary.received and not stop.is_set():
            warn(f"{path}: nothing was read (no event, no line)")
        if summary.unknown_shape:
            warn(f"{path}: {summary.unknown_shape} event(s) of no known shape, forwarded as kind 'other'")
        exit_code = exit_code or (0 if summary.ok else 1)
    return INTERRUPTED if stop.is_set() else exit_code
