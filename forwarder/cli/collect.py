"""`python -m forwarder collect`: read the OCI APIs (audit, Cloud Guard, log searches) and forward what they hold."""

from __future__ import annotations

import argparse
import textwrap
import time


def add_parser(commands) -> None:
    """Add the `collect` command to an argparse subparsers object."""
    from forwarder.cli.common import add_summary, seconds
    from forwarder.cli.principal import add_principal
    from forwarder.collect import SOURCES

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
            on a terminal; the JSON summary goes to standard error (or --summary FILE), standard output
            carries only records (the log sink). Ctrl-C stops taking shards: pages already read are
            delivered, unfinished shards keep their checkpoints, the partial summary is written
            ("interrupted": true) and the exit status is 130. Exit status 0 when every collected event
            was delivered or kept and every shard was read, else 1 (2: bad usage)."""
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
    collect.add_argument(
        "--regions",
        metavar="R1,R2",
        help="subscribed regions to read (default: every subscribed region)",
    )
    collect.add_argument("--state", metavar="PATH", help="checkpoints in this local JSON file (else CHECKPOINT_BUCKET)")
    collect.add_argument("--workers", type=int, metavar="N", help="shards read at once (default: COLLECT_WORKERS)")
    add_principal(collect, several=True)
    collect.add_argument(
        "--deadline",
        type=seconds,
        metavar="SECONDS",
        help="most seconds for the whole run (default: none); shards not read by then are left for the next run",
    )
    add_summary(collect)


def run(parser, args) -> int:
    """One collection run; the JSON summary is the last line of standard output. Returns the exit status.
    The arguments are checked before anything is read (settings, then Vault secrets)."""
    from forwarder import collect
    from forwarder.cli import common, principal

    try:
        since = collect.parse_when(args.since) if args.since else None
        until = collect.parse_when(args.until) if args.until else None
    except ValueError as exc:
        parser.error(f"collect: {exc}")
    regions = common.regions_argument(parser, "collect", args.regions)
    if args.state:
        common.check_state_file(parser, args.state)
    if until is not None and since is None:
        parser.error("collect: --until needs --since (a backfill window)")
    if since is not None and until is not None and until <= since:
        parser.error("collect: --until must be after --since")
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error("collect: --workers must be from 1 to 64")
    settings = common.settings()
    c = settings.collect
    if args.workers:
        settings = settings._replace(collect=c._replace(workers=args.workers))
    sources = tuple(dict.fromkeys(args.sources or c.sources or ("audit",)))
    if "logsearch" in sources and not c.queries:
        parser.error("collect: the logsearch source needs COLLECT_QUERIES")
    estate = principal.tenancies(parser, "collect", args)
    auth = principal.check_principal(parser, "collect", args)
    out = common.Summaries(parser, args)
    pipeline = common.pipeline(settings, args)
    if pipeline is None:
        return 1
    try:
        return _run(pipeline, settings, sources, since, until, regions, args, auth, out, estate)
    finally:
        pipeline.close()
        out.close()


def _run(pipeline, settings, sources, since, until, regions, args, auth, out, estate) -> int:
    from forwarder import collect
    from forwarder.cli.common import INTERRUPTED, Interrupt, note, post_metrics, progress_bar

    bar = progress_bar()
    collector = collect.build(
        settings,
        pipeline,
        auth=auth,
        config_file=args.config_file,
        profile=args.profile,
        state_path=args.state,
        progress=bar.update if bar else None,
        tenancies=estate,
    )
    if collector.store is None and since is None:
        note("collect: no --state and no CHECKPOINT_BUCKET: reading the look-back window, remembering nothing")
    deadline = time.monotonic() + args.deadline if args.deadline else None
    try:
        with Interrupt("delivering the pages already read; unfinished shards keep their checkpoints") as interrupt:
            run = collector.run(
                sources, since=since, until=until, regions=regions, deadline=deadline, stop=interrupt.stop
            )
    finally:
        if bar:
            bar.close()
    outcome = run.to_dict()
    post_metrics(settings, "collection", outcome, auth, args)
    out.write(outcome)
    if run.interrupted:
        return INTERRUPTED
    return 0 if outcome["ok"] and outcome["shards"]["failed"] == 0 else 1
