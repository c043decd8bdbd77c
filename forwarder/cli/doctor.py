"""`python -m forwarder doctor`: check every link of the configuration, each failure named with its fix."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time

#: Default seconds for the whole run.
DEFAULT_SECONDS = 120.0


def add_parser(commands) -> None:
    """Add the `doctor` command to an argparse subparsers object."""
    from forwarder.cli.common import seconds
    from forwarder.cli.principal import add_principal

    doctor = commands.add_parser(
        "doctor",
        help="check the principal, policies, buckets, sinks, ticket system and Redis; print each fix",
        description=textwrap.dedent(
            """\
            Check every link the configuration keys name, with the principal of --auth (in the function:
            the task body {"task": "doctor"} and its resource principal): the principal signs; region
            subscriptions; audit retention (a warning below 365 days); Cloud Guard enabled and its
            reporting region; one harmless read per OCI API the configuration calls, naming the policy
            statement a refusal needs; each Vault secret; a probe object written, read and deleted in each
            bucket; each SIEM sink up to a verified TLS handshake (Splunk HEC: health and token); the ticket
            system's authenticated read; Redis AUTH and PING; with --function (in the function: itself),
            the function, the Events rules invoking it and the connectors targeting it, each enabled.
            Nothing is sent to a SIEM or ticket system.
            Prints a table (--json: one JSON object). Exit status: 0 every check ok or warn, 1 one failed,
            2 bad usage."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    doctor.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    doctor.add_argument(
        "--deadline",
        type=seconds,
        default=DEFAULT_SECONDS,
        metavar="SECONDS",
        help=f"most seconds for every check together (default {DEFAULT_SECONDS:g})",
    )
    doctor.add_argument(
        "--function",
        metavar="OCID",
        dest="function_id",
        help="the function whose Events rules and Connector Hub connectors to check (terraform output function_ocid)",
    )
    add_principal(doctor)


def run(parser, args) -> int:
    """Run the checks; print the table or JSON to standard output. Returns the exit status."""
    from forwarder import doctor
    from forwarder.config import ConfigError
    from forwarder.config.values import Invalid, ocid
    from forwarder.oci.auth import default_auth
    from forwarder.oci.clients import for_doctor
    from forwarder.settings import load_settings

    if args.function_id:
        try:
            ocid("fnfunc")(args.function_id)
        except Invalid as exc:
            parser.error(f"doctor: --function {args.function_id!r}: expected {exc}")
    try:
        settings = load_settings()
    except ConfigError as exc:  # the first link: shown as a failed check, every bad key named
        checks = [doctor.Check("configuration", doctor.FAIL, str(exc), "correct the keys named")]
    else:
        auth = args.auth or default_auth()  # a principal that cannot be set up is a failed check, not usage
        clients = for_doctor(settings, auth, args.config_file, args.profile)
        checks = doctor.run(settings, clients, auth, time.monotonic() + args.deadline, args.function_id)
    if args.json:
        print(json.dumps(doctor.answer(checks), indent=2))
    else:
        print(doctor.table(checks))
    sys.stdout.flush()
    return doctor.exit_status(checks)
