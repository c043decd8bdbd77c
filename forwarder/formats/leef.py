"""IBM QRadar Log Event Extended Format (LEEF) 2.0 payload.

`LEEF:2.0|Vendor|Product|Version|EventID|x09|key=value<TAB>key=value...` (IBM QRadar DSM guide,
"LEEF event components"). The attribute delimiter is a tab, declared as `x09`. LEEF has no
escape for the delimiter, so tabs, newlines and other control characters in values become
spaces; header fields escape `\\` and `|`. Keys are fixed names, so no field can add one. A detection
adds `attackTactics`, `attackTechniques` (ids) and `attackTacticNames`, `attackTechniqueNames`.
"""

from __future__ import annotations

import re

from forwarder import PRODUCT, VENDOR, __version__
from forwarder.formats.attack import attack_fields
from forwarder.formats.cef import header_escape, is_ip, key_values
from forwarder.normalize.record import Record

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def value_escape(value: object) -> str:
    """A LEEF attribute value: tabs, newlines and other control characters become spaces."""
    text = value if value.__class__ is str else str(value)
    if text.isprintable():  # type: ignore[union-attr]  (no control character: the common case)
        return text  # type: ignore[return-value]
    return _CONTROL.sub(" ", text)  # type: ignore[arg-type]


def fields(record: Record) -> list[tuple[str, object]]:
    """The LEEF attributes as (key, value) pairs, leaving out absent values."""
    d = record.data
    principal, request, resource, impacted = d["principal"], d["request"], d["resource"], d["impactedResource"]
    ip = principal["ip"]
    pairs: list[tuple[str, object]] = [
        ("devTime", record.time_ms),
        ("sev", d["severity"].cef),
        ("cat", d["problemType"] or d["kind"]),
        ("eventId", d["eventId"]),
        ("eventType", d["eventType"]),
        ("kind", d["kind"]),
        ("lifecycle", d["lifecycle"]),
        ("riskLevel", d["riskLevel"]),
        ("title", d["title"]),
        ("description", d["description"]),
        ("recommendation", d["recommendation"]),
        ("problemId", d["problemId"]),
        ("problemName", d["problemName"]),
        ("labels", ",".join(d["labels"]) or None),
        ("resourceName", resource["name"]),
        ("resourceId", resource["id"]),
        ("resourceType", resource["type"]),
        ("impactedResourceName", impacted["name"]),
        ("impactedResourceId", impacted["id"]),
        ("impactedResourceType", impacted["type"]),
        ("compartmentId", d["compartment"]["id"]),
        ("compartmentName", d["compartment"]["name"]),
        ("tenancyId", d["tenancyId"]),
        ("tenancyName", d["tenancyName"]),
        ("region", d["region"]),
        ("usrName", principal["name"]),
        ("identGrpName", ",".join(principal.get("groups") or ()) or None),
        ("compartmentPath", d["compartment"].get("path")),
        ("src", ip if is_ip(ip) else None),
        ("userAgent", principal["userAgent"]),
        ("requestMethod", request["action"]),
        ("url", request["path"]),
        ("responseStatus", d["responseStatus"]),
    ]
    tactics, techniques, tactic_names, technique_names = attack_fields(d)
    if tactics or techniques:
        pairs += [
            ("attackTactics", tactics),
            ("attackTechniques", techniques),
            ("attackTacticNames", tactic_names),
            ("attackTechniqueNames", technique_names),
        ]
    return [pair for pair in pairs if pair[1] is not None]


def encode(record: Record) -> bytes:
    """Encode a record as one LEEF 2.0 line (UTF-8, no newline)."""
    d = record.data
    event_id = header_escape(d["problemName"] or d["eventType"] or d["kind"])
    attributes = key_values(fields(record), "\t", str.isprintable, value_escape)  # printable: no control character
    return f"{_HEAD}{event_id}|x09|{attributes}".encode("utf-8", "replace")


#: The constant start of every header: `LEEF:2.0|Vendor|Product|Version|`.
_HEAD = "LEEF:2.0|" + "|".join(header_escape(v) for v in (VENDOR, PRODUCT, __version__)) + "|"
