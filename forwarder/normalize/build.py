"""One raw event (a JSON object from `forwarder.sources`) -> one `Record`.

Shapes: the Events Service's CloudEvents 0.1 envelope (`eventType`, `eventID`, `eventTime`, `data`,
`extensions`), the Audit API's (`eventId`; snake_case and kebab-case keys are made camelCase by
`repair`), and CloudEvents 1.0 log records (`type`, `id`, `time`, `oracle{...}`, `data`), as
Connector Hub, Streaming and Logging Search carry them. What `data` holds decides the kind: a Cloud
Guard problem (event type `com.oraclecloud.cloudguard.problem*`), an audit record (`identity`,
`eventName`, the `_Audit` log group) or anything else (OTHER). Fields of the wrong type are treated
as absent; export artefacts are repaired first (`repair`), credentials redacted (`redact`).

The record's output mapping is built once, as one dict in the key order of `record.SCHEMA`, and
filled in place by kind: this is the hot path of every source, so it makes no intermediate objects.
"""

from __future__ import annotations

from typing import Any

from forwarder.normalize.fields import (
    as_line,
    as_map,
    as_str,
    details,
    digest,
    event_id,
    event_time,
    first_address,
    labels,
)
from forwarder.normalize.record import RISK_LEVELS, Kind, Lifecycle, Record, Severity, severity_for_risk
from forwarder.normalize.redact import redact
from forwarder.normalize.repair import repair
from forwarder.normalize.timeparse import iso_or_raw, parse_text

_CLOUD_GUARD_PREFIX = "com.oraclecloud.cloudguard."
_LIFECYCLES = {
    "problemdetected": Lifecycle.DETECTED,
    "problemdismissed": Lifecycle.DISMISSED,
    "problemremediated": Lifecycle.REMEDIATED,
    "problemthresholdreached": Lifecycle.THRESHOLD_REACHED,
}


def normalize(event: dict[str, Any], default_region: str | None = None) -> Record:
    """Build a Record from one raw event, repairing export artefacts and redacting credentials first.

    Args:
        event: a decoded JSON object (`forwarder.sources` yields only objects as events); repaired and
            redacted in place, then kept as `Record.original`.
        default_region: region to report when the event names none (the function's region).
    Returns:
        A Record; never raises for any JSON object.

    Example:
        >>> normalize({"eventType": "com.oraclecloud.objectstorage.createbucket", "eventID": "e1",
        ...            "data": {"eventName": "CreateBucket", "identity": {"principalName": "jane"}}}).kind
        <Kind.AUDIT: 'audit'>
    """
    redact(repair(event))
    get = event.get
    event_type = as_str(get("eventType")) or as_str(get("type"))
    data = as_map(get("data"))
    oracle = as_map(get("oracle"))
    time_raw = event_time(event)
    moment, time_text = (None, None) if time_raw is None else parse_text(time_raw)
    out: dict[str, Any] = {  # every key of record.SCHEMA, in order; the kind's fields are filled below
        "eventId": event_id(event) or digest(event),
        "eventType": event_type,
        "kind": Kind.OTHER,
        "lifecycle": None,
        "source": as_str(get("source")),
        "time": time_text,
        "riskLevel": None,
        "severity": Severity.INFO,
        "title": None,
        "description": None,
        "recommendation": None,
        "problemId": None,
        "problemName": None,
        "problemType": None,
        "detector": None,
        "status": None,
        "reason": None,
        "labels": [],
        "details": None,
        "firstDetected": None,
        "lastDetected": None,
        "targetId": None,
        "resource": None,
        "impactedResource": {"name": None, "id": None, "type": None},
        "compartment": {
            "id": as_str(data.get("compartmentId"))
            or as_str(as_map(get("extensions")).get("compartmentId"))
            or as_str(oracle.get("compartmentid")),
            "name": as_str(data.get("compartmentName")),
        },
        "tenancyId": as_str(oracle.get("tenantid")),
        "tenancyName": None,
        "region": default_region,
        "principal": None,
        "request": None,
        "responseStatus": None,
        "original": event,
    }
    type_key = (event_type or "").lower()
    if type_key.startswith(_CLOUD_GUARD_PREFIX + "problem"):
        _problem(out, type_key[len(_CLOUD_GUARD_PREFIX) :], data)
    elif oracle.get("loggroupid") == "_Audit" or "identity" in data or "eventGroupingId" in data or "eventName" in data:
        _audit(out, data, event_type)
    else:
        out["title"] = as_line(data.get("resourceName")) or event_type
        out["description"] = as_line(data.get("message"))
        out["resource"] = {"name": as_str(data.get("resourceName")), "id": as_str(data.get("resourceId")), "type": None}
        out["details"] = details(data.get("additionalDetails"))
    if out["principal"] is None:
        out["principal"] = {"name": None, "id": None, "ip": None, "userAgent": None, "authType": None}
        out["request"] = {"id": None, "action": None, "path": None}
    return Record(out, moment, time_raw)


