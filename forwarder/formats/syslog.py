"""Syslog message framing: RFC 5424 (default) and RFC 3164 headers around a payload.

Transport framing (octet counting, RFC 6587 section 3.4.1 / RFC 5425 section 4.3) is the sink's
job; these functions build one message. Both are pure: record and payload in, bytes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache

from forwarder.formats.attack import attack_fields
from forwarder.normalize.credentials import scrub_text
from forwarder.normalize.record import Record

#: SD-ID of our structured data element. 32473 is the IANA enterprise number reserved for
#: documentation (RFC 5612); a private SD-ID must have the form name@<enterprise number>.
SD_ID = "oci@32473"
#: UTF-8 byte order mark that marks an RFC 5424 MSG as UTF-8 (RFC 5424 section 6.4).
BOM = b"\xef\xbb\xbf"
TRUNCATION_MARK = b"...[truncated]"
#: Fewest payload octets worth sending before the mark; below that, SD values are clipped first.
MIN_KEPT = 64

FACILITIES = {
    "kern": 0,
    "user": 1,
    "mail": 2,
    "daemon": 3,
    "auth": 4,
    "syslog": 5,
    "lpr": 6,
    "news": 7,
    "uucp": 8,
    "cron": 9,
    "authpriv": 10,
    "ftp": 11,
    "ntp": 12,
    "audit": 13,
    "alert": 14,
    "clock": 15,
    "local0": 16,
    "local1": 17,
    "local2": 18,
    "local3": 19,
    "local4": 20,
    "local5": 21,
    "local6": 22,
    "local7": 23,
}

_NOT_PRINTUSASCII = re.compile(r"[^\x21-\x7e]")
_SD_VALUE_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "]": "\\]"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=1024)  # host and app names are per route, MSGIDs a few event types: computed once each
def header_field(value: str | None, limit: int) -> str:
    """An RFC 5424 header field: printable US-ASCII only (others become `_`), cut to limit; `-` when empty."""
    if not value:
        return "-"
    return _NOT_PRINTUSASCII.sub("_", value)[:limit] or "-"


def msgid(record: Record) -> str:
    """MSGID: the last segment of the event type, lowercased (`problemdetected`, `listevents`)."""
    return _msgid(record.data["eventType"])


@lru_cache(maxsize=1024)  # a few event types make most records
def _msgid(event_type: str | None) -> str:
    return header_field((event_type or "").rsplit(".", 1)[-1].lower(), 32)


@lru_cache(maxsize=64)  # one per route
def _origin(hostname: str, app_name: str) -> str:
    """`HOSTNAME APP-NAME PROCID ` of the header."""
    return f"{header_field(hostname, 255)} {header_field(app_name, 48)} - "


#: The SD-PARAM names of the `oci@32473` element, in order (values: `_sd_values`).
SD_NAMES = (
    "eventId",
    "eventType",
    "kind",
    "lifecycle",
    "riskLevel",
    "severity",
    "problemId",
    "problemName",
    "resourceId",
    "compartmentId",
    "tenancyId",
    "tenancyName",
    "region",
    "principalName",
    "attackTactics",
    "attackTechniques",
)


def _sd_values(d: dict) -> tuple:
    """The values of SD_NAMES from a record's output mapping (strings, str enums or None)."""
    return (
        d["eventId"],
        d["eventType"],
        d["kind"],
        d["lifecycle"],
        d["riskLevel"],
        d["severity"],
        d["problemId"],
        d["problemName"],
        d["resource"]["id"],
        d["compartment"]["id"],
        d["tenancyId"],
        d["tenancyName"],
        d["region"],
        d["principal"]["name"],
        *attack_fields(d)[:2],
    )


def sd_params(record: Record) -> list[tuple[str, str]]:
    """The key ids carried as SD-PARAMs of the `oci@32473` element, absent ones left out."""
    return [(name, value) for name, value in zip(SD_NAMES, _sd_values(record.data), strict=True) if value is not None]


def structured_data(params: Iterable[tuple[str, str | None]]) -> str:
    """One SD-ELEMENT from (name, value) pairs, leaving out absent (None) values; values (strings or str
    enums) have credential patterns masked (`normalize.credentials`), then escape `\\`, `"` and `]` (RFC
    5424 section 6.3.3)."""
    present = [(name, value) for name, value in params if value is not None]
    text = "\n".join([value for _, value in present])
    if scrub_text(text) is not text:  # one check for all values; a value holding a credential is masked
        present = [(name, scrub_text(value)) for name, value in present]
        text = "\n".join([value for _, value in present])
    if "\\" in text or '"' in text or "]" in text:  # one check for all values; most need no escape
        present = [(name, value.translate(_SD_VALUE_ESCAPES)) for name, value in present]
    body = " ".join([f'{name}="{value}"' for name, value in present])
    return f"[{SD_ID} {body}]" if body else f"[{SD_ID}]"


