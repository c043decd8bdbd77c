"""Real-shaped audit events for detection tests, built from the samples in tests/data.

`audit(type, ...)` is a Connector Hub `_Audit` record (CloudEvents 1.0, the first record of
audit-batch-listevents.json) with its type, event name, caller, status and data changed;
`events_service(type, ...)` is the Events Service form (CloudEvents 0.1, audit-objectstorage-createbucket-public.json).
`flow(...)` is a VCN flow-log record as Connector Hub delivers it (flowlogs-connector-hub-batch.json), and
`flow_search(...)` the same record read back from a Logging Search response (flowlogs-logging-search-response.json).
`scenario(spec)` expands a case of tests/data/detections/cases.json into events; `scenario(spec, form)` puts
every audit event in one form ("audit" or "events") and every flow record in one ("flow" or "search").
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

DATA = Path(__file__).parent / "data"
_AUDIT = json.loads((DATA / "audit-batch-listevents.json").read_text())[0]
_EVENTS = json.loads((DATA / "audit-objectstorage-createbucket-public.json").read_text())
_FLOW = json.loads((DATA / "flowlogs-connector-hub-batch.json").read_text())[1]
_SEARCH = json.loads((DATA / "flowlogs-logging-search-response.json").read_text())["results"][1]
#: The forms an event of a case can take: audit records (two forms) and flow-log records (two forms).
AUDIT_FORMS = ("audit", "events")
FLOW_FORMS = ("flow", "search")
START = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)


def _merge(target: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def audit(
    type: str,
    *,
    at: datetime = START,
    status: str = "200",
    principal: str = "jane.doe@example.com",
    ip: str = "198.51.100.24",
    ua: str = "Oracle-PythonSDK/2.189.0",
    action: str = "POST",
    resource: str | None = None,
    details: dict | None = None,
    data: dict | None = None,
    event_id: str | None = None,
) -> dict:
    """A `_Audit` log record (Connector Hub) of event type `type` (`com.oraclecloud.<Service>.<Operation>`)."""
    event = copy.deepcopy(_AUDIT)
    d = event["data"]
    event["type"] = type
    event["id"] = event_id or str(uuid.uuid4())
    event["time"] = _iso(at)
    d["eventName"] = type.rsplit(".", 1)[-1]
    d["message"] = f"{d['eventName']} succeeded"
    d["identity"].update(principalName=principal, ipAddress=ip, userAgent=ua)
    d["request"]["action"] = action
    d["response"]["status"] = status
    d["resourceName"] = resource
    d["additionalDetails"] = details or {}
    return _merge(event, data or {})


def events_service(
    type: str,
    *,
    at: datetime = START,
    details: dict | None = None,
    principal: str = "jane.doe",
    status: str = "200",
    ip: str | None = None,
    ua: str | None = None,
    action: str | None = None,
    resource: str | None = None,
    data: dict | None = None,
    event_id: str | None = None,
) -> dict:
    """An Events Service event (CloudEvents 0.1) of event type `type` (lower case, as Events sends it)."""
    event = copy.deepcopy(_EVENTS)
    d = event["data"]
    event["eventType"] = type.lower()
    event["eventID"] = event_id or str(uuid.uuid4())
    event["eventTime"] = _iso(at)
    d["additionalDetails"] = details or {}
    d["identity"]["principalName"] = principal
    for key, value in (("ipAddress", ip), ("userAgent", ua)):
        if value is not None:
            d["identity"][key] = value
    if action is not None:
        d["request"]["action"] = action
    if resource is not None:
        d["resourceName"] = resource
    d["response"]["status"] = status
    return _merge(event, data or {})


def flow(
    *,
    at: datetime = START,
    action: str = "ACCEPT",
    src: str = "198.51.100.77",
    sport: int = 51234,
    dst: str = "10.0.0.219",
    dport: int = 22,
    protocol: int = 6,
    event_id: str | None = None,
) -> dict:
    """A VCN flow-log record (CloudEvents 1.0, type `com.oraclecloud.vcn.flowlogs.DataEvent`), Connector Hub form."""
    event = copy.deepcopy(_FLOW)
    event["id"] = event_id or str(uuid.uuid4())
    event["time"] = _iso(at)
    seconds = int(at.timestamp())
    event["data"].update(
        action=action,
        sourceAddress=src,
        sourcePort=sport,
        destinationAddress=dst,
        destinationPort=dport,
        protocol=protocol,
        protocolName={6: "TCP", 17: "UDP", 1: "ICMP"}.get(protocol, str(protocol)),
        startTime=seconds,
        endTime=seconds + 1,
    )
    return event


def flow_search(**kwargs) -> dict:
    """The record `flow(**kwargs)` makes, as the `logsearch` source reads it from a Logging Search result
    (the result's `logContent`, completed from `datetime`; `time` left for the source to fill)."""
    from forwarder.sources.logging_search import record

    content = flow(**kwargs)
    result = copy.deepcopy(_SEARCH)
    millis = int(datetime.fromisoformat(content.pop("time").replace("Z", "+00:00")).timestamp() * 1000)
    result["data"].update(datetime=millis, logContent=content)
    return record(result)


_MAKERS = {"audit": audit, "events": events_service, "flow": flow, "search": flow_search}


def scenario(case: dict, form: str | None = None) -> list[dict]:
    """Events of one case: `{"events": [spec, ...]}`, each spec `{"form": "audit"|"events"|"flow"|"search",
    "type", ..., "repeat": n, "every": seconds, "step": {key: number or "text {i}"}}` (repeats spaced `every`
    seconds apart from START + `offset` seconds; `step` keys vary per repeat: a number added i times, a text
    formatted). `form` puts every audit spec in that audit form, or every flow spec in that flow form."""
    out = []
    for spec in case["events"]:
        spec = dict(spec)
        kind = spec.pop("form", "audit")
        if form is not None and (kind in AUDIT_FORMS) == (form in AUDIT_FORMS):
            kind = form
        repeat, every, offset = spec.pop("repeat", 1), spec.pop("every", 30), spec.pop("offset", 0)
        step = spec.pop("step", {})
        for i in range(repeat):
            at = START + timedelta(seconds=offset + i * every)
            varied = {key: value.format(i=i) if isinstance(value, str) else value + i for key, value in step.items()}
            out.append(_MAKERS[kind](at=at, **{**spec, **varied}))
    return out


def fired(events: list[dict], name: str, placeholders: dict | None = None) -> list:
    """The detections rule `name` of the built-in pack makes on `events` (raw events, normalized here)."""
    from forwarder.detect import pack
    from forwarder.detect.engine import Detector
    from forwarder.normalize import normalize

    result = Detector(list(pack.builtin()), placeholders=placeholders).evaluate([normalize(e) for e in events])
    assert result.warning is None
    return [d for d in result.detections if d.details["ruleName"] == name]
