"""The data path, one invocation at a time: body -> events -> records -> every route -> summary.

`Pipeline.process(body, deadline)` (an invocation body), or `Pipeline.process_items(items, deadline)`
(one bounded batch of a file read by `forwarder.sources.read_batches`):
1. `forwarder.sources.read_body` yields events and rejects (parts that are not events);
2. rejects are kept as dead letters under the sink "parse";
3. events become `Record`s (`forwarder.normalize`), named by the enricher (`forwarder.enrich`: compartment
   path, principal's groups, ...; never holds delivery back); the detector matches them against the rule pack and
   adds the detection records it makes (`forwarder.detect`; never holds delivery back);
4. every record goes to every route whose filter takes it (the others count `filtered`), retrying
   transient failures under the one policy of `forwarder.retry`, until `dead_letter.RESERVE` seconds
   before the deadline; what still fails is kept in the dead-letter bucket; ids a sink already delivered
   or kept are not sent or kept again;
5. tickets are opened, updated or resolved for problems (after the SIEM, so they never hold it back).
The `Summary` says per sink what was delivered, kept or failed: the caller answers success only when
every event was delivered or kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from forwarder.delivery.deadletter import RESERVE, DeadLetter, DeadLetterError, entry
from forwarder.delivery.route import Route
from forwarder.delivery.summary import Summary
from forwarder.normalize import Record, normalize, type_problems
from forwarder.retry import Failure, describe, next_wait
from forwarder.runtime import dedupe, gc_tuning
from forwarder.sources import Item, Reject, read_body
from forwarder.sources.body import looks_known

if TYPE_CHECKING:  # tickets (and httpx) load only when configured: keeps the cold start short
    from forwarder.detect.engine import Detector
    from forwarder.enrich.stage import Enricher
    from forwarder.tickets.tracker import Tracker

log = logging.getLogger("forwarder")

#: The pseudo-sink under which parts of a body that are not events are counted and kept.
PARSE = "parse"


class Pipeline:
    """Runs the data path for invocation bodies. Build once per container (`forwarder.wiring.build`).

    Args:
        routes: where records go; at least one.
        region: region reported for events that name none.
        tracker: opens, updates and resolves tickets for problems (after SIEM delivery), or None.
        dead_letter: where undeliverable events are kept, or None (they then fail the invocation).
        detector: runs the detection rules over every batch, or None.
        enricher: names the OCIDs of every batch's records before detection, or None.
    """

    def __init__(
        self,
        routes: Sequence[Route],
        region: str | None = None,
        tracker: Tracker | None = None,
        dead_letter: DeadLetter | None = None,
        detector: Detector | None = None,
        enricher: Enricher | None = None,
    ):
        if not routes:
            raise ValueError("a Pipeline needs at least one route")
        self.routes = list(routes)
        self.region = region
        self.tracker = tracker
        self.dead_letter = dead_letter
        self.detector = detector
        self.enricher = enricher
        self.rejected = dedupe.Memory()  #: ids of rejected parts already kept

    def process(self, body: bytes, deadline: float | None = None) -> Summary:
        """Forward every event in an invocation body to every route; keep what cannot be delivered.

        Args:
            body: the invocation body (see `forwarder.sources.read_body`).
            deadline: `time.monotonic()` by which all work must end, or None.
        Returns:
            A Summary; never raises for bad input or failing receivers.
        """
        return self.process_items(read_body(body), deadline)

    def process_items(
        self,
        items: Iterable[Item],
        deadline: float | None = None,
        region: str | None = None,
        tenancy: tuple[str, str | None] | None = None,
    ) -> Summary:
        """`process` for items already read (events and rejects), e.g. one batch of a file or one page
        read from an OCI API in `region` (reported for events that name none; default: the pipeline's)
        of `tenancy` (its OCID and name: records that name no tenancy get the OCID, and records of that
        tenancy its name)."""
        with gc_tuning.paused():  # a bounded batch of acyclic data: no collector passes over it
            return self._process(items, deadline, region or self.region, tenancy)

    def _process(
        self, items: Iterable[Item], deadline: float | None, region: str | None, tenancy: tuple | None = None
    ) -> Summary:
        summary = Summary()
        records: list[Record] = []
        rejects: list[Reject] = []
        for item in items:
            summary.received += 1
            if not isinstance(item, Reject):
                try:
                    record = self._record(item, region)
                    if tenancy is not None:
                        data = record.data
                        data["tenancyId"] = data["tenancyId"] or tenancy[0]
                        if data["tenancyId"] == tenancy[0]:
                            data["tenancyName"] = tenancy[1]
                    records.append(record)
                    if record.data["eventType"] is None:
                        summary.unknown_shape += 1
                    if record.data["kind"] == "other" and looks_known(item):
                        summary.looked_known += 1
                    continue
                except Exception as exc:  # a normalize bug must not lose the event, nor the batch
                    log.exception("cannot normalize an event")
                    item = Reject(f"cannot normalize the event: {describe(exc)}", value=item)
            log.error("not an event: %s", item.reason)
            rejects.append(item)
        if rejects:
            self._keep_rejects(rejects, summary, deadline)
        if summary.unknown_shape:
            log.warning(
                "%d event(s) of no known shape (no eventType or type): forwarded as kind 'other'", summary.unknown_shape
            )
        if summary.looked_known:
            log.warning(
                "%d event(s) looked like a known shape but were read as kind 'other' (lookedKnown)",
                summary.looked_known,
            )
        if self.enricher is not None and records:
            try:
                summary.note_enrichment(self.enricher.enrich(records, deadline))
            except Exception as exc:  # an enrichment bug must not hold delivery back
                log.exception("enrichment failed")
                summary.note_enrichment({"warnings": [f"enrichment failed: {describe(exc)}"]})
        if self.detector is not None and records:
            found = self.detector.evaluate(records)
            summary.note_detection(found.matched, len(found.detections), found.state, found.warning, found.unevaluated)
            records += found.detections
        send_deadline = deadline
        if deadline is not None and self.dead_letter is not None:
            send_deadline = deadline - RESERVE
        for route in self.routes:
            chosen = records
            if route.accepts is not None:
                accepts = route.accepts
                chosen = [r for r in records if accepts(r.data)]
                if len(chosen) < len(records):
                    summary.count(summary.filtered, route.name, len(records) - len(chosen))
            delivered, kept, undelivered = self.send(route, chosen, send_deadline)
            summary.count(summary.delivered, route.name, delivered)
            log.debug("sink %s: %d of %d records delivered, %d kept before", route.name, delivered, len(records), kept)
            if kept:
                summary.count(summary.dead_lettered, route.name, kept)
            if undelivered:
                lines = [
                    entry(route.name, r.event_id, why, n, event=r.kept, names=self._names(r.data))
                    for r, why, n in undelivered
                ]
                self._keep_or_fail(summary, route.name, lines, deadline, route.memory)
        if self.tracker is not None:
            for record in records:
                outcome = self.tracker.handle(record, deadline)
                if outcome is not None:
                    summary.tickets.append(outcome.to_dict())
                    if outcome.failed:
                        summary.fail("tickets", record.event_id, outcome.reason or "ticket failed")
        return summary

    def _names(self, data: dict) -> dict | None:
        """What enrichment added to a record (kept with its dead letter), or None."""
        if self.enricher is None:
            return None
        from forwarder.enrich.names import names_of

        return names_of(data)

    def _record(self, event: dict, region: str | None) -> Record:
        record = normalize(event, region)
        problems = type_problems(event)
        if problems:  # forwarded all the same: normalize treats such fields as absent
            log.warning("event %s: %s", record.event_id, "; ".join(problems))
        return record

    def _keep_rejects(self, rejects: list[Reject], summary: Summary, deadline: float | None) -> None:
        fresh = []
        for reject in rejects:
            if self.rejected.get(reject.id) == dedupe.KEPT:
                summary.count(summary.dead_lettered, PARSE, 1)  # kept by an earlier try of this batch
            else:
                fresh.append(entry(PARSE, reject.id, reject.reason, 1, event=reject.value, raw=reject.raw))
        if fresh:
            self._keep_or_fail(summary, PARSE, fresh, deadline, self.rejected)

    def send(
        self, route: Route, records: Sequence[Record], deadline: float | None, *, skip_kept: bool = True
    ) -> tuple[int, int, list[tuple[Record, str, int]]]:
        """Send records to one route, retrying transient failures within `deadline`.

        Args:
            skip_kept: leave out records this sink already kept as dead letters (False when
                re-sending dead letters: `delivery.replay`).
        Returns:
            (how many were delivered, including ones this sink already took earlier; how many this
            sink had already kept; the undelivered as (record, reason, attempts)).
        """
        delivered = kept = 0
        undelivered: list[tuple[Record, str, int]] = []
        encoded: list[tuple[int, bytes]] = []
        seen_as, encode = route.memory.get, route.item
        for index, record in enumerate(records):
            seen = seen_as(record.data["eventId"])
            if seen == dedupe.DELIVERED:
                delivered += 1
            elif seen == dedupe.KEPT and skip_kept:
                kept += 1
            else:
                try:
                    encoded.append((index, encode(record)))
                except Exception as exc:  # a format bug must not lose the other records
                    undelivered.append((record, f"cannot format: {describe(exc)}", 0))
        remaining = route.payloads(encoded)  # takes `encoded` over (joined HTTP bodies replace the records' bytes)
        attempts, reason = 0, ""
        while remaining:
            attempts += 1
            try:
                route.sink.send([p.data for p in remaining], deadline)
                sent, permanent, asked = len(remaining), False, None
            except Exception as exc:  # Failure, or a sink bug (not retried): either way not delivered
                failure = exc if isinstance(exc, Failure) else Failure(describe(exc), permanent=True)
                sent, reason, permanent = failure.delivered, failure.reason, failure.permanent
                asked = failure.retry_after
                log.warning("sink %s, attempt %d: %s", route.name, attempts, reason)
            ids = [records[i].data["eventId"] for p in remaining[:sent] for i in p.records]
            route.memory.remember(ids, dedupe.DELIVERED)
            delivered += len(ids)
            remaining = remaining[sent:]
            if not remaining or permanent:
                break
            wait, why = next_wait(attempts, asked, deadline)
            if wait is None:
                reason = f"{reason} ({why})"
                break
            time.sleep(wait)
        undelivered += [(records[i], reason, attempts) for p in remaining for i in p.records]
        if undelivered:
            log.error(
                "sink %s: %d events not delivered after %d attempts: %s",
                route.name,
                len(undelivered),
                attempts,
                undelivered[-1][1],
            )
        return delivered, kept, undelivered

    def _keep_or_fail(
        self, summary: Summary, sink: str, lines: list[dict], deadline: float | None, memory: dedupe.Memory
    ) -> None:
        """Write dead-letter lines as one object; count them kept (and remember their ids), or failed."""
        if self.dead_letter is None:
            for line in lines:
                summary.fail(sink, line["eventId"], line["reason"])
            return
        try:
            name = self.dead_letter.keep(sink, lines, deadline)
        except DeadLetterError as exc:
            log.error("%s (%d events of sink %s neither delivered nor kept)", exc, len(lines), sink)
            for line in lines:
                summary.fail(sink, line["eventId"], f"{line['reason']}; {exc}")
            return
        memory.remember([line["eventId"] for line in lines], dedupe.KEPT)
        summary.count(summary.dead_lettered, sink, len(lines))
        summary.dead_letters.append({"sink": sink, "object": name, "count": len(lines)})
        log.warning("kept %d events of sink %s in dead-letter object %s", len(lines), sink, name)

    def close(self) -> None:
        for route in self.routes:
            route.sink.close()
        if self.detector is not None:
            self.detector.close()