def rfc5424(
    record: Record,
    payload: bytes,
    *,
    facility: int,
    hostname: str,
    app_name: str,
    max_bytes: int | None = None,
) -> bytes:
    """Build an RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [SD] BOM MSG`.

    PRI = facility * 8 + severity (the record's `Severity.syslog`). TIMESTAMP is the event time
    (NILVALUE when unknown). When `max_bytes` is given (UDP) the whole message never exceeds it: MSG
    is cut at a UTF-8 character boundary and ends with `...[truncated]`, the SD element gains
    `truncated="<original MSG length in octets>"`, and when header and structured data alone leave
    too little room, SD values are clipped (then dropped) before MSG is cut.
    """
    d = record.data
    pri = facility * 8 + d["severity"].syslog
    stamp = d["time"] if record.time is not None else "-"
    head = f"<{pri}>1 {stamp} {_origin(hostname, app_name)}{_msgid(d['eventType'])} "
    prefix = (head + structured_data(zip(SD_NAMES, _sd_values(d), strict=True)) + " ").encode("utf-8", "replace")
    if max_bytes is None or len(prefix) + len(BOM) + len(payload) <= max_bytes:
        return b"".join((prefix, BOM, payload))
    params = sd_params(record)
    marker = ("truncated", str(len(payload)))
    for clip in (None, 256, 64, 16, 0):
        if clip == 0:
            kept = [marker]
        else:
            kept = [(k, _clip(str(v), clip)) for k, v in params] + [marker]
        prefix = (head + structured_data(kept) + " ").encode("utf-8", "replace") + BOM
        if max_bytes - len(prefix) >= len(TRUNCATION_MARK) + MIN_KEPT:
            return prefix + _cut(payload, max_bytes - len(prefix))
    return _cut(prefix + payload, max_bytes)


def rfc3164(
    record: Record,
    payload: bytes,
    *,
    facility: int,
    hostname: str,
    app_name: str,
    max_bytes: int | None = 1024,
) -> bytes:
    """Build an RFC 3164 message: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG` (times in UTC).

    The day is space-padded; the TAG is the app name's letters and digits (`tag`). A message over
    `max_bytes` (1024 by RFC 3164 section 4.1) is cut and ends with `...[truncated]`.
    """
    moment = record.time or datetime.now(UTC)
    stamp = f"{_MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S}"
    pri = facility * 8 + record.severity.syslog
    head = f"<{pri}>{stamp} {header_field(hostname, 255)} {tag(app_name)}: "
    prefix = head.encode("ascii")
    message = prefix + payload
    if max_bytes is None or len(message) <= max_bytes:
        return message
    return prefix + _cut(payload, max_bytes - len(prefix))


@lru_cache(maxsize=64)  # one per route
def tag(app_name: str) -> str:
    """The RFC 3164 TAG (section 4.1.3): alphanumeric, at most 32 characters, so a strict parser does not
    end it early; other characters are left out (`oci-forwarder` -> `ociforwarder`), `-` when none is left."""
    return "".join(c for c in app_name if c.isascii() and c.isalnum())[:32] or "-"


def _clip(value: str, limit: int | None) -> str:
    """An SD value cut to `limit` characters (before escaping, so no escape is split)."""
    return value if limit is None or len(value) <= limit else value[: limit - 1] + "…"


def _cut(payload: bytes, room: int) -> bytes:
    """Cut payload to fit `room` octets including the truncation mark, on a UTF-8 boundary.

    A cut that leaves an odd run of backslashes at the end would turn the mark into an escape
    (`\\...` in CEF, JSON, SD values): the dangling backslash is dropped too.
    """
    if room < len(TRUNCATION_MARK):
        return payload[: max(room, 0)].decode("utf-8", "ignore").encode("utf-8")
    kept = payload[: room - len(TRUNCATION_MARK)].decode("utf-8", "ignore")
    trailing = len(kept) - len(kept.rstrip("\\"))
    if trailing % 2:
        kept = kept[:-1]
    return kept.encode("utf-8") + TRUNCATION_MARK
