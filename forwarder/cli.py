"""Command line, a thin face over the function's pipeline: `python -m forwarder replay PATH...` and
`python -m forwarder replay-dead-letter`. Same configuration keys as the function (environment)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
import time

from forwarder.settings import ConfigError, load_settings
from forwarder.settings.keys import help_text

#: Default seconds per batch of a file (replay) or per dead-letter object (replay-dead-letter), retries included.
DEFAULT_DEADLINE = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forwarder",
        description="Forward OCI Cloud Guard problem and audit events to a SIEM, as the OCI Function does.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="configuration (environment variables, the same keys as the function's config):\n" + help_text()
        + "\n\nWith no SIEM_SYSLOG_URL and no SIEM_HTTP_URL, records are printed as JSON lines.",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
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
    for command, unit in ((replay, "batch of events"), (dead, "dead-letter object")):
        command.add_argument(
            "--deadline",
            type=_seconds,
            default=DEFAULT_DEADLINE,
            metavar="SECONDS",
            help=f"most seconds spent on each {unit}, retries included (default {DEFAULT_DEADLINE:g}); "
            "what is not delivered by then is kept or reported",
        )
    return parser


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 86400; got {raw!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from forwarder import wiring
    from forwarder.runtime.logs import setup

    setup()
    try:
        pipeline = wiring.build(load_settings())
    except ConfigError as exc:
        parser.error(f"configuration: {exc}")  # exits 2, printed once
    except Exception as exc:  # a Vault secret that cannot be read
        print(f"{parser.prog}: cannot start: {exc}", file=sys.stderr)
        return 1
    from forwarder.runtime import gc_tuning

    gc_tuning.tune()
    try:
        if args.command == "replay-dead-letter":
            return _replay_dead_letter(pipeline, args.deadline)
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


def _replay_dead_letter(pipeline, seconds: float) -> int:
    from forwarder.delivery.replay import replay

    if pipeline.dead_letter is None:
        print("replay-dead-letter: DEAD_LETTER_BUCKET is not set", file=sys.stderr)
        return 1
    try:
        results = replay(pipeline, pipeline.dead_letter, seconds_per_object=seconds)
    except Exception as exc:  # the bucket cannot be listed or read
        print(f"replay-dead-letter: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(json.dumps(result.to_dict()))
    return 1 if any(r.delivered < r.lines for r in results) else 0
