"""The normalized record: one shape for every OCI event the forwarder carries.

A `Record` is built by `forwarder.normalize.normalize` from one raw event (an Events Service
CloudEvents 0.1 envelope, a Service Connector Hub CloudEvents 1.0 log record, or anything else)
and is what every format consumes. Field names use the field's standard terms: problem, risk
level, detector, compartment, principal.

The record is built once as its output mapping (`Record.data`, the JSON payload's schema, camelCase
keys, `original` last) and read through typed attributes: no second copy is made to encode it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

#: The JSON payload's keys, in order (the schema of `Record.data`; nested objects shown by their keys).
SCHEMA = tuple(
    """
    eventId eventType kind lifecycle source time riskLevel severity title description recommendation
    problemId problemName problemType detector status reason labels details firstDetected lastDetected
    targetId resource impactedResource compartment tenancyId tenancyName region principal request
    responseStatus original
    """.split()
)


class Kind(enum.StrEnum):
    """What an event is about."""

    PROBLEM = "cloudguard_problem"  #: a Cloud Guard problem event (com.oraclecloud.cloudguard.problem*)
    AUDIT = "audit"  #: an audit record, or a service event derived from one (carries identity/request)
    OTHER = "other"  #: any other event, including shapes the parser does not know
    DETECTION = "detection"  #: a detection: a rule of the Sigma pack fired (`forwarder.detect`)


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
    return _SEVERITY_OF_RISK.get(risk_level, Severity.INFO)  # type: ignore[arg-type]


_SEVERITY_OF_RISK = {risk: Severity(risk.lower()) for risk in ("CRITICAL", "HIGH", "MEDIUM", "LOW")}


def _key(name: str, doc: str) -> property:
    return property(lambda self: self.data[name], doc=doc)


def _sub(section: str, name: str, doc: str) -> property:
    return property(lambda self: self.data[section][name], doc=doc)


class Resource:
    """A resource named by an event, read from its `{"name", "id", "type"}` mapping; any may be None."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, str | None]):
        self.data = data

    name = _key("name", "display name")
    id = _key("id", "OCID (or other id)")
    type = _key("type", "resource type")

    def to_dict(self) -> dict[str, str | None]:
        return self.data


