"""What the commands share: the settings, the pipeline, arguments (deadline, principal, summary), where
summaries go, Ctrl-C, the progress bar.

One rule for every command: standard output carries records only (the log sink, when no SIEM is set),
so it can be piped; summaries, warnings and logs go to standard error, a summary to `--summary FILE`
when given.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

#: Default seconds per batch of a file (replay) or per dead-letter object (replay-dead-letter), retries included.
DEFAULT_DEADLINE = 120.0


def settings():
    """The validated settings of the environment.

    Raises:
        forwarder.settings.ConfigError: every bad key (the CLI exits 2).
    """
    from forwarder.settings import load_settings, near_misses

    loaded = load_settings()
    for line in near_misses():
        warn(line)
    return loaded


def pipeline(settings, args=None):
    """The pipeline `settings` configure (reads Vault secrets and certificates), or None after printing
    why it cannot start (a secret that cannot be read: exit 1). Its own OCI calls (Vault, dead letters,
    rule buckets) are signed by the principal of `args` (`--auth`, `--config-file`, `--profile`), else
    the default one (the resource principal in OCI Functions, else the OCI config file's API key).

    Raises:
        forwarder.settings.ConfigError: a certificate, key or rule file is unusable (exit 2).
    """
    from forwarder import wiring
    from forwarder.oci.auth import default_auth
    from forwarder.oci.clients import for_function
    from forwarder.oci.vault import SecretError
    from forwarder.runtime import gc_tuning

    auth = getattr(args, "auth", None) or default_auth()
    clients = for_function(settings, auth, getattr(args, "config_file", None), getattr(args, "profile", None))
    try:
        built = wiring.build(settings, clients)
    except SecretError as exc:
        print(f"python -m forwarder: cannot start: {exc}", file=sys.stderr)
        return None
    gc_tuning.tune()
    return built


def post_metrics(settings, kind: str, summary: dict, auth: str, args) -> None:
    """With METRICS_NAMESPACE set, post a run's counts as the function does (`forwarder.metrics`), signed by
    the command's principal; `summary["metrics"]` says what was posted, a failure is a warning, never an
    exit status."""
    if not settings.metrics.namespace:
        return
    from forwarder.metrics.post import Poster, post_summary
    from forwarder.oci.clients import for_metrics

    poster = Poster(settings, for_metrics(settings, auth, getattr(args, "config_file", None), args.profile))
    if post_summary(poster, kind, summary, None).get("failed"):
        warn(f"metrics not posted: {summary['metrics']['failed']}")


def seconds(raw: str) -> float:
    """An argparse type: seconds, more than 0 and at most one day (86400)."""
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, e.g. 120; got {raw!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected more than 0 and at most 86400 seconds (one day); got {raw!r}")
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


def check_state_file(parser, path: str) -> None:
    """`--state PATH` usable as a checkpoint file, else a usage error naming it (exit 2)."""
    from forwarder.collect.checkpoints import CheckpointError, FileStore

    try:
        FileStore(path).check()
    except CheckpointError as exc:
        parser.error(f"collect: {exc}")


def regions_argument(parser, command: str, raw: str | None) -> tuple[str, ...] | None:
    """`--regions R1,R2` checked against the regions the OCI SDK knows (every realm, plus those of
    ~/.oci/regions-config.json and OCI_REGION_METADATA), else a usage error naming the closest (exit 2).
    Whether the tenancy subscribes to them is checked by the run, before any is read."""
    if not raw:
        return None
    import difflib

    import oci

    from forwarder.config import values

    try:
        regions = values.region_list(raw)
    except values.Invalid as exc:
        parser.error(f"{command}: --regions: expected {exc}; got {raw!r}")
    for name in regions:
        if not oci.regions.is_region(name):
            close = difflib.get_close_matches(name, oci.regions.REGIONS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            parser.error(
                f"{command}: --regions: {name!r} is not an OCI region{hint} (a region newer than the SDK: "
                "add it to ~/.oci/regions-config.json)"
            )
    return regions


def add_summary(command) -> None:
    """`--summary FILE`: where the JSON summary goes (default standard error)."""
    command.add_argument(
        "--summary",
        metavar="FILE",
        help="write the JSON summary to FILE (one line per file or run) instead of standard error",
    )


class Summaries:
    """Where a command's JSON summaries go: `--summary FILE` (created or truncated at once, so a bad path
    is a usage error before any work), else standard error, one JSON object a line."""

    def __init__(self, parser, args):
        path = getattr(args, "summary", None)
        self.file = None
        if path:
            try:
                self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed by close())
            except OSError as exc:
                parser.error(f"--summary {path}: {exc.strerror}")

    def write(self, summary: dict) -> None:
        line = json.dumps(summary)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()
        else:
            sys.stdout.flush()  # records first, when both go to one terminal
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


#: -q: notes and the progress bar are left out (warnings, errors and summaries stay)
QUIET = False


def warn(text: str) -> None:
    """One warning line on standard error."""
    print(f"warning: {text}", file=sys.stderr, flush=True)


def note(text: str) -> None:
    """One line for the person at the terminal (where a report is, what a run will not remember) on
    standard error; left out with -q."""
    if not QUIET:
        print(text, file=sys.stderr, flush=True)


#: The exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class Interrupt:
    """Ctrl-C as a request to stop: the first SIGINT sets `stop` (the command stops taking input, finishes
    or keeps what is in flight, prints its partial summary and exits 130); a second one raises
    KeyboardInterrupt at once. A context manager; the previous handler is put back on exit."""

    def __init__(self, what: str):
        self.stop = threading.Event()
        self.what = what
        self._previous = None

    def _handle(self, signum, frame) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()
        print(f"interrupted: {self.what} (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


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
    """A Bar when standard error is a terminal (and not -q), else None."""
    return Bar() if sys.stderr.isatty() and not QUIET else None
