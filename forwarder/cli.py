"""Command line, a thin face over the function's pipeline: `python -m forwarder replay PATH...`,
`python -m forwarder replay-dead-letter`, `python -m forwarder collect`, `python -m forwarder rules` and
`python -m forwarder report`.
Same configuration keys as the function (environment)."""

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
    _collect_parser(commands)
    from forwarder.detect.commands import add_parser as add_rules_parser
    from forwarder.report.commands import add_parser as add_report_parser

    add_rules_parser(commands)
    add_report_parser(commands)
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


def _collect_parser(commands) -> None:
    from forwarder.collect import SOURCES
    from forwarder.sources.api.clients import AUTH_MODES

    collect = commands.add_parser(
        "collect",
        help="read audit events, Cloud Guard problems and log searches from the OCI APIs and forward them",
        description=textwrap.dedent(
            """\
            Read the OCI APIs in every subscribed region (or --regions) and every compartment, and send
            what they hold through the same pipeline as the function. Without --since, each shard
            (source, region, compartment or query) starts where its checkpoint (--state PATH, or
            CHECKPOINT_BUCKET) ended, minus COLLECT_LAG_MINUTES, or COLLECT_LOOKBACK_MINUTES ago; its
            checkpoint moves only once all its events were delivered or kept. With --since (and
            --until), a backfill of that window: checkpoints are neither read nor moved. A progress bar
            on a terminal; the last line of standard output is a JSON summary. Exit status 0 when every
            collected event was delivered or kept and every shard was read, else 1 (2: bad usage)."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    collect.add_argument(
        "--source",
        action="append",
        choices=SOURCES,
        dest="sources",
        help="a source to read (repeat for several; default: COLLECT_SOURCES, else audit)",
    )
    collect.add_argument(
        "--since", metavar="TIME", help="backfill from TIME: RFC 3339, YYYY-MM-DD, or 90m / 36h / 30d ago"
    )
    collect.add_argument("--until", metavar="TIME", help="backfill up to TIME (default: now); needs --since")
    collect.add_argument("--regions", metavar="R1,R2", help="regions to read (default: every subscribed region)")
    collect.add_argument("--state", metavar="PATH", help="checkpoints in this local JSON file (else CHECKPOINT_BUCKET)")
    collect.add_argument("--workers", type=int, metavar="N", help="shards read at once (default: COLLECT_WORKERS)")
    collect.add_argument(
        "--auth",
        choices=AUTH_MODES,
        help="the principal: api_key (the OCI config file; the "
        "default outside OCI), instance_principal, resource_principal (default in OCI Functions)",
    )
    collect.add_argument("--config-file", metavar="PATH", help="OCI config file for api_key (default ~/.oci/config)")
    collect.add_argument("--profile", metavar="NAME", help="profile of the OCI config file (default DEFAULT)")
    collect.add_argument("--deadline", type=_seconds, metavar="SECONDS",
                         help="most seconds for the whole run (default: none); shards not read by then are "
                         "left for the next run")  # fmt: skip


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
        if args.command == "rules":
            from forwarder.detect import RuleError
            from forwarder.detect.commands import run

            try:
                return run(args, load_settings())
            except RuleError as exc:
                raise ConfigError(str(exc)) from None
        if args.command == "report":
            from forwarder.report.commands import run as report

            return report(parser, args, load_settings())
        pipeline = wiring.build(load_settings())
    except ConfigError as exc:
        parser.error(f"configuration: {exc}")  # exits 2, printed once
    except Exception as exc:  # a Vault secret that cannot be read
        print(f"{parser.prog}: cannot start: {exc}", file=sys.stderr)
        return 1
    from forwarder.runtime import gc_tuning

    gc_tuning.tune()
    try:
        if args.command == "collect":
            return _collect(parser, pipeline, args)
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


def _collect(parser, pipeline, args) -> int:
    import dataclasses

    from forwarder import collect
    from forwarder.settings import values
    from forwarder.sources.api.clients import default_auth

    try:
        since = collect.parse_when(args.since) if args.since else None
        until = collect.parse_when(args.until) if args.until else None
        regions = values.region_list(args.regions) if args.regions else None
    except (ValueError, values.Invalid) as exc:
        parser.error(f"collect: {exc}")
    if until is not None and since is None:
        parser.error("collect: --until needs --since (a backfill window)")
    if since is not None and until is not None and until <= since:
        parser.error("collect: --until must be after --since")
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error("collect: --workers must be from 1 to 64")
    settings = load_settings()
    c = settings.collect
    if args.workers:
        settings = dataclasses.replace(settings, collect=c._replace(workers=args.workers))
    sources = tuple(dict.fromkeys(args.sources or c.sources or ("audit",)))
    if "logsearch" in sources and not c.queries:
        parser.error("collect: the logsearch source needs COLLECT_QUERIES")
    auth = args.auth or default_auth()
    bar = _progress_bar()
    collector = collect.build(settings, pipeline, auth=auth, config_file=args.config_file, profile=args.profile,
                              state_path=args.state, progress=bar.update if bar else None)  # fmt: skip
    if collector.store is None and since is None:
        print("collect: no --state and no CHECKPOINT_BUCKET: reading the look-back window, remembering nothing",
              file=sys.stderr)  # fmt: skip
    deadline = time.monotonic() + args.deadline if args.deadline else None
    try:
        report = collector.run(sources, since=since, until=until, regions=regions, deadline=deadline).to_dict()
    finally:
        if bar:
            bar.close()
    sys.stdout.flush()
    print(json.dumps(report))
    return 0 if report["ok"] and report["shards"]["failed"] == 0 else 1


class _Bar:
    """A tqdm progress bar over shards, with events and their rate (standard error, terminals only)."""

    def __init__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="shard", file=sys.stderr, dynamic_ncols=True)
        self.started = time.monotonic()

    def update(self, done: int, total: int, events: int) -> None:
        self.bar.total = total
        self.bar.n = done
        rate = events / max(time.monotonic() - self.started, 1e-6)
        self.bar.set_postfix_str(f"{events} events, {rate:,.0f}/s", refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _progress_bar() -> _Bar | None:
    return _Bar() if sys.stderr.isatty() else None


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
