"""What one collection run reads: shards (a source in one region, and a compartment or query) and windows.

A shard's key names its checkpoint: `audit/<region>/tenancy` (Logging Search) or
`audit/<region>/<compartment OCID>` (ListEvents), `cloudguard/<reporting region>/problems`,
`logsearch/<region>/<query name>`. Planning reads the subscribed regions, and the compartments or the
Cloud Guard reporting region where a source needs them; a failure there is reported for that source
and leaves the others alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from forwarder.normalize.fields import event_id, event_time
from forwarder.normalize.timeparse import parse_time
from forwarder.settings import CollectSettings
from forwarder.sources.api import audit, cloudguard, tenancy
from forwarder.sources.api.calls import ApiFailure, Counter
from forwarder.sources.api.clients import Clients

SOURCES = ("audit", "cloudguard", "logsearch")

log = logging.getLogger("forwarder")


class Shard(NamedTuple):
    source: str  #: one of SOURCES
    region: str
    scope: str  #: compartment OCID (audit list-events), "tenancy" (audit search), "problems", or a query name

    @property
    def key(self) -> str:
        return f"{self.source}/{self.region}/{self.scope}"


class Window(NamedTuple):
    start: datetime  #: inclusive, aware UTC
    end: datetime  #: exclusive, aware UTC


def plan(settings: CollectSettings, clients: Clients, tenancy_id: str, home: str, sources: tuple[str, ...],
         regions: tuple[str, ...] | None, deadline: float | None, counter: Counter
         ) -> tuple[list[Shard], list[str]]:  # fmt: skip
    """The shards of `sources`, and the errors met while planning (`"<source>: <reason>"`).

    Regions: `regions` if given, else every READY subscribed region (ListRegionSubscriptions, read on
    every run so new subscriptions are picked up).
    """
    errors: list[str] = []
    if regions is None:
        try:
            regions = tuple(r.name for r in tenancy.regions(clients, tenancy_id, home, deadline, counter))
        except ApiFailure as exc:
            return [], [f"regions: {exc.reason}"]
    shards: list[Shard] = []
    for source in sources:
        try:
            if source == "audit" and settings.audit_method == "list-events":
                found = tenancy.compartments(clients, tenancy_id, home, deadline, counter)
                shards += [Shard(source, region, c) for region in regions for c in found]
            elif source == "audit":
                shards += [Shard(source, region, "tenancy") for region in regions]
            elif source == "cloudguard":
                shards.append(Shard(source, cloudguard.reporting_region(clients, tenancy_id, home, deadline, counter),
                                    "problems"))  # fmt: skip
            else:
                shards += [Shard(source, region, name) for region in regions for name in sorted(settings.queries)]
        except ApiFailure as exc:
            errors.append(f"{source}: {exc.reason}")
    return shards, errors


def now() -> datetime:
    """The current time, whole seconds, UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def align(shard: Shard, window: Window, settings: CollectSettings) -> Window:
    """`window` as the shard's API takes it: whole minutes for Audit ListEvents (start down, end down)."""
    if shard.source == "audit" and settings.audit_method == "list-events":
        return Window(window.start.replace(second=0, microsecond=0), window.end.replace(second=0, microsecond=0))
    return window


def read(shard: Shard, window: Window, settings: CollectSettings, clients: Clients, tenancy_id: str,
         deadline: float | None, counter: Counter, open_ended: bool = False) -> Iterator[list[dict]]:  # fmt: skip
    """Pages of raw events of one shard in `window` (Cloud Guard: problems last detected in it, or
    from its start on when `open_ended`).

    Raises:
        calls.ApiFailure: a page cannot be read.
    """
    if shard.source == "cloudguard":
        until = None if open_ended else window.end
        for page in cloudguard.problems(clients, shard.region, tenancy_id, window.start, until, deadline, counter):
            yield [cloudguard.event(p, tenancy_id) for p in page]
    elif shard.source == "audit" and settings.audit_method == "list-events":
        yield from audit.list_events(clients, shard.region, shard.scope, window.start, window.end, deadline, counter)
    else:
        query = audit.audit_query(tenancy_id) if shard.source == "audit" else settings.queries[shard.scope]
        query = query.replace("{tenancy}", tenancy_id)
        yield from audit.search(clients, shard.region, query, window.start, window.end, deadline, counter)


def complete(shard: Shard, events: list[dict], clients: Clients, deadline: float | None, counter: Counter) -> None:
    """Fill in what a listing leaves out of the events a run sends (Cloud Guard: `cloudguard.describe`),
    in place; problems that cannot be read are logged and sent as listed.

    Raises:
        calls.ApiFailure: a transient failure outlasted its retries, or the deadline came.
    """
    if shard.source == "cloudguard" and events:
        for line in cloudguard.describe(clients, shard.region, events, deadline, counter):
            log.warning("collect %s: sent as listed, GetProblem failed: %s", shard.key, line)


def mark(event: dict) -> tuple[str | None, float | None, bool]:
    """(event id, event time as epoch seconds, is an OPEN problem) of a raw event from `read`."""
    moment = parse_time(event_time(event))
    data = event.get("data")
    is_open = False
    if isinstance(data, dict) and isinstance(data.get("additionalDetails"), dict):
        is_open = data["additionalDetails"].get("status") == "OPEN"
    return event_id(event), (moment.timestamp() if moment else None), is_open
