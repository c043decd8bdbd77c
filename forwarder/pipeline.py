"""The data path: body -> events -> records -> (format -> sink) for every route -> summary.

A `Route` pairs a format (record -> bytes, optionally joined into batches: `Payload`s that name
the records they carry) with a sink. `Forwarder.process` sends every record to every route, retrying
transient failures within the deadline, keeps what still fails in the dead-letter bucket, then
handles tickets; the `Summary` says per sink what was delivered, kept or failed, so the caller
answers success only when every event was delivered or kept.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from forwarder.config import Settings
from forwarder.deadletter import DeadLetter, DeadLetterError, entry
from forwarder.formats import PAYLOADS, http_bodies, record_json
from forwarder.formats import syslog as syslog_format
from forwarder.parse import BodyError, decode_body, normalize, type_problems
from forwarder.record import Record
from forwarder.redaction import register, scrub
from forwarder.retry import backoff
from forwarder.sinks import DeliveryError, Sink, describe

if TYPE_CHECKING:  # tickets (and httpx) load only when configured: keeps the cold start short
    from forwarder.tickets import Tracker

log = logging.getLogger("forwarder")

#: Most failure entries listed in a summary; the count of all is always given.
MAX_LISTED_FAILURES = 50
#: Event ids remembered per sink, so a batch retried by Connector Hub is not sent twice.
REMEMBERED_IDS = 10_000
#: Most attempts per sink and invocation (the deadline usually ends retrying first).
MAX_ATTEMPTS = 6
#: Seconds kept back from the deadline to write dead letters after the last attempt.
DEAD_LETTER_RESERVE = 3.0


@dataclass(frozen=True)
class Payload:
    """One unit a sink sends (a syslog message, an HTTP body) and the records it carries."""

    data: bytes
    records: tuple[int, ...]  #: indexes into the records of this invocation


@dataclass
class Route:
    """A format and a sink.

    Each record is encoded by `item`; with `join`, up to `batch_size` encoded records (and about
    `max_bytes`) make one payload, otherwise each record is one payload.
    """

    item: Callable[[Record], bytes]
    sink: Sink
    join: Callable[[Sequence[bytes]], bytes] | None = None
    batch_size: int = 1
    max_bytes: int = 5_000_000
    #: event ids this sink already took, newest last (at most REMEMBERED_IDS): not sent again on a retried batch
    delivered_ids: OrderedDict[str, None] = field(default_factory=OrderedDict)

    @property
    def name(self) -> str:
        return self.sink.name

    def remember(self, event_ids: Sequence[str]) -> None:
        for event_id in event_ids:
            self.delivered_ids[event_id] = None
        while len(self.delivered_ids) > REMEMBERED_IDS:
            self.delivered_ids.popitem(last=False)

    def payloads(self, encoded: Sequence[tuple[int, bytes]]) -> list[Payload]:
        """Group (record index, encoded record) pairs into payloads."""
        if self.join is None:
            return [Payload(data, (index,)) for index, data in encoded]
        out: list[Payload] = []
        group: list[tuple[int, bytes]] = []
        size = 0
        for index, data in encoded:
            if group and (len(group) >= self.batch_size or size + len(data) > self.max_bytes):
                out.append(self._joined(group))
                group, size = [], 0
            group.append((index, data))
            size += len(data) + 1
        if group:
            out.append(self._joined(group))
        return out

    def _joined(self, group: list[tuple[int, bytes]]) -> Payload:
        assert self.join is not None
        return Payload(self.join([data for _, data in group]), tuple(index for index, _ in group))


@dataclass
class Summary:
    """What one invocation did, per sink: delivered, dead-lettered (kept) or failed.

    For every sink, delivered + dead-lettered + failed equals the events received as objects; events
    that were not objects, or a body that could not be parsed, are counted under the sink "parse".
    `ok` is True when nothing failed: every event was delivered or kept.
    """

    received: int = 0
    delivered: dict[str, int] = field(default_factory=dict)
    dead_lettered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str | None]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tickets: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(self.failed.values())

    def fail(self, sink: str, event_id: str | None, reason: str) -> None:
        self.failed[sink] = self.failed.get(sink, 0) + 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"sink": sink, "eventId": event_id, "reason": scrub(reason)})

    def count(self, table: dict[str, int], sink: str, n: int) -> None:
        table[sink] = table.get(sink, 0) + n

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary.

        Shape: {"ok", "received", "delivered": {sink: n}, "deadLettered": {sink: n}, "failed": {sink: n},
        "failures": [{"sink", "eventId", "reason"}, ...], "deadLetters": [{"sink", "object", "count"}, ...],
        "errors": [...], "tickets": [{"eventId", "problemId", "system", "action", "ticket", "reason"}, ...]}.
        """
        return {
            "ok": self.ok,
            "received": self.received,
            "delivered": self.delivered,
            "deadLettered": self.dead_lettered,
            "failed": self.failed,
            "failures": self.failures,
            "deadLetters": self.dead_letters,
            "errors": self.errors,
            "tickets": self.tickets,
        }


