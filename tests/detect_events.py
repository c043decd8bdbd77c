"""Real-shaped audit events for detection tests, built from the samples in tests/data.

`audit(type, ...)` is a Connector Hub `_Audit` record (CloudEvents 1.0, the first record of
audit-batch-listevents.json) with its type, event name, caller, status and data changed;
`events_service(type, ...)` is the Events Service form (CloudEvents 0.1, audit-objectstorage-createbucket-public.json).
`scenario(spec)` expands a case of tests/data/detections/cases.json into events.
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
    data: dict | None = None,
) -> dict:
    """An Events Service event (CloudEvents 0.1) of event type `type` (lower case, as Events sends it)."""
    event = copy.deepcopy(_EVENTS)
    event["eventType"] = type
    event["eventID"] = str(uuid.uuid4())
    event["eventTime"] = _iso(at)
    event["data"]["additionalDetails"] = details or {}
    event["data"]["identity"]["principalName"] = principal
    event["data"]["response"]["status"] = status
    return _merge(event, data or {})


def scenario(case: dict) -> list[dict]:
    """Events of one case: `{"events": [spec, ...]}`, each spec `{"form": "audit"|"events", "type", ...,
    "repeat": n, "every": seconds}` (repeats spaced `every` seconds apart from START + `offset` seconds)."""
    out = []
    for spec in case["events"]:
        spec = dict(spec)
        form = spec.pop("form", "audit")
        repeat, every, offset = spec.pop("repeat", 1), spec.pop("every", 30), spec.pop("offset", 0)
        for i in range(repeat):
            at = START + timedelta(seconds=offset + i * every)
            out.append((audit if form == "audit" else events_service)(at=at, **spec))
    return out
