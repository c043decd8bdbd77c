"""From audit events to counted changes: normalize each event (the same `normalize` as every other path:
credentials redacted, both key styles), classify it by the table (`changes`), count it (`tally`)."""

from __future__ import annotations

from forwarder.jsoncodec import encode
from forwarder.normalize import normalize
from forwarder.report import changes as ch
from forwarder.report.day import Day
from forwarder.report.tally import Tally


def changes_of(tally: Tally, events: list[dict], region: str, day: Day) -> list[ch.Change]:
    """Count a page of audit events of `region` (dicts as Logging Search gives them) in `tally`; return
    the changes inside the day, in page order (the CSV rows). Reads sent as POST are counted apart."""
    batch = []
    for event in events:
        tally.bytes_read += len(encode(event))
        record = normalize(event, region)
        data = record.original.get("data")
        name = data.get("eventName") if isinstance(data, dict) else None
        name = name if isinstance(name, str) else None
        action = record.request_action
        kind = ch.classify(action, name)
        if kind is None:
            tally.read_posts += ch.is_read_post(action, name)
            continue
        moment, principal, resource = record.time, record.principal, record.resource
        service = ch.service_of(record.event_type)
        change = ch.Change(
            "" if moment is None else day.local(moment),
            "failed" if ch.failed(record.response_status) else "done",
            kind,
            ch.category(service) or "",
            service,
            name or "",
            (action or "").upper(),
            principal.name or "",
            principal.id or "",
            principal.auth_type or "",
            principal.ip or "",
            resource.name or "",
            resource.id or "",
            record.compartment_name or "",
            record.compartment_id or "",
            record.region or region,
            record.response_status or "",
            record.request_id or "",
            record.event_id or "",
        )
        if tally.add(change, moment, record.time_iso or ""):
            batch.append(change)
    return batch