class Forwarder:
    """Runs the pipeline for invocation bodies. Build once per container; reuse for every call.

    Args:
        routes: where records go; at least one.
        region: region reported for events that name none.
        tracker: opens, updates and resolves tickets for problems (after SIEM delivery), or None.
        dead_letter: where undeliverable events are kept, or None (they then fail the invocation).
    """

    def __init__(
        self,
        routes: Sequence[Route],
        region: str | None = None,
        tracker: Tracker | None = None,
        dead_letter: DeadLetter | None = None,
    ):
        if not routes:
            raise ValueError("a Forwarder needs at least one route")
        self.routes = list(routes)
        self.region = region
        self.tracker = tracker
        self.dead_letter = dead_letter

    @classmethod
    def from_settings(cls, settings: Settings) -> Forwarder:
        """Build the routes the settings configure (reads Vault secrets, once).

        Raises:
            forwarder.secrets.SecretError: a configured Vault secret cannot be read.
            ssl.SSLError, OSError: a CA bundle or client certificate cannot be loaded.
        """
        tracker = build_tracker(settings) if settings.tickets else None
        dead_letter = None
        if settings.dead_letter_bucket:
            dead_letter = DeadLetter(settings.dead_letter_bucket, settings.dead_letter_namespace,
                                     settings.objectstorage_endpoint, timeout=settings.timeout)  # fmt: skip
        return cls(build_routes(settings), region=settings.region, tracker=tracker, dead_letter=dead_letter)

    def process(self, body: bytes, deadline: float | None = None) -> Summary:
        """Forward every event in an invocation body to every route; keep what cannot be delivered.

        Args:
            body: the invocation body (see `forwarder.parse.decode_body`).
            deadline: `time.monotonic()` by which all work must end, or None.
        Returns:
            A Summary; never raises for bad input or failing receivers.
        """
        summary = Summary()
        try:
            events = decode_body(body)
        except BodyError as exc:
            summary.received = 1
            log.error("invocation body rejected (%d bytes): %s", len(body), exc)
            self._keep_or_fail(summary, "parse", [entry("parse", None, str(exc), 1, raw=body)])
            return summary
        summary.received = len(events)
        records, rejected = [], []
        for index, event in enumerate(events):
            if isinstance(event, dict):
                records.append(normalize(event, self.region))
                problems = type_problems(event)
                if problems:  # forwarded all the same: the parser treats such fields as absent
                    log.warning("event %s: %s", records[-1].event_id, "; ".join(problems))
            else:
                reason = f"item {index} of the body is a JSON {type(event).__name__}, not an event object"
                log.error("event rejected: %s", reason)
                rejected.append(entry("parse", None, reason, 1, event=event))
        if rejected:
            self._keep_or_fail(summary, "parse", rejected)
        send_deadline = deadline
        if deadline is not None and self.dead_letter is not None:
            send_deadline = deadline - DEAD_LETTER_RESERVE
        for route in self.routes:
            self._deliver(route, records, summary, send_deadline)
        if self.tracker is not None:  # after the SIEM: a ticket failure never holds back delivery
            for record in records:
                outcome = self.tracker.handle(record, deadline)
                if outcome is not None:
                    summary.tickets.append(outcome.to_dict())
                    if outcome.failed:
                        summary.fail("tickets", record.event_id, outcome.reason or "ticket failed")
        return summary

    def _deliver(self, route: Route, records: Sequence[Record], summary: Summary, deadline: float | None) -> None:
        """Send records to one route, retrying transient failures; keep or fail the rest."""
        delivered, undelivered = self.send(route, records, deadline)
        summary.count(summary.delivered, route.name, delivered)
        if undelivered:
            lines = [entry(route.name, r.event_id, why, n, event=r.original) for r, why, n in undelivered]
            self._keep_or_fail(summary, route.name, lines)

    def send(
        self, route: Route, records: Sequence[Record], deadline: float | None
    ) -> tuple[int, list[tuple[Record, str, int]]]:
        """Send records to one route, retrying transient failures within `deadline`.

        Returns:
            (how many were delivered, including ones this sink already took earlier;
            the undelivered as (record, reason, attempts)).
        """
        delivered = 0
        undelivered: list[tuple[Record, str, int]] = []
        encoded: list[tuple[int, bytes]] = []
        for index, record in enumerate(records):
            if record.event_id in route.delivered_ids:
                delivered += 1  # taken by this sink in an earlier invocation
                continue
            try:
                encoded.append((index, route.item(record)))
            except Exception as exc:  # a format bug must not lose the other records
                undelivered.append((record, f"cannot format: {describe(exc)}", 0))
        remaining = route.payloads(encoded)
        attempts, reason = 0, ""
        while remaining:
            attempts += 1
            try:
                route.sink.send([p.data for p in remaining], deadline)
                sent, permanent, wait = len(remaining), False, None
            except Exception as exc:  # DeliveryError, or a sink bug (not retried): either way not delivered
                failure = exc if isinstance(exc, DeliveryError) else DeliveryError(describe(exc), permanent=True)
                sent, reason, permanent, wait = (
                    failure.delivered,
                    failure.reason,
                    failure.permanent,
                    failure.retry_after,
                )
                log.warning("sink %s, attempt %d: %s", route.name, attempts, reason)
            ids = [records[i].event_id for p in remaining[:sent] for i in p.records]
            route.remember(ids)
            delivered += len(ids)
            remaining = remaining[sent:]
            if not remaining or permanent or attempts >= MAX_ATTEMPTS:
                break
            wait = backoff(attempts) if wait is None else wait
            if deadline is not None and time.monotonic() + wait >= deadline:
                break
            time.sleep(wait)
        undelivered += [(records[i], reason, attempts) for p in remaining for i in p.records]
        if undelivered:
            log.error("sink %s: %d events not delivered after %d attempts: %s",
                      route.name, len(undelivered), attempts, undelivered[-1][1])  # fmt: skip
        return delivered, undelivered

    def _keep_or_fail(self, summary: Summary, sink: str, lines: list[dict]) -> None:
        """Write dead-letter lines as one object; count them kept, or failed when they cannot be kept."""
        if self.dead_letter is not None:
            try:
                name = self.dead_letter.keep(sink, lines)
            except DeadLetterError as exc:
                log.error("%s (%d events of sink %s neither delivered nor kept)", exc, len(lines), sink)
                for line in lines:
                    summary.fail(sink, line["eventId"], f"{line['reason']}; {exc}")
                return
            summary.count(summary.dead_lettered, sink, len(lines))
            summary.dead_letters.append({"sink": sink, "object": name, "count": len(lines)})
            log.warning("kept %d events of sink %s in dead-letter object %s", len(lines), sink, name)
            return
        for line in lines:
            summary.fail(sink, line["eventId"], line["reason"])

    def close(self) -> None:
        for route in self.routes:
            route.sink.close()


