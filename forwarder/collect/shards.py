"""What one collection run reads: shards of every source (`forwarder.sources.pull`) and their windows.

A shard's key names its checkpoint: `audit/<region>/tenancy` (Logging Search) or
`audit/<region>/<compartment OCID>` (ListEvents), `cloudguard/<reporting region>/problems`,
`logsearch/<region>/<query name>`. Planning reads the subscribed regions, then asks each source for
its shards; a failure there is reported for that source and leaves the others alone.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from forwarder.collect.config import CollectSettings
from forwarder.normalize.fields import event_id, event_time
from forwarder.normalize.timeparse import parse_time
from forwarder.retry import Failure
from forwarder.sources.pull import Scope, Shard, Window, source

__all__ = ["Scope", "Shard", "Window", "mark", "now", "plan"]

log = logging.getLogger("forwarder")


def plan(
    settings: CollectSettings, scope: Scope, sources: tuple[str, ...], regions: tuple[str, ...] | None
) -> tuple[list[Shard], list[str]]:
    """The shards of `sources`, and the errors met while planning (`"<source>: <reason>"`).

    Regions: every READY subscribed region (ListRegionSubscriptions, read on every run so new
    subscriptions are picked up), or those of `regions` the tenancy subscribes to: one it does not is
    an error and is not read (its endpoint may not even resolve). When the subscriptions cannot be
    read, `regions` are read as given.
    """
    from forwarder.sources.api import tenancy

    readers = [(name, source(name, settings)) for name in sources]
    chosen: list[str] = []
    errors: list[str] = []
    if any(reader.of_tenancy for _, reader in readers):  # streams alone: where their OCIDs say, no Identity call
        try:
            chosen, errors = tenancy.chosen(
                scope.clients, scope.tenancy, scope.home, regions, scope.deadline, scope.counter
            )
        except Failure as exc:
            return [], [f"regions: {exc.reason}"]
        if scope.compartment is not None:  # a scope that names no visible compartment reads nothing, and says so
            try:
                found = tenancy.compartments(
                    scope.clients, scope.tenancy, scope.home, scope.deadline, scope.counter, scope.compartment
                )
            except Failure as exc:
                return [], [f"compartment: {exc.reason}"]
            scope = scope._replace(subtree=tuple(found))  # listed once: the sources that need it take this
    regions = tuple(chosen)
    shards: list[Shard] = []
    for name, reader in readers:
        try:
            shards += reader.plan(scope, regions)
        except (Failure, ValueError) as exc:
            errors.append(f"{name}: {getattr(exc, 'reason', None) or exc}")
    return shards, errors


def now() -> datetime:
    """The current time, whole seconds, UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def mark(event: dict) -> tuple[str | None, float | None, bool]:
    """(event id, event time as epoch seconds, is an OPEN problem) of a raw event a source read."""
    moment = parse_time(event_time(event))
    data = event.get("data")
    is_open = False
    if isinstance(data, dict) and isinstance(data.get("additionalDetails"), dict):
        is_open = data["additionalDetails"].get("status") == "OPEN"
    return event_id(event), (moment.timestamp() if moment else None), is_open
