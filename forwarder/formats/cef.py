"""ArcSight Common Event Format (CEF) payload, version 0.

`CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension` (Micro Focus "Implementing
ArcSight CEF", rev. 25). Header fields escape `\\` and `|`; extension values escape `\\` and `=`
and write newlines as `\\n` / `\\r`. Extension keys are fixed names (the standard keys and the
cs1..cs6 custom strings with their labels), so no event field can add or forge a key.
"""

from __future__ import annotations

import ipaddress
import re

from forwarder import PRODUCT, VENDOR, __version__
from forwarder.normalize.record import Record

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "\n": " ", "\r": " "})
_EXTENSION_ESCAPES = str.maketrans({"\\": "\\\\", "=": "\\=", "\n": "\\n", "\r": "\\r"})


def header_escape(value: object) -> str:
    """Escape a CEF header field: backslash and pipe; newlines and control characters become spaces."""
    return _CONTROL.sub(" ", str(value)).translate(_HEADER_ESCAPES)


def extension_escape(value: object) -> str:
    """Escape a CEF extension value: backslash, equals sign, CR/LF as `\\r`/`\\n`; other controls become spaces."""
    return _CONTROL.sub(" ", str(value)).translate(_EXTENSION_ESCAPES)


def is_ip(value: str | None) -> bool:
    """True when value is an IPv4 or IPv6 address (CEF `src` and LEEF `src` take only addresses)."""
    if not value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def fields(record: Record) -> list[tuple[str, object]]:
    """The CEF extension as (key, value) pairs, in order, leaving out absent values."""
    pairs: list[tuple[str, object | None]] = [
        ("rt", record.time_ms),
        ("externalId", record.event_id),
        ("cat", record.problem_type or record.kind.value),
        ("act", record.lifecycle.value if record.lifecycle else record.request_action),
        ("msg", record.description),
        ("suser", record.principal.name),
        ("suid", record.principal.id),
        ("src", record.principal.ip if is_ip(record.principal.ip) else None),
        ("requestClientApplication", record.principal.user_agent),
        ("requestMethod", record.request_action),
        ("request", record.request_path),
        ("outcome", record.response_status),
        ("duser", record.resource.name),
        ("deviceExternalId", record.problem_id),
        ("cs1Label", "compartmentId"),
        ("cs1", record.compartment_id),
        ("cs2Label", "riskLevel"),
        ("cs2", record.risk_level),
        ("cs3Label", "region"),
        ("cs3", record.region),
        ("cs4Label", "labels"),
        ("cs4", ",".join(record.labels) or None),
        ("cs5Label", "resourceId"),
        ("cs5", record.resource.id),
        ("cs6Label", "eventType"),
        ("cs6", record.event_type),
    ]
    out = [(k, v) for k, v in pairs if v is not None]
    # A label without its value is noise: drop csNLabel when csN is absent.
    present = {k for k, _ in out}
    return [(k, v) for k, v in out if not (k.endswith("Label") and k[: -len("Label")] not in present)]


def encode(record: Record) -> bytes:
    """Encode a record as one CEF line (UTF-8, no newline)."""
    signature = record.problem_name or record.event_type or record.kind.value
    header = "|".join(
        header_escape(v)
        for v in (VENDOR, PRODUCT, __version__, signature, record.title or signature, record.severity.cef)
    )
    extension = " ".join(f"{k}={extension_escape(v)}" for k, v in fields(record))
    return f"CEF:0|{header}|{extension}".encode("utf-8", "replace")
