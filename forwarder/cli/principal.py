"""The principal of a command's OCI calls: `--auth`, `--config-file`, `--profile` (repeatable for collect and
report: one tenancy a profile) and `--tenancy`, defaulting as the OCI CLI does, checked before anything runs."""

from __future__ import annotations

import os


def add_principal(command, several: bool = False) -> None:
    """`--auth`, `--config-file`, `--profile`: the principal of the OCI calls, defaulting as the OCI CLI
    does (OCI_CLI_AUTH, OCI_CLI_CONFIG_FILE or OCI_CONFIG_FILE, OCI_CLI_PROFILE). With `several` (collect,
    report), `--profile` may be repeated (each profile a tenancy) and `--tenancy OCID` names tenancies the
    principal reaches (`tenancies(parser, command, args)` reads them)."""
    from forwarder.oci.auth import AUTH_MODES

    command.add_argument(
        "--auth",
        choices=AUTH_MODES,
        default=os.environ.get("OCI_CLI_AUTH") or None,
        help="the principal: api_key (the OCI config file; the default outside OCI), security_token (a session "
        "from `oci session authenticate`), instance_principal, resource_principal (default in OCI Functions); "
        "default: OCI_CLI_AUTH",
    )
    command.add_argument(
        "--config-file",
        metavar="PATH",
        default=os.environ.get("OCI_CLI_CONFIG_FILE") or os.environ.get("OCI_CONFIG_FILE") or None,
        help="OCI config file (default: OCI_CLI_CONFIG_FILE, else OCI_CONFIG_FILE, else ~/.oci/config)",
    )
    if not several:
        command.add_argument(
            "--profile",
            metavar="NAME",
            default=os.environ.get("OCI_CLI_PROFILE") or None,
            help="profile of the OCI config file (default: OCI_CLI_PROFILE, else DEFAULT)",
        )
        return
    command.add_argument(
        "--profile",
        metavar="NAME",
        action="append",
        dest="profiles",
        help="profile of the OCI config file (default: OCI_CLI_PROFILE, else DEFAULT); repeat it to read the "
        "tenancy of each profile (several tenancies, each named by its profile)",
    )
    command.add_argument(
        "--tenancy",
        metavar="OCID",
        action="append",
        dest="tenancy_ids",
        help="read this tenancy, reached by the principal through cross-tenancy policies (repeat for several; "
        "default: COLLECT_TENANCIES, else the principal's tenancy)",
    )


def tenancies(parser, command: str, args):
    """The tenancies `--profile A --profile B` and `--tenancy OCID` name (`collect.tenancies.Tenancy`), or
    None when they name none (COLLECT_TENANCIES, else the one tenancy). Sets `args.profile`, the
    principal of every other call (the first profile). Stops with a usage line for a bad OCID."""
    from forwarder.collect.tenancies import Tenancy, short
    from forwarder.config.values import Invalid, ocid

    profiles = list(dict.fromkeys(args.profiles or ()))
    args.profile = profiles[0] if profiles else os.environ.get("OCI_CLI_PROFILE") or None
    found = [Tenancy(name=p, profile=p) for p in profiles] if len(profiles) > 1 else []
    for tenancy in args.tenancy_ids or ():
        try:
            ocid("tenancy")(tenancy)
        except Invalid as exc:
            parser.error(f"{command}: --tenancy {tenancy!r}: expected {exc}")
        found.append(Tenancy(name=short(tenancy), tenancy=tenancy))
    return tuple(found) or None


def check_principal(parser, command: str, args):
    """Set up the principal `args` name before anything else is built, or stop with one usage line naming
    the fix (exit 2): a missing config file or profile, an expired session. Returns the auth mode."""
    from forwarder.oci.auth import AuthError, check, default_auth

    auth = args.auth or default_auth()
    for profile in getattr(args, "profiles", None) or [args.profile]:
        try:
            check(auth, args.config_file, profile)
        except AuthError as exc:
            parser.error(f"{command}: {exc}")
    return auth
