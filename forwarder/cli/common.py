"""What the commands share: the settings, the pipeline, a duration argument, the progress bar."""

from __future__ import annotations

import argparse
import sys
import time

#: Default seconds per batch of a file (replay) or per dead-letter object (replay-dead-letter), retries included.
DEFAULT_DEADLINE = 120.0


def settings():
    """The validated settings of the environment.

    Raises:
        forwarder.settings.ConfigError: every bad key (the CLI exits 2).
    """
    from forwarder.settings import load_settings

    return load_settings()


def pipeline(settings):
    """The pipeline `settings` configure (reads Vault secrets and certificates), or None after printing
    why it cannot start (a secret that cannot be read: exit 1).

    Raises:
        forwarder.settings.ConfigError: a certificate, key or rule file is unusable (exit 2).
    """
    from forwarder import wiring
    from forwarder.oci.vault import SecretError
    from forwarder.runtime import gc_tuning

    try:
        built = wiring.build(settings)
    except SecretError as exc:
        print(f"python -m forwarder: cannot start: {exc}", file=sys.stderr)
        return None
    gc_tuning.tune()
    return built


def seconds(raw: str) -> float:
    """An argparse type: seconds, more than 0 and at most one day."""
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 86400; got {raw!r}")
    return value


def add_deadline(command, unit: str) -> None:
    """`--deadline SECONDS` for each `unit` of work."""
    command.add_argument(
        "--deadline",
        type=seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help=f"most seconds spent on each {unit}, retries included (default {DEFAULT_DEADLINE:g}); "
        "what is not delivered by then is kept or reported",
    )


def add_principal(command) -> None:
    """`--auth`, `--config-file`, `--profile`: the principal of the OCI calls."""
    from forwarder.oci.auth import AUTH_MODES

    command.add_argument(
        "--auth",
        choices=AUTH_MODES,
        help="the principal: api_key (the OCI config file; the default outside OCI), instance_principal, "
        "resource_principal (default in OCI Functions)",
    )
    command.add_argument("--config-file", metavar="PATH", help="OCI config file for api_key (default ~/.oci/config)")
    command.add_argument("--profile", metavar="NAME", help="profile of the OCI config file (default DEFAULT)")


class Bar:
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


def progress_bar() -> Bar | None:
    """A Bar when standard error is a terminal, else None."""
    return Bar() if sys.stderr.isatty() else None
