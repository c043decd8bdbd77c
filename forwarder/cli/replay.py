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
    replay.add_argument("paths", nargs="+", metavar="PATH", help="event file or named pipe, or - for standard input")
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
            with _open(path) as stream:
                batches = read_batches(stream)
                while not stop.is_set():
                    with gc_tuning.paused():  # reading (decoding) a batch too: acyclic data, no collector passes
                        batch = next(batches, None)
                        if batch is None:
                            break
                        summary.add(pipeline.process_items(batch, time.monotonic() + seconds))
        except OSError as exc:
            print(f"replay: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            exit_code = 1
            if not summary.received:
                continue
            summary.errors.append(f"reading stopped: {exc.strerror or exc}")
        result = {"path": path, **summary.to_dict()}
        if stop.is_set():
            result["interrupted"] = True
        out.write(result)
        if not summary.received and not stop.is_set():
            hint = "; a pipe with no writer reads as empty" if _is_pipe(path) else ""
            warn(f"{path}: nothing was read (no event, no line{hint})")
        if summary.unknown_shape:
            warn(f"{path}: {summary.unknown_shape} event(s) of no known shape, forwarded as kind 'other'")
        if summary.looked_known:
            warn(f"{path}: {summary.looked_known} event(s) looked like a known shape but were read as kind 'other'")
        exit_code = exit_code or (0 if summary.ok else 1)
    return INTERRUPTED if stop.is_set() else exit_code


def _open(path: str):
    """A binary stream of `path`: standard input for "-", else a regular file or a named pipe (FIFO). A FIFO is
    opened without waiting for a writer (a FIFO nobody writes to reads as empty, it never blocks the open;
    `<(command)` works); anything else (a directory, a device, a socket) is refused.

    Raises:
        OSError: it cannot be opened, or is not a file, a pipe or standard input (its message says so).
    """
    import os
    import stat

    if path == "-":
        return open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115 - the caller closes it
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            what = "a directory" if stat.S_ISDIR(mode) else "a device or socket"
            raise OSError(f"{what}, not a file, a pipe or - (standard input)")
        os.set_blocking(fd, True)  # a pipe with a writer is then read as it writes
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _is_pipe(path: str) -> bool:
    import os
    import stat

    try:
        return path != "-" and stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False
