"""`python -m forwarder report [--date D | --since D --until D | --week YYYY-Www | --month YYYY-MM] [--out DIR]`:
the change report of a day or a period from the command line.

Same keys as the reporter function (REPORT_*, COLLECT_TENANCY_OCID, COLLECT_REGIONS, COLLECT_WORKERS,
endpoints). Reports go to `--out DIR` when given, else to REPORT_BUCKET when set, else to the current
folder, under `reports/YYYY/MM/DD/` (a day), `reports/week/<week>/`, `reports/month/<month>/` or
`reports/range/<since>_<until>/`.
"""

from __future__ import annotations

import argparse
import textwrap


def add_parser(commands) -> None:
    """Add the `report` command to an argparse subparsers object."""
    from forwarder.cli.common import add_summary
    from forwarder.cli.principal import add_principal

    report = commands.add_parser(
        "report",
        help="write the change report: every create, update and delete in the tenancy on a day, week, month or range",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent(
            """\
            Read one day (REPORT_TIMEZONE, midnight to midnight; default yesterday) of audit events in every
            subscribed region (or --regions) with Logging Search, and write the change report:
            reports/YYYY/MM/DD/changes.html (open it in a browser), changes.csv (one row per change) and
            changes.json, to --out DIR, else REPORT_BUCKET, else the current folder. Tells
            REPORT_TOPIC_OCID when set. Writes a JSON summary with where the files are to standard error
            (or --summary FILE). A day still to come is refused; today's report is marked incomplete.
            --week, --month or --since/--until report a period instead: each of its days is made (or its
            earlier report reused) and added up under reports/week/2026-W48/, reports/month/2026-11/ or
            reports/range/<since>_<until>/, with trends against the previous period of the same length.
            Exits 0 when the whole day or period was read and written, else 1 (2: bad usage)."""
        ),
    )
    when = report.add_mutually_exclusive_group()
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day to report (default: yesterday)")
    when.add_argument("--since", metavar="YYYY-MM-DD", help="the first day of a range to report (with --until)")
    when.add_argument("--week", metavar="YYYY-Www", help="the ISO week to report (2026-W48: Monday to Sunday)")
    when.add_argument("--month", metavar="YYYY-MM", help="the month to report (2026-11)")
    report.add_argument(
        "--until", metavar="YYYY-MM-DD", help="the day after the range's last (exclusive: midnight at its start)"
    )
    report.add_argument("--out", metavar="DIR", help="write the files under DIR (default: REPORT_BUCKET, else .)")
    report.add_argument("--regions", metavar="R1,R2", help="regions to read (default: every subscribed region)")
    add_principal(report, several=True)
    add_summary(report)


def run(parser: argparse.ArgumentParser, args) -> int:
    """Make the report `args` ask for; print its summary. Returns the exit status. Builds no pipeline:
    a bad SIEM or detection key does not stop the report.

    Raises:
        ConfigError: the settings are bad.
    """
    from forwarder.cli import common, principal
    from forwarder.report import build

    settings = common.settings()
    which = when(parser, args, settings.report.timezone)
    regions = common.regions_argument(parser, "report", args.regions)
    estate = principal.tenancies(parser, "report", args)
    auth = principal.check_principal(parser, "report", args)
    out = common.Summaries(parser, args)
    try:
        reporter = build(
            settings, auth=auth, config_file=args.config_file, profile=args.profile, out=args.out, tenancies=estate
        )
        result = reporter.run(which, regions=regions)
        common.post_metrics(settings, "report", result, auth, args)
        out.write(result)
    finally:
        out.close()
    problems = (
        result.get("problems")
        or [
            f"{name}: {(one['problems'] + one['errors'])[0]}"
            for name, one in result.get("tenancies", {}).items()
            if one["problems"] + one["errors"]
        ]
        + result["errors"]
    )
    if not result["complete"] and problems:
        common.warn(f"report {result.get('date') or result.get('period')}: incomplete: {problems[0]}")
    if result["where"]:
        common.note(f"report: open {result['where']['html']}")
    return 0 if result["ok"] else 1


def when(parser: argparse.ArgumentParser, args, zone: str):
    """The `report.day.Day` or `report.period.Period` the arguments ask for (parser.error when bad)."""
    from forwarder.report import day, period

    if args.until and not args.since:
        parser.error("report: --until goes with --since")
    if args.since and not args.until:
        parser.error("report: --since needs --until (exclusive: the day after the last one)")
    option = next(
        (o for o, v in (("--since", args.since), ("--week", args.week), ("--month", args.month)) if v), "--date"
    )
    try:
        if args.since:
            return period.between(args.since, args.until, zone)
        if args.week:
            return period.week(args.week, zone)
        if args.month:
            return period.month(args.month, zone)
        return day.parse(args.date, zone) if args.date else day.yesterday(zone)
    except ValueError as exc:
        parser.error(f"report: {option}: expected {exc}")
