"""One face for every source read from the OCI APIs, and the registry of them.

A source plans its shards (a region, and a compartment, a query or an hour where that applies), fits
a window to what its API takes, reads a shard's window as pages of raw events (the same JSON objects
the push side receives), and completes the events a run sends:

    name: str
    polled_open_ended: bool            # a poll reads from the window's start on, with no end (Cloud Guard)
    of_tenancy: bool                   # read in a tenancy's regions (not a stream: planned once, no Identity call)
    plan(scope, regions) -> [Shard]     # raises retry.Failure for the source as a whole
    align(window) -> Window
    read(shard, window, scope, open_ended) -> pages (lists of raw events)   # raises retry.Failure
    complete(shard, events, scope) -> [lines for what could not be completed]

`source(name, settings)` gives the source of a name: `audit` (Logging Search over the tenancy, or
Audit ListEvents per compartment, by COLLECT_AUDIT_METHOD), `cloudguard`, `logsearch`, `stream`, and `changes`,
the change report's reader (every audit change of the tenancy, per region and hour).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from forwarder.sources.api import audit, cloudguard, tenancy


class Shard(NamedTuple):
    """One unit read: a source in one region, and a scope (a compartment OCID, "tenancy", "problems", a
    query name, or the hour of a report day), of a tenancy (its OCID; "" for the collector's own)."""

    source: str
    region: str
    scope: str
    tenancy: str = ""

    @property
    def key(self) -> str:
        """The shard's name and its checkpoint's: `<source>/<region>/<scope>`, after `<tenancy OCID>/` for
        a tenancy other than the collector's own."""
        own = f"{self.source}/{self.region}/{self.scope}"
        return f"{self.tenancy}/{own}" if self.tenancy else own


class Window(NamedTuple):
    start: datetime  #: inclusive, aware UTC
    end: datetime  #: exclusive, aware UTC


class Scope(NamedTuple):
    """What planning and reading share in one run."""

    settings: Any  #: forwarder.collect.config.CollectSettings
    clients: Any  #: forwarder.oci.clients.Clients
    tenancy: str
    home: str  #: the region of tenancy-wide calls (Identity, Cloud Guard's configuration)
    deadline: float | None  #: time.monotonic()
    counter: Any = None  #: forwarder.oci.calls.Counter
    compartment: str | None = None  #: the subtree read (COLLECT_COMPARTMENT_OCID); None = the whole tenancy
    subtree: tuple[str, ...] | None = None  #: its compartments, when planning has listed them already

    @property
    def top(self) -> str:
        """The OCID whose subtree is read: the scoped compartment, else the tenancy (the root)."""
        return self.compartment or self.tenancy


class _Source:
    name = ""
    polled_open_ended = False
    #: read from a tenancy's APIs, in its regions (False: planned once, for the collector's own tenancy,
    #: with no Identity call, its records keeping the tenancy they name)
    of_tenancy = True

    def align(self, window: Window) -> Window:
        return window

    def complete(self, shard: Shard, events: list[dict], scope: Scope) -> list[str]:
        return []


class AuditSearch(_Source):
    """Every audit event of the tenancy, one Logging Search per region."""

    name = "audit"

    def plan(self, scope: Scope, regions: tuple[str, ...]) -> list[Shard]:
        return [Shard(self.name, region, scope.compartment or "tenancy") for region in regions]

    def read(self, shard: Shard, window: Window, scope: Scope, open_ended: bool = False) -> Iterator[list[dict]]:
        query = audit.audit_query(scope.top)
        yield from audit.search(scope.clients, shard.region, query, *window, scope.deadline, scope.counter)


class AuditListEvents(_Source):
    """Audit ListEvents per compartment and region, in whole minutes."""

    name = "audit"

    def plan(self, scope: Scope, regions: tuple[str, ...]) -> list[Shard]:
        found = scope.subtree or tenancy.compartments(
            scope.clients, scope.tenancy, scope.home, scope.deadline, scope.counter, under=scope.compartment
        )
        return [Shard(self.name, region, compartment) for region in regions for compartment in found]

    def align(self, window: Window) -> Window:
        return Window(*(moment.replace(second=0, microsecond=0) for moment in window))

    def read(self, shard: Shard, window: Window, scope: Scope, open_ended: bool = False) -> Iterator[list[dict]]:
        yield from audit.list_events(scope.clients, shard.region, shard.scope, *window, scope.deadline, scope.counter)


class CloudGuard(_Source):
    """Cloud Guard problems in the reporting region, as problem events completed with GetProblem."""

    name = "cloudguard"
    polled_open_ended = True  # a poll reads every problem last detected since the window's start

    def plan(self, scope: Scope, regions: tuple[str, ...]) -> list[Shard]:
        where = cloudguard.reporting_region(scope.clients, scope.tenancy, scope.home, scope.deadline, scope.counter)
        return [Shard(self.name, where, scope.compartment or "problems")]

    def read(self, shard: Shard, window: Window, scope: Scope, open_ended: bool = False) -> Iterator[list[dict]]:
        until = None if open_ended else window.end
        for page in cloudguard.problems(
            scope.clients, shard.region, scope.top, window.start, until, scope.deadline, scope.counter
        ):
            yield [cloudguard.event(problem, scope.tenancy) for problem in page]

    def complete(self, shard: Shard, events: list[dict], scope: Scope) -> list[str]:
        if not events:
            return []
        return cloudguard.describe(scope.clients, shard.region, events, scope.deadline, scope.counter)


class LogSearch(_Source):
    """The named Logging Search queries of COLLECT_QUERIES, per region."""

    name = "logsearch"

    def plan(self, scope: Scope, regions: tuple[str, ...]) -> list[Shard]:
        names = sorted(scope.settings.queries)
        return [Shard(self.name, region, name) for region in regions for name in names]

    def read(self, shard: Shard, window: Window, scope: Scope, open_ended: bool = False) -> Iterator[list[dict]]:
        query = scope.settings.queries[shard.scope].replace("{tenancy}", scope.tenancy)
        query = query.replace("{compartment}", scope.top)
        yield from audit.search(scope.clients, shard.region, query, *window, scope.deadline, scope.counter)


class Stream(_Source):
    """OCI Streaming with a consumer group: one shard per stream (COLLECT_STREAMS), in the region its OCID
    names. Read by `forwarder.collect.stream` (the group's committed offsets are its checkpoint)."""

    name = "stream"
    of_tenancy = False

    def plan(self, scope: Scope, regions: tuple[str, ...]) -> list[Shard]:
        """Every configured stream, whatever `regions` says (a stream is where it is).

        Raises:
            ValueError: an OCID naming a region the SDK does not know.
        """
        from forwarder.oci.realms import region_of

        shards = []
        for stream in scope.settings.streams.streams:
            region = region_of(stream)
            if region is None:
                raise ValueError(f"COLLECT_STREAMS: {stream} names a region the OCI SDK does not know")
            shards.append(Shard(self.name, region, stream))
        return shards


class Changes(_Source):
    """The change report's reader: every audit change of the tenancy (reads never leave the service),
    one Logging Search per region and hour of a day."""

    name = "changes"

    def __init__(self, day_start: datetime, hours: int, end: datetime, change_filter: str):
        self.day_start, self.hours, self.end, self.filter = day_start, hours, end, change_filter

    def plan(self, scope: Scope | None, regions: tuple[str, ...]) -> list[Shard]:
        """Hour by hour, region by region (the scope is the hour: `00` to `24`)."""
        return [Shard(self.name, region, f"{hour:02d}") for hour in range(self.hours) for region in regions]

    def window_of(self, shard: Shard) -> Window:
        start = self.day_start + timedelta(hours=int(shard.scope))
        return Window(start, min(start + timedelta(hours=1), self.end))

    def read(self, shard: Shard, window: Window, scope: Scope, open_ended: bool = False) -> Iterator[list[dict]]:
        query = f"{audit.audit_query(scope.top)} | {self.filter}"
        yield from audit.search(scope.clients, shard.region, query, *window, scope.deadline, scope.counter)


def source(name: str, settings) -> _Source:
    """The source of a collected name (one of `forwarder.sources.COLLECTED`), as `settings` (CollectSettings) read it.

    Raises:
        KeyError: not a collected source.
    """
    if name == "audit":
        return AuditListEvents() if settings.audit_method == "list-events" else AuditSearch()
    return {"cloudguard": CloudGuard, "logsearch": LogSearch, "stream": Stream}[name]()