def build_routes(settings: Settings) -> list[Route]:
    """The routes for `settings`: syslog and/or HTTP, or the log sink when neither is set."""
    from forwarder.secrets import read_secret  # light module; oci is imported inside read_secret
    from forwarder.tls import client_context

    routes: list[Route] = []
    if settings.syslog:
        from forwarder.sinks.syslog import SyslogSink

        s = settings.syslog
        context = None
        if s.transport == "tls":
            key = s.client_key
            if s.client_key_secret_ocid:
                key = read_secret(
                    s.client_key_secret_ocid,
                    key="SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID",
                    endpoint=settings.secrets_endpoint,
                )
            register(key if key and key.startswith("-----BEGIN") else None)
            context = client_context(s.ca_cert, s.client_cert, key, verify=not settings.insecure_skip_verify)
        sink = SyslogSink(
            s.transport, s.host, s.port, ssl_context=context, timeout=settings.timeout, udp_max_bytes=s.udp_max_bytes
        )
        frame = syslog_format.rfc5424 if s.format == "rfc5424" else syslog_format.rfc3164
        payload = PAYLOADS[s.payload]
        options = dict(facility=s.facility, hostname=s.hostname, app_name=s.app_name, max_bytes=sink.max_payload_bytes)
        routes.append(Route(lambda record: frame(record, payload(record), **options), sink))
    if settings.http:
        from forwarder.sinks.http import HttpSink

        h = settings.http
        token = h.token
        if h.token_secret_ocid:
            token = read_secret(
                h.token_secret_ocid, key="SIEM_HTTP_TOKEN_SECRET_OCID", endpoint=settings.secrets_endpoint
            )
        register(token)
        headers = {"Content-Type": "application/json", "User-Agent": "oci-security-forwarder"}
        if h.format == "splunk-hec":
            item = partial(
                http_bodies.hec_item,
                index=h.splunk_index,
                sourcetype=h.splunk_sourcetype,
                source="oci:forwarder",
                host="oci",
            )
            join = http_bodies.hec_join
            headers["Authorization"] = f"Splunk {token}"
        else:
            item, join = http_bodies.webhook_item, http_bodies.webhook_join
            if token:
                headers["Authorization"] = f"Bearer {token}"
        context = client_context(h.ca_cert, verify=not settings.insecure_skip_verify)
        sink = HttpSink(h.url, headers, context, timeout=settings.timeout)
        routes.append(Route(item, sink, join=join, batch_size=h.batch_size))
    if not routes:
        from forwarder.sinks.log import LogSink

        routes.append(Route(record_json.encode, LogSink()))
    return routes


