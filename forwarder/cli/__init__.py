"""The command line, a thin face over the function's code: `python -m forwarder <command>`.

One module per command, each with `add_parser(commands)` and `run(parser, args) -> exit status`:
`replay` (event files through the pipeline), `replay-dead-letter` (`dead_letter`), `collect`, `rules`,
`report` and `doctor`. Same configuration keys as the function (the environment). Each command checks its own
arguments first, then loads the settings once, then builds only what it uses (so a bad `--since`
never waits on a Vault secret, and a report never needs a SIEM). Installed (`pip install .`), the same
command line is `oci-forwarder`.

Conventions, the same for every command: records on standard output only (the log sink, when no SIEM is
set); summaries, warnings and logs on standard error (a summary to `--summary FILE`); `--json` where a
person would read a table; `--version`; `-v` / `-q` for more or fewer log lines. Exit status: 0 done,
1 something was not delivered, read or written, 2 bad usage or configuration, 130 stopped by Ctrl-C
(after the partial summary).
"""

from __future__ import annotations

import argparse
import importlib
import logging

#: command -> its module under forwarder.cli
COMMANDS = {
    "replay": "replay",
    "replay-dead-letter": "dead_letter",
    "collect": "collect",
    "rules": "rules",
    "report": "report",
    "doctor": "doctor",
}


def parser(prog: str = "python -m forwarder") -> argparse.ArgumentParser:
    """The whole command line: every command's arguments, and the configuration keys in the epilog."""
    from forwarder import __version__
    from forwarder.settings.keys import help_text

    top = argparse.ArgumentParser(
        prog=prog,
        description="Forward OCI Cloud Guard problem and audit events to a SIEM, as the OCI Function does.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="configuration (environment variables, the same keys as the function's config):\n"
        + help_text()
        + "\n\nWith no SIEM_SYSLOG_URL and no SIEM_HTTP_URL, records are printed as JSON lines.",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    noise = top.add_mutually_exclusive_group()
    noise.add_argument(
        "-v", "--verbose", action="store_true", help="debug lines too: what each sink took, each OCI call and retry"
    )
    noise.add_argument(
        "-q", "--quiet", action="store_true", help="no notes or progress bar: warnings, errors and summaries only"
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        importlib.import_module(f"forwarder.cli.{module}").add_parser(commands)
    return top


def main(argv: list[str] | None = None, prog: str = "python -m forwarder") -> int:
    """Run one command; returns its exit status (argparse exits 2 itself on bad usage, 130 after Ctrl-C)."""
    from forwarder.cli import common
    from forwarder.cli.common import INTERRUPTED
    from forwarder.runtime.logs import setup
    from forwarder.settings import ConfigError

    top = parser(prog)
    args = top.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    common.QUIET = args.quiet
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    setup(level)
    command = importlib.import_module(f"forwarder.cli.{COMMANDS[args.command]}")
    try:
        return command.run(top, args)
    except ConfigError as exc:
        top.error(f"configuration: {exc}")  # exits 2, printed once
    except KeyboardInterrupt:  # a second Ctrl-C, or one where a command does not stop gracefully
        import sys

        print(f"{prog} {args.command}: stopped by Ctrl-C", file=sys.stderr)
        return INTERRUPTED


def entry() -> None:
    """The `oci-forwarder` console command (pyproject.toml)."""
    raise SystemExit(main(prog="oci-forwarder"))
