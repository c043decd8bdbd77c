"""The command line, a thin face over the function's code: `python -m forwarder <command>`.

One module per command, each with `add_parser(commands)` and `run(parser, args) -> exit status`:
`replay` (event files through the pipeline), `replay-dead-letter` (`dead_letter`), `collect`, `rules`
and `report`. Same configuration keys as the function (the environment). Each command checks its own
arguments first, then loads the settings once, then builds only what it uses (so a bad `--since`
never waits on a Vault secret, and a report never needs a SIEM). Exit status: 0 done, 1 something was
not delivered, read or written, 2 bad usage or configuration.
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
}


def parser() -> argparse.ArgumentParser:
    """The whole command line: every command's arguments, and the configuration keys in the epilog."""
    from forwarder.settings.keys import help_text

    top = argparse.ArgumentParser(
        prog="python -m forwarder",
        description="Forward OCI Cloud Guard problem and audit events to a SIEM, as the OCI Function does.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="configuration (environment variables, the same keys as the function's config):\n"
        + help_text()
        + "\n\nWith no SIEM_SYSLOG_URL and no SIEM_HTTP_URL, records are printed as JSON lines.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        importlib.import_module(f"forwarder.cli.{module}").add_parser(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (argparse exits 2 itself on bad usage)."""
    from forwarder.runtime.logs import setup
    from forwarder.settings import ConfigError

    top = parser()
    args = top.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    setup()
    command = importlib.import_module(f"forwarder.cli.{COMMANDS[args.command]}")
    try:
        return command.run(top, args)
    except ConfigError as exc:
        top.error(f"configuration: {exc}")  # exits 2, printed once
