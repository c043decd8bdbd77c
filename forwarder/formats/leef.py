"""IBM QRadar Log Event Extended Format (LEEF) 2.0 payload.

`LEEF:2.0|Vendor|Product|Version|EventID|x09|key=value<TAB>key=value...` (IBM QRadar DSM guide,
"LEEF event components"). The attribute delimiter is a tab, declared as `x09`. LEEF has no
escape for the delimiter, so tabs, newlines and other control characters in values become
spaces; header fields escape `\\` and `|`. Keys are fixed names, so no field can add one.
"""

from __future__ import annotations

import re

from forwarder import PRODUCT, VENDOR, __version__
from forwarder.formats.cef import header_escape, is_ip
from forwarder.normalize.record import Record

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def value_escape(value: object) -> str:
    """A LEEF attribute value: tabs, newlines and other control characters become spaces."""
    return _CONTROL.sub(" ", str(value))


def fields(record: Record) -> list[tuple[str, object]]:
    """The LEEF attributes as (key, value) pairs, leaving out absent values."""
    pairs: list[tuple[str, object | None]] = [
        ("devTime", record.time_ms),
        ("sev", record.severity.cef),
        ("cat", record.problem_type or record.kind.value),
        ("eventId", record.event_id),
        ("eventType", record.event_type),
        ("kind", record.kind.value),
        ("lifecycle", record.lifecycle.value if record.lifecycle else None),
        ("riskLevel", record.risk_level),
        ("title", record.title),
        ("description", record.description),
        ("recommendation", record.recommendation),
        ("problemId", record.problem_id),
        ("problemName", record.problem_name),
        ("labels", ",".join(record.labels) or None),
        ("resourceName", record.resource.name),
        ("resourceId", record.resource.id),
        ("resourceType", record.resource.type),
        ("impactedResourceName", record.impacted_resource.name),
        ("impactedResourceId", record.impacted_resource.id),
        ("impactedResourceType", record.impacted_resource.type),
        ("compartmentId", record.compartment_id),
        ("compartmentName", record.compartment_name),
        ("tenancyId", record.tenancy_id),
        ("region", record.region),
        ("usrName", record.principal.name),
        ("src", record.principal.ip if is_ip(record.principal.ip) else None),
        ("userAgent", record.principal.user_agent),
        ("requestMethod", record.request_action),
        ("url", record.request_path),
        ("responseStatus", record.response_status),
    ]
    return [(k, v) for k, v in pairs if v is not None]


def encode(record: Record) -> bytes:
    """Encode a record as one LEEF 2.0 line (UTF-8, no newline)."""
    event_id = record.problem_name or record.event_type or record.kind.value
    header = "|".join(header_escape(v) for v in (VENDOR, PRODUCT, __version__, event_id))
    attributes = "\t".join(f"{k}={value_escape(v)}" for k, v in fields(record))
    return f"LEEF:2.0|{header}|x09|{attributes}".encode("utf-8", "replace")
