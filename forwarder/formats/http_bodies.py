"""HTTP request bodies: a JSON array per request (webhook) or Splunk HEC concatenated events.

Each function is pure. `join` builds one request body from encoded items; the pipeline decides
how many records go in one request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from forwarder import jsoncodec
from forwarder.formats import record_json
from forwarder.normalize.record import Record


def webhook_item(record: Record) -> bytes:
    """One element of the webhook's JSON array: the record's JSON payload."""
    return record_json.encode(record)


def webhook_join(items: Sequence[bytes]) -> bytes:
    """A webhook request body: a JSON array of records."""
    return b"[" + b",".join(items) + b"]"


def hec_item(
    record: Record,
    *,
    index: str | None,
    sourcetype: str,
    source: str,
    host: str,
    shape: Callable[[dict], dict[str, Any]] | None = None,
) -> bytes:
    """One Splunk HEC event object (`POST /services/collector/event`, Splunk HEC REST reference).

    `time` is epoch seconds with milliseconds (left out when the event time is unknown, so Splunk
    uses the receive time); `event` is the record; `fields` carries index-time fields for fast
    filtering (flat strings only, as HEC requires); `shape` (`formats.shape.shaper`) what `event` keeps.
    """
    envelope: dict[str, object] = {}
    if record.time_ms is not None:
        envelope["time"] = record.time_ms / 1000
    envelope.update(host=host, source=source, sourcetype=sourcetype)
    if index:
        envelope["index"] = index
    envelope["event"] = record.data if shape is None else shape(record.data)
    fields = {
        "kind": record.kind.value,
        "eventType": record.event_type,
        "riskLevel": record.risk_level,
        "severity": record.severity.value,
        "compartmentId": record.compartment_id,
        "region": record.region,
    }
    envelope["fields"] = {k: v for k, v in fields.items() if v is not None}
    return jsoncodec.encode(envelope)


def hec_join(items: Sequence[bytes]) -> bytes:
    """A HEC request body: event objects concatenated (newline-separated), not an array."""
    return b"\n".join(items)
