"""Audit events and Logging Search results of one window, as pages of raw events.

Two ways to read audit (COLLECT_AUDIT_METHOD):
- `list-events`: Audit `ListEvents` (GET /20190901/auditEvents) per compartment and region. One
  compartment only, no subtree; `startTime`/`endTime` must be whole minutes; pages follow
  `opc-next-page`. Calls: regions x compartments x pages. Events come back in the API's envelope
  (`eventId`, `eventTime`, `eventType`, `data`), which `normalize` reads like the Events Service's.
- `search` (default): Logging Search (POST /20190909/search) over `"<tenancy>/_Audit_Include_Subcompartment"`,
  one query per region for every compartment, root included, at most 1000 results a page and 14 days
  a query. Calls: regions x pages: fewer than `list-events` as soon as there is more than one compartment.
  Each result's `logContent` is the same CloudEvents 1.0 record Connector Hub delivers from `_Audit`.
Both give an event the same `eventId` (the audit event's GUID) and fields (docs/collection.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from forwarder.oci.calls import Counter, pages
from forwarder.oci.clients import Clients
from forwarder.sources import logging_search

#: Longest window of one Logging Search query (the API refuses more).
SEARCH_MAX_WINDOW = timedelta(days=14)
#: Results per Logging Search page (the API's maximum).
SEARCH_PAGE = 1000


def audit_query(tenancy: str) -> str:
    """The Logging Search query for every audit event of the tenancy, subcompartments included."""
    return f'search "{tenancy}/_Audit_Include_Subcompartment"'


def list_events(
    clients: Clients,
    region: str,
    compartment: str,
    start: datetime,
    end: datetime,
    deadline: float | None,
    counter: Counter | None = None,
) -> Iterator[list[dict]]:
    """Pages of audit events of one compartment in [start, end) (whole minutes, UTC).

    Raises:
        ValueError: start or end is not a whole minute.
        retry.Failure: a page cannot be read.
    """
    for moment in (start, end):
        if moment.second or moment.microsecond:
            raise ValueError(f"ListEvents times must be whole minutes; got {moment.isoformat()}")
    audit = clients.get("audit", region)
    for data, _ in pages(audit.list_events, compartment, start, end, deadline=deadline, counter=counter):
        yield [e for e in data or () if isinstance(e, dict)]


def search(
    clients: Clients,
    region: str,
    query: str,
    start: datetime,
    end: datetime,
    deadline: float | None,
    counter: Counter | None = None,
) -> Iterator[list[dict]]:
    """Pages of log records matching `query` in [start, end), cut into queries of at most 14 days.

    Raises:
        retry.Failure: a page cannot be read.
    """
    low = start
    while low < end:
        high = min(low + SEARCH_MAX_WINDOW, end)
        for results in _result_pages(clients, region, query, low, high, deadline, counter):
            yield [logging_search.record(r) for r in results if isinstance(r, dict) and logging_search.is_result(r)]
        low = high


def summarize(
    clients: Clients,
    region: str,
    query: str,
    start: datetime,
    end: datetime,
    deadline: float | None,
    counter: Counter | None = None,
) -> Iterator[dict]:
    """The rows of an aggregating Logging Search query (`... | summarize count() as n by ...`) over
    [start, end) (at most 14 days): each result's `data`, a mapping of the query's column names.

    Raises:
        ValueError: a window longer than 14 days.
        retry.Failure: a page cannot be read.
    """
    if end - start > SEARCH_MAX_WINDOW:
        raise ValueError(f"one aggregating query covers at most 14 days; got {end - start}")
    for results in _result_pages(clients, region, query, start, end, deadline, counter):
        for result in results:
            row = result.get("data") if isinstance(result, dict) else None
            if isinstance(row, dict):
                yield row


def _result_pages(clients, region, query, start, end, deadline, counter) -> Iterator[list]:
    """The `results` of each page of one Logging Search query (POST /search, 1000 a page)."""
    from oci.loggingsearch.models import SearchLogsDetails

    client = clients.get("logsearch", region)
    details = SearchLogsDetails(time_start=start, time_end=end, search_query=query, is_return_field_info=False)
    for data, _ in pages(client.search_logs, details, deadline=deadline, counter=counter, limit=SEARCH_PAGE):
        yield (data or {}).get("results") or ()