def build_tracker(settings: Settings) -> Tracker:
    """The ticket tracker for `settings.tickets` (reads the Vault credentials secret, once).

    Raises:
        forwarder.secrets.SecretError: the secret cannot be read, is not JSON, or lacks a field.
    """
    from forwarder.secrets import SecretError, read_secret
    from forwarder.tickets import Tracker

    t = settings.tickets
    assert t is not None
    username, password, routing_key = t.username, t.password, t.routing_key
    if t.secret_ocid:
        raw = read_secret(t.secret_ocid, key="TICKET_SECRET_OCID", endpoint=settings.secrets_endpoint)
        try:
            creds = json.loads(raw)
            assert isinstance(creds, dict)
        except (ValueError, AssertionError):
            raise SecretError("TICKET_SECRET_OCID: the secret is not a JSON object") from None
        username = creds.get("username") or creds.get("email")
        password = creds.get("password") or creds.get("api_token")
        routing_key = creds.get("routing_key")
        wanted = ("routing_key",) if t.system == "pagerduty" else ("username/email", "password/api_token")
        values = (routing_key,) if t.system == "pagerduty" else (username, password)
        missing = [name for name, value in zip(wanted, values, strict=True) if not value]
        if missing:
            raise SecretError(f"TICKET_SECRET_OCID: the secret lacks {', '.join(missing)} for {t.system}")
    register(password, routing_key)
    if t.system == "servicenow":
        from forwarder.tickets.servicenow import ServiceNow

        system = ServiceNow(t.url, username, password, close_code=t.servicenow_close_code, timeout=settings.timeout)
    elif t.system == "jira":
        from forwarder.tickets.jira import Jira

        system = Jira(t.url, username, password, project=t.jira_project, issue_type=t.jira_issue_type,
                      timeout=settings.timeout)  # fmt: skip
    else:
        from forwarder.tickets.pagerduty import PagerDuty

        system = PagerDuty(t.url, routing_key, timeout=settings.timeout)
    return Tracker(system, min_risk=t.min_risk)
