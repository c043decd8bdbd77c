"""One raw event (a JSON object from `forwarder.sources`) -> one `Record`.

Shapes: the Events Service's CloudEvents 0.1 envelope (`eventType`, `eventID`, `eventTime`, `data`,
`extensions`) and CloudEvents 1.0 log records (`type`, `id`, `time`, `oracle{...}`, `data`), as
Connector Hub, Streaming and Logging Search carry them. What `data` holds decides the kind: a Cloud
Guard problem (event type `com.oraclecloud.cloudguard.problem*`), an audit record (`identity`,
`eventName`, the `_Audit` log group) or anything else (OTHER). Fields of the wrong type are treated
as absent; export artefacts are repaired first (`repair`), credentials redacted (`redact`).
"""

from __future__ import annotations

from typing import Any

from forwarder.normalize.fields import as_line, as_map, as_str, details, digest, first_address, labels
from forwarder.normalize.record import RISK_LEVELS, Kind, Lifecycle, Principal, Record, Resource, severity_for_risk
from forwarder.normalize.redact import redact
from forwarder.normalize.repair import repair
from forwarder.normalize.timeparse import iso_or_raw, parse_time

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
    event_type = as_str(event.get("eventType")) or as_str(event.get("type"))
    type_key = (event_type or "").lower()
    data = as_map(event.get("data"))
    oracle = as_map(event.get("oracle"))
    time_raw = as_str(event.get("eventTime")) or as_str(event.get("time"))
    record = Record(
        event_id=as_str(event.get("eventID")) or as_str(event.get("id")) or digest(event),
        event_type=event_type,
        kind=Kind.OTHER,
        original=event,
        source=as_str(event.get("source")),
        time=parse_time(time_raw),
        time_raw=time_raw,
        compartment_id=as_str(data.get("compartmentId"))
        or as_str(as_map(event.get("extensions")).get("compartmentId"))
        or as_str(oracle.get("compartmentid")),
        compartment_name=as_str(data.get("compartmentName")),
        tenancy_id=as_str(oracle.get("tenantid")),
        region=default_region,
    )
    if type_key.startswith(_CLOUD_GUARD_PREFIX + "problem"):
        _fill_problem(record, type_key[len(_CLOUD_GUARD_PREFIX) :], data)
    elif oracle.get("loggroupid") == "_Audit" or any(k in data for k in ("identity", "eventGroupingId", "eventName")):
        _fill_audit(record, data)
    else:
        record.title = as_line(data.get("resourceName")) or event_type
        record.description = as_line(data.get("message"))
        record.resource = Resource(as_str(data.get("resourceName")), as_str(data.get("resourceId")))
        record.details = details(data.get("additionalDetails"))
    return record


def _fill_problem(record: Record, suffix: str, data: dict[str, Any]) -> None:
    info = as_map(data.get("additionalDetails"))
    record.kind = Kind.PROBLEM
    record.reason = as_str(info.get("reason"))
    lifecycle = _LIFECYCLES.get(suffix)
    if lifecycle is Lifecycle.DETECTED and "updated" in (record.reason or "").lower():
        lifecycle = Lifecycle.UPDATED
    record.lifecycle = lifecycle
    risk = (as_str(info.get("riskLevel")) or "").strip().upper() or None
    record.risk_level = risk
    record.severity = severity_for_risk(risk if risk in RISK_LEVELS else None)
    record.title = as_str(data.get("resourceName")) or as_str(info.get("problemName")) or record.event_type
    record.description = as_str(info.get("problemDescription"))
    record.recommendation = as_str(info.get("problemRecommendation")) or as_str(info.get("recommendation"))
    record.problem_id = as_str(data.get("resourceId"))
    record.problem_name = as_str(info.get("problemName"))
    record.problem_type = as_str(info.get("problemType"))
    record.detector = as_str(info.get("detectorId"))
    record.status = as_str(info.get("status"))
    record.labels = labels(info.get("labels"))
    record.details = details(info.get("problemAdditionalDetails"))
    record.first_detected = iso_or_raw(info.get("firstDetected"))
    record.last_detected = iso_or_raw(info.get("lastDetected"))
    record.target_id = as_str(info.get("targetId"))
    record.resource = Resource(as_str(info.get("resourceName")), as_str(info.get("resourceId")),
                               as_str(info.get("resourceType")))  # fmt: skip
    record.impacted_resource = Resource(
        as_str(info.get("impactedResourceName")),
        as_str(info.get("impactedResourceId")),
        as_str(info.get("impactedResourceType")),
    )
    record.tenancy_id = as_str(info.get("tenantId")) or record.tenancy_id
    record.region = as_str(info.get("region")) or record.region


def _fill_audit(record: Record, data: dict[str, Any]) -> None:
    identity = as_map(data.get("identity"))
    request = as_map(data.get("request"))
    response = as_map(data.get("response"))
    record.kind = Kind.AUDIT
    message = as_line(data.get("message"))
    event_name = as_line(data.get("eventName"))
    record.title = message or event_name or (record.event_type or "").rsplit(".", 1)[-1] or None
    record.description = message
    record.resource = Resource(as_str(data.get("resourceName")), as_str(data.get("resourceId")))
    record.details = details(data.get("additionalDetails"))
    record.principal = Principal(
        name=as_str(identity.get("principalName")),
        id=as_str(identity.get("principalId")),
        ip=first_address(identity.get("ipAddress")),
        user_agent=as_str(identity.get("userAgent")),
        auth_type=as_str(identity.get("authType")),
    )
    record.tenancy_id = record.tenancy_id or as_str(identity.get("tenantId"))  # where it happened, else the caller's
    record.request_id = as_str(request.get("id"))
    record.request_action = as_str(request.get("action"))
    record.request_path = as_str(request.get("path"))
    record.response_status = as_str(response.get("status"))
