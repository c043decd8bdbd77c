"""The one table of fields a rule may name: the normalized record's JSON keys as dotted paths.

Every `Record` has every field (absent values are null; the fields enrichment adds are absent until it
finds them, which a rule reads the same way), so a rule reads the same field whatever the
event came through (Events Service, Connector Hub, Audit API, Logging Search). `details.<key>` and
`original.<path>` reach into the event's additional details and the event as received; VCN flow-log records (kind
`other`) are read through `original.data.*`, named in the table. The docs/detections.md
rule field table is generated from FIELDS (a test keeps them equal).
"""

from __future__ import annotations

from forwarder.detect import RuleError

#: (field, meaning). A trailing `.<key>` / `.<path>` means any key below.
FIELDS: tuple[tuple[str, str], ...] = (
    ("eventId", "event id (`eventID`, `id` or `eventId`)"),
    (
        "eventType",
        "event type as sent, e.g. `com.oraclecloud.identitycontrolplane.uploadapikey` (audit logs send "
        "`com.oraclecloud.identityControlPlane.UploadApiKey`: values compare case-insensitively)",
    ),
    ("kind", "`audit`, `cloudguard_problem` or `other`"),
    ("lifecycle", "Cloud Guard problems: `detected`, `updated`, `dismissed`, `remediated`, `threshold_reached`"),
    ("source", "the envelope's source, e.g. `ObjectStorage`"),
    ("time", "event time, RFC 3339 UTC"),
    ("riskLevel", "Cloud Guard risk level: CRITICAL, HIGH, MEDIUM, LOW, MINOR"),
    ("severity", "`critical`, `high`, `medium`, `low`, `info`"),
    ("title", "problem name, or the audit message / event name"),
    ("description", "problem description or audit message"),
    ("recommendation", "problem recommendation"),
    ("problemId", "Cloud Guard problem OCID"),
    ("problemName", "detector rule id, e.g. BUCKET_IS_PUBLIC"),
    ("problemType", "CONFIG_CHANGE, ACTIVITY, THREAT, ..."),
    ("detector", "detector id"),
    ("status", "problem status"),
    ("reason", "Cloud Guard reason sentence"),
    ("labels", "problem labels (a list: a value matches any element)"),
    (
        "details.<key>",
        "`data.additionalDetails` (problems: `problemAdditionalDetails`), e.g. `details.publicAccessType`",
    ),
    ("firstDetected", "problem first detected, RFC 3339 UTC"),
    ("lastDetected", "problem last detected, RFC 3339 UTC"),
    ("targetId", "Cloud Guard target OCID"),
    ("targetName", "Cloud Guard target name (enrichment)"),
    ("resource.name", "resource acted on (audit) or the problem's resource"),
    ("resource.id", "its OCID"),
    ("resource.type", "its type"),
    ("impactedResource.name", "problem's impacted resource"),
    ("impactedResource.id", "its OCID"),
    ("impactedResource.type", "its type"),
    ("compartment.id", "compartment OCID"),
    ("compartment.name", "compartment name"),
    ("compartment.path", "compartment path from the root, e.g. `root/apps/prod` (enrichment)"),
    ("tenancyId", "tenancy OCID"),
    ("tenancyName", "tenancy name (collected events: read from the tenancy)"),
    ("region", "region name"),
    ("principal.name", "caller: `identity.principalName`"),
    ("principal.id", "caller OCID"),
    ("principal.ip", "caller address (the first of several)"),
    ("principal.userAgent", "caller user agent"),
    ("principal.authType", "`natv`, `res_principal`, `instance`, ..."),
    ("principal.email", "the user's e-mail (enrichment)"),
    ("principal.groups", "the names of the user's groups, a list (enrichment)"),
    ("request.id", "audit request id"),
    ("request.action", "HTTP method: GET, POST, PUT, PATCH, DELETE"),
    ("request.path", "request path"),
    ("responseStatus", "HTTP status as text, e.g. `200`, `401`"),
    (
        "original.<path>",
        "the event as received (credentials redacted), e.g. `original.data.stateChange.current.statements`",
    ),
    (
        "original.data.action",
        "VCN flow logs (`eventType` `com.oraclecloud.vcn.flowlogs.DataEvent`): `ACCEPT` or `REJECT`",
    ),
    ("original.data.sourceAddress", "flow logs: source IP address"),
    ("original.data.sourcePort", "flow logs: source port"),
    ("original.data.destinationAddress", "flow logs: destination IP address"),
    ("original.data.destinationPort", "flow logs: destination port"),
    ("original.data.protocol", "flow logs: IANA protocol number (6 TCP, 17 UDP, 1 ICMP); `protocolName` its name"),
)

_EXACT = frozenset(name for name, _ in FIELDS if "<" not in name)
_PREFIXES = tuple(name.split("<", 1)[0] for name, _ in FIELDS if "<" in name)


def check_field(name: str) -> None:
    """Raises RuleError when `name` is not a field of the table."""
    if name in _EXACT or (name.startswith(_PREFIXES) and not name.endswith(".")):
        return
    import difflib

    close = difflib.get_close_matches(name, sorted(_EXACT), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise RuleError(f"field {name!r} is not a record field (docs/detections.md, 'Rule fields'){hint}")


def markdown_table() -> str:
    """The rule field table of docs/detections.md."""
    rows = ["| field | meaning |", "|---|---|"]
    return "\n".join(rows + [f"| `{name}` | {meaning} |" for name, meaning in FIELDS])