def _problem(f: dict[str, Any], suffix: str, data: dict[str, Any]) -> None:
    info = as_map(data.get("additionalDetails"))
    get = info.get
    reason = as_str(get("reason"))
    lifecycle = _LIFECYCLES.get(suffix)
    if lifecycle is Lifecycle.DETECTED and "updated" in (reason or "").lower():
        lifecycle = Lifecycle.UPDATED
    risk = (as_str(get("riskLevel")) or "").strip().upper() or None
    f["kind"] = Kind.PROBLEM
    f["reason"] = reason
    f["lifecycle"] = lifecycle
    f["riskLevel"] = risk
    f["severity"] = severity_for_risk(risk if risk in RISK_LEVELS else None)
    f["title"] = as_str(data.get("resourceName")) or as_str(get("problemName")) or f["eventType"]
    f["description"] = as_str(get("problemDescription"))
    f["recommendation"] = as_str(get("problemRecommendation")) or as_str(get("recommendation"))
    f["problemId"] = as_str(data.get("resourceId"))
    f["problemName"] = as_str(get("problemName"))
    f["problemType"] = as_str(get("problemType"))
    f["detector"] = as_str(get("detectorId"))
    f["status"] = as_str(get("status"))
    f["labels"] = labels(get("labels"))
    f["details"] = details(get("problemAdditionalDetails"))
    f["firstDetected"] = iso_or_raw(get("firstDetected"))
    f["lastDetected"] = iso_or_raw(get("lastDetected"))
    f["targetId"] = as_str(get("targetId"))
    f["resource"] = {
        "name": as_str(get("resourceName")),
        "id": as_str(get("resourceId")),
        "type": as_str(get("resourceType")),
    }
    f["impactedResource"] = {
        "name": as_str(get("impactedResourceName")),
        "id": as_str(get("impactedResourceId")),
        "type": as_str(get("impactedResourceType")),
    }
    f["tenancyId"] = as_str(get("tenantId")) or f["tenancyId"]
    f["region"] = as_str(get("region")) or f["region"]


def _audit(f: dict[str, Any], data: dict[str, Any], event_type: str | None) -> None:
    identity = as_map(data.get("identity"))
    request = as_map(data.get("request"))
    message = as_line(data.get("message"))
    f["kind"] = Kind.AUDIT
    f["title"] = message or as_line(data.get("eventName")) or (event_type or "").rsplit(".", 1)[-1] or None
    f["description"] = message
    f["resource"] = {"name": as_str(data.get("resourceName")), "id": as_str(data.get("resourceId")), "type": None}
    f["details"] = details(data.get("additionalDetails"))
    f["principal"] = {
        "name": as_str(identity.get("principalName")),
        "id": as_str(identity.get("principalId")),
        "ip": first_address(identity.get("ipAddress")),
        "userAgent": as_str(identity.get("userAgent")),
        "authType": as_str(identity.get("authType")),
    }
    f["tenancyId"] = f["tenancyId"] or as_str(identity.get("tenantId"))  # where it happened, else the caller's
    f["request"] = {
        "id": as_str(request.get("id")),
        "action": as_str(request.get("action")),
        "path": as_str(request.get("path")),
    }
    f["responseStatus"] = as_str(as_map(data.get("response")).get("status"))