class Principal:
    """Who made the call, from audit `identity`, read from its mapping (`name id ip userAgent authType`)."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, str | None]):
        self.data = data

    name = _key("name", "identity.principalName")
    id = _key("id", "identity.principalId (an OCID)")
    ip = _key("ip", "identity.ipAddress (the first of several)")
    user_agent = _key("userAgent", "identity.userAgent")
    auth_type = _key("authType", "identity.authType (natv, res_principal, ...)")

    def to_dict(self) -> dict[str, str | None]:
        return self.data


class Record:
    """One OCI event, normalized: its output mapping `data` (keys `SCHEMA`) read through attributes.

    Every string attribute may be None when the event lacks it.

    Attributes:
        data: the JSON payload's mapping; `kind`, `lifecycle` and `severity` are held as their enums
            (str subclasses: they encode as their values). Built by `normalize`; treat it as read-only.
        time, time_raw: event time as an aware UTC datetime (None when missing or unparseable), and as sent.
        event_id: `eventID` (0.1) or `id` (1.0); when absent, `sha256:` + a digest of the event,
            so the same event always gets the same id (deduplication, ticket keys).
        event_type: the event type as sent (`eventType` / `type`); compare it lowercased.
        kind: PROBLEM, AUDIT or OTHER.
        lifecycle: for problems, DETECTED / UPDATED / DISMISSED / REMEDIATED / THRESHOLD_REACHED.
        source: the envelope's `source` ("CloudGuardResponderEngine", "ObjectStorage", ...).
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
        tenancy_name: the tenancy's name, when the collector read it (GetTenancy); else None.
        region: region name (additionalDetails.region, else the function's own region).
        principal: the caller (audit), a `Principal`.
        request_id, request_action, request_path: audit `request.id`, `.action` (HTTP method), `.path`.
        response_status: audit `response.status` (a string such as "200").
        original: the event as received, with credentials redacted (see `forwarder.normalize.redact`).
    """

    __slots__ = ("data", "_time", "_time_raw")

    def __init__(self, data: dict[str, Any], time: datetime | None = None, time_raw: str | None = None):
        self.data = data
        self._time = time
        self._time_raw = time_raw

    @property
    def time(self) -> datetime | None:
        """Event time as an aware UTC datetime, or None when missing or unparseable."""
        return self._time

    @property
    def time_raw(self) -> str | None:
        """The event time string as sent."""
        return self._time_raw

    event_id: str = _key("eventId", "event id")  # type: ignore[assignment]
    event_type = _key("eventType", "event type as sent")
    kind = _key("kind", "a Kind")
    lifecycle = _key("lifecycle", "a Lifecycle, or None")
    source = _key("source", "the envelope's source")
    risk_level = _key("riskLevel", "Cloud Guard risk level")
    severity = _key("severity", "a Severity")
    title = _key("title", "one-line summary")
    description = _key("description", "problem description or audit message")
    recommendation = _key("recommendation", "problem recommendation")
    problem_id = _key("problemId", "Cloud Guard problem OCID")
    problem_name = _key("problemName", "detector rule id")
    problem_type = _key("problemType", "problem type")
    detector = _key("detector", "detector id")
    status = _key("status", "problem status")
    reason = _key("reason", "Cloud Guard reason")
    labels = _key("labels", "problem labels (a list)")
    details = _key("details", "additional details (a mapping)")
    first_detected = _key("firstDetected", "ISO 8601 UTC, or as sent")
    last_detected = _key("lastDetected", "ISO 8601 UTC, or as sent")
    target_id = _key("targetId", "Cloud Guard target OCID")
    tenancy_id = _key("tenancyId", "tenancy OCID")
    tenancy_name = _key("tenancyName", "tenancy name")
    region = _key("region", "region name")
    response_status = _key("responseStatus", "audit response.status")
    original = _key("original", "the event as received, credentials redacted")
    compartment_id = _sub("compartment", "id", "compartment OCID")
    compartment_name = _sub("compartment", "name", "compartment name")
    request_id = _sub("request", "id", "audit request.id")
    request_action = _sub("request", "action", "audit request.action (HTTP method)")
    request_path = _sub("request", "path", "audit request.path")

    @property
    def resource(self) -> Resource:
        return Resource(self.data["resource"])

    @property
    def impacted_resource(self) -> Resource:
        return Resource(self.data["impactedResource"])

    @property
    def principal(self) -> Principal:
        return Principal(self.data["principal"])

    @property
    def time_iso(self) -> str | None:
        """Event time as RFC 3339 UTC with milliseconds (`2021-08-28T16:37:59.000Z`), or None."""
        return None if self.time is None else self.data["time"]

    @property
    def time_ms(self) -> int | None:
        """Event time in milliseconds since the Unix epoch, or None."""
        if self.time is None:
            return None
        return int(self.time.timestamp() * 1000)

    @property
    def kept(self) -> dict[str, Any]:
        """What a dead letter keeps (its line's `event`): the event as received, credentials redacted; for
        a detection, which no received event carries, the record itself without `original`
        (`forwarder.detect.output.restore` makes it a detection again on replay)."""
        if self.data["kind"] == Kind.DETECTION:
            return self.to_dict(include_original=False)
        return self.data["original"]

    def to_dict(self, include_original: bool = True) -> dict[str, Any]:
        """The record as JSON-ready data with camelCase keys (the JSON payload's schema): `data` itself,
        or a shallow copy without `original`."""
        if include_original:
            return self.data
        return {key: value for key, value in self.data.items() if key != "original"}
