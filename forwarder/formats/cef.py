"""ArcSight Common Event Format (CEF) payload, version 0.

`CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension` (Micro Focus "Implementing
ArcSight CEF", rev. 25). Header fields escape `\\` and `|`; extension values escape `\\` and `=`
and write newlines as `\\n` / `\\r`. Extension keys are fixed names (the standard keys and the
cs1..cs6 custom strings with their labels), so no event field can add or forge a key. A detection
carries its ATT&CK tactic and technique ids in flexString1 / flexString2 (labels `attackTactics`,
`attackTechniques`) and their names in `reason`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from forwarder import PRODUCT, VENDOR, __version__
from forwarder.formats.attack import attack_fields
from forwarder.normalize.record import Record

_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")  # tab included: CEF has no escape for it
_HEADER_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "\n": " ", "\r": " "})
_EXTENSION_ESCAPES = str.maketrans({"\\": "\\\\", "=": "\\=", "\n": "\\n", "\r": "\\r"})


def header_escape(value: object) -> str:
    """Escape a CEF header field: backslash and pipe; newlines and control characters become spaces."""
    text = value if value.__class__ is str else str(value)
    if _plain(text, "|"):  # type: ignore[arg-type]
        return text  # type: ignore[return-value]
    return _CONTROL.sub(" ", text).translate(_HEADER_ESCAPES)  # type: ignore[arg-type]


def extension_escape(value: object) -> str:
    """Escape a CEF extension value: backslash, equals sign, CR/LF as `\\r`/`\\n`; other controls become spaces."""
    text = value if value.__class__ is str else str(value)
    if _plain(text, "="):  # type: ignore[arg-type]
        return text  # type: ignore[return-value]
    return _CONTROL.sub(" ", text).translate(_EXTENSION_ESCAPES)  # type: ignore[arg-type]


def key_values(
    pairs: list[tuple[str, object]], separator: str, plain: Callable[[str], bool], escape: Callable[[str], str]
) -> str:
    """`key=value` pairs joined by `separator` (a CEF extension, LEEF attributes). Values are escaped
    only when `plain` declines all of them at once: most records have nothing to escape."""
    values = [v if v.__class__ is str else str(v) for _, v in pairs]
    if not plain("".join(values)):
        values = [escape(v) for v in values]
    return separator.join([f"{k}={v}" for (k, _), v in zip(pairs, values, strict=True)])


def _plain_value(text: str) -> bool:
    return _plain(text, "=")


def _plain(text: str, separator: str) -> bool:
    """True when `text` has nothing to escape: no control character, backslash or `separator`. A fast
    check (printable text may still be declined: then the escape function decides)."""
    return text.isprintable() and "\\" not in text and separator not in text


@lru_cache(maxsize=4096)  # the same few addresses make most calls
def is_ip(value: str | None) -> bool:
    """True when value is an IPv4 or IPv6 address (CEF `src` and LEEF `src` take only addresses)."""
    if not value:
        return False
    import ipaddress  # here: most records have no address (cold start)

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


#: ArcSight's limit on `externalId` (characters).
EXTERNAL_ID_MAX = 40


def external_id(event_id: str | None) -> str | None:
    """`externalId`: the event id when it fits ArcSight's 40 characters, else a stable 40-character id
    made from it (the BLAKE2b-160 digest in hex), so the same event always gets the same one; the full id
    travels in `cs6` (label `eventId`)."""
    if event_id is None or len(event_id) <= EXTERNAL_ID_MAX:
        return event_id
    import hashlib

    return hashlib.blake2b(event_id.encode("utf-8", "replace"), digest_size=20).hexdigest()


def fields(record: Record) -> list[tuple[str, object]]:
    """The CEF extension as (key, value) pairs, in order, leaving out absent values (and the label
    `csNLabel` of an absent custom string `csN`)."""
    d = record.data
    principal, request, resource = d["principal"], d["request"], d["resource"]
    ip = principal["ip"]
    pairs: list[tuple[str, object]] = [
        ("rt", record.time_ms),
        ("externalId", external_id(d["eventId"])),
        ("cat", d["problemType"] or d["kind"]),
        ("act", d["lifecycle"] or request["action"]),
        ("msg", d["description"]),
        ("suser", principal["name"]),
        ("suid", principal["id"]),
        ("src", ip if is_ip(ip) else None),
        ("requestClientApplication", principal["userAgent"]),
        ("requestMethod", request["action"]),
        ("request", request["path"]),
        ("outcome", d["responseStatus"]),
        ("duser", resource["name"]),
        ("deviceExternalId", d["problemId"]),
    ]
    out = [pair for pair in pairs if pair[1] is not None]
    custom = (
        ("cs1", "compartmentId", d["compartment"]["id"]),
        ("cs2", "riskLevel", d["riskLevel"]),
        ("cs3", "region", d["region"]),
        ("cs4", "labels", ",".join(d["labels"]) or None),
        ("cs5", "resourceId", resource["id"]),
        ("cs6", "eventId", d["eventId"]),
    )
    tactics, techniques, tactic_names, technique_names = attack_fields(d)
    flex = (("flexString1", "attackTactics", tactics), ("flexString2", "attackTechniques", techniques))
    for key, label, value in custom + flex:
        if value is not None:
            out.append((key + "Label", label))
            out.append((key, value))
    if technique_names is not None:
        out.append(("reason", f"ATT&CK {technique_names} ({tactic_names})"))
    return out


def encode(record: Record) -> bytes:
    """Encode a record as one CEF line (UTF-8, no newline)."""
    d = record.data
    signature = d["problemName"] or d["eventType"] or d["kind"]
    title = d["title"] or signature
    extension = key_values(fields(record), " ", _plain_value, extension_escape)
    head = f"{_HEAD}{header_escape(signature)}|{header_escape(title)}|{d['severity'].cef}|"
    return (head + extension).encode("utf-8", "replace")


#: The constant start of every header: `CEF:0|Vendor|Product|Version|`.
_HEAD = "CEF:0|" + "|".join(header_escape(v) for v in (VENDOR, PRODUCT, __version__)) + "|"
