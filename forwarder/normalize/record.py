"""The normalized record: one shape for every OCI event the forwarder carries.

A `Record` is built by `forwarder.normalize.normalize` from one raw event (an Events Service
CloudEvents 0.1 envelope, a Service Connector Hub CloudEvents 1.0 log record, or anything else)
and is what every format consumes. Field names use the field's standard terms: problem, risk
level, detector, compartment, principal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Kind(enum.StrEnum):
    """What an event is about."""

    PROBLEM = "cloudguard_problem"  #: a Cloud Guard problem event (com.oraclecloud.cloudguard.problem*)
    AUDIT = "audit"  #: an audit record, or a service event derived from one (carries identity/request)
    OTHER = "other"  #: any other event, including shapes the parser does not know


class Lifecycle(enum.StrEnum):
    """Where a Cloud Guard problem is in its life, from the event type and `reason`."""

    DETECTED = "detected"  #: problemdetected, "New Problem detected by CloudGuard"
    UPDATED = "updated"  #: problemdetected, "Existing Problem updated by CloudGuard"
    DISMISSED = "dismissed"  #: problemdismissed
    REMEDIATED = "remediated"  #: problemremediated
    THRESHOLD_REACHED = "threshold_reached"  #: problemthresholdreached


class Severity(enum.StrEnum):
    """Normalized severity, ordered from most to least severe.

    Cloud Guard risk levels map one to one (CRITICAL, HIGH, MEDIUM, LOW); MINOR and events that
    carry no risk level (audit, other) are INFO.
    """

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def syslog(self) -> int:
        """RFC 5424 section 6.2.1 severity: 2 critical, 3 error, 4 warning, 5 notice, 6 informational."""
        return _SYSLOG_SEVERITY[self]

    @property
    def cef(self) -> int:
        """CEF / LEEF severity, 0-10 (10 most severe)."""
        return _CEF_SEVERITY[self]


_SYSLOG_SEVERITY = {
    Severity.CRITICAL: 2,
    Severity.HIGH: 3,
    Severity.MEDIUM: 4,
    Severity.LOW: 5,
    Severity.INFO: 6,
}
_CEF_SEVERITY = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 8,
    Severity.MEDIUM: 5,
    Severity.LOW: 3,
    Severity.INFO: 1,
}

#: Cloud Guard risk levels, most severe first. MINOR is the least severe.
RISK_LEVELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "MINOR")


def iso_utc(moment: datetime) -> str:
    """An aware datetime as RFC 3339 UTC with milliseconds: `2021-08-28T16:37:59.000Z`."""
    m = moment  # an f-string is several times faster than strftime on this hot path
    date = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    return f"{date}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond // 1000:03d}Z"


def severity_for_risk(risk_level: str | None) -> Severity:
    """Map a Cloud Guard risk level (upper case, or None) to a `Severity`."""
    if risk_level in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
        return Severity(risk_level.lower())
    return Severity.INFO


@dataclass(slots=True)
class Resource:
    """A resource named by an event: display name, OCID (or other id) and type; any may be None."""

    name: str | None = None
    id: str | None = None
    type: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "id": self.id, "type": self.type}


@dataclass(slots=True)
class Principal:
    """Who made the call, from audit `identity`: user or service principal, source IP, client."""

    name: str | None = None  #: identity.principalName
    id: str | None = None  #: identity.principalId (an OCID)
    ip: str | None = None  #: identity.ipAddress
    user_agent: str | None = None  #: identity.userAgent
    auth_type: str | None = None  #: identity.authType (natv, res_principal, ...)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "id": self.id,
            "ip": self.ip,
            "userAgent": self.user_agent,
            "authType": self.auth_type,
        }


@dataclass(slots=True)
class Record:
    """One OCI event, normalized. Every string field may be None when the event lacks it.

    Fields:
        event_id: `eventID` (0.1) or `id` (1.0); when absent, `sha256:` + a digest of the event,
            so the same event always gets the same id (deduplication, ticket keys).
        event_type: the event type as sent (`eventType` / `type`); compare it lowercased.
        kind: PROBLEM, AUDIT or OTHER.
        lifecycle: for problems, DETECTED / UPDATED / DISMISSED / REMEDIATED / THRESHOLD_REACHED.
        source: the envelope's `source` ("CloudGuardResponderEngine", "ObjectStorage", ...).
        time: event time as an aware UTC datetime, or None when missing or unparseable.
        time_raw: the event time string as sent.
        risk_level: Cloud Guard risk level upper-cased (CRITICAL, HIGH, MEDIUM, LOW, MINOR).
        severity: normalized `Severity`.
        title: a one-line summary: the problem's display name, or the audit message/event name.
        description: problemDescription, or the audit `message`.
        recommendation: problemRecommendation.
        problem_id: the Cloud Guard problem OCID (`data.resourceId` of a problem event).
        problem_name: the detector rule id (problemName, e.g. BUCKET_IS_PUBLIC).
        problem_type: CONFIG_CHANGE, ACTIVITY, THREAT, ...
        detector: detectorId when the event carries it.
        status: problem status (OPEN, RESOLVED, DISMISSED).
        reason: the Cloud Guard `reason` sentence.
        labels: problem labels as a list (the event sends a comma-separated string).
        details: problemAdditionalDetails for problems, data.additionalDetails for other events;
            list-like strings ("[a, b]") become lists.
        first_detected, last_detected: ISO 8601 UTC strings, or the raw string when unparseable.
        target_id: the Cloud Guard target OCID.
        resource: for problems the resource the problem is about; for audit the resource acted on.
        impacted_resource: for problems, impactedResourceName/Id/Type when present.
        compartment_id, compartment_name: where the event happened.
        tenancy_id: the tenancy OCID.
        region: region name (additionalDetails.region, else the function's own region).
        principal: the caller (audit), a `Principal`.
        request_id, request_action, request_path: audit `request.id`, `.action` (HTTP method), `.path`.
        response_status: audit `response.status` (a string such as "200").
        original: the event as received, with credentials redacted (see `forwarder.normalize.redact`).
    """

    event_id: str
    event_type: str | None
    kind: Kind
    original: Any
    lifecycle: Lifecycle | None = None
    source: str | None = None
    time: datetime | None = None
    time_raw: str | None = None
    risk_level: str | None = None
    severity: Severity = Severity.INFO
    title: str | None = None
    description: str | None = None
    recommendation: str | None = None
    problem_id: str | None = None
    problem_name: str | None = None
    problem_type: str | None = None
    detector: str | None = None
    status: str | None = None
    reason: str | None = None
    labels: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    first_detected: str | None = None
    last_detected: str | None = None
    target_id: str | None = None
    resource: Resource = field(default_factory=Resource)
    impacted_resource: Resource = field(default_factory=Resource)
    compartment_id: str | None = None
    compartment_name: str | None = None
    tenancy_id: str | None = None
    region: str | None = None
    principal: Principal = field(default_factory=Principal)
    request_id: str | None = None
    request_action: str | None = None
    request_path: str | None = None
    response_status: str | None = None

    @property
    def time_iso(self) -> str | None:
        """Event time as RFC 3339 UTC with milliseconds (`2021-08-28T16:37:59.000Z`), or None."""
        return None if self.time is None else iso_utc(self.time)

    @property
    def time_ms(self) -> int | None:
        """Event time in milliseconds since the Unix epoch, or None."""
        if self.time is None:
            return None
        return int(self.time.timestamp() * 1000)

    def to_dict(self, include_original: bool = True) -> dict[str, Any]:
        """The record as JSON-ready data with camelCase keys (the JSON payload's schema)."""
        out: dict[str, Any] = {
            "eventId": self.event_id,
            "eventType": self.event_type,
            "kind": self.kind.value,
            "lifecycle": self.lifecycle.value if self.lifecycle else None,
            "source": self.source,
            "time": self.time_iso or self.time_raw,
            "riskLevel": self.risk_level,
            "severity": self.severity.value,
            "title": self.title,
            "description": self.description,
            "recommendation": self.recommendation,
            "problemId": self.problem_id,
            "problemName": self.problem_name,
            "problemType": self.problem_type,
            "detector": self.detector,
            "status": self.status,
            "reason": self.reason,
            "labels": self.labels,
            "details": self.details,
            "firstDetected": self.first_detected,
            "lastDetected": self.last_detected,
            "targetId": self.target_id,
            "resource": self.resource.to_dict(),
            "impactedResource": self.impacted_resource.to_dict(),
            "compartment": {"id": self.compartment_id, "name": self.compartment_name},
            "tenancyId": self.tenancy_id,
            "region": self.region,
            "principal": self.principal.to_dict(),
            "request": {"id": self.request_id, "action": self.request_action, "path": self.request_path},
            "responseStatus": self.response_status,
        }
        if include_original:
            out["original"] = self.original
        return out
