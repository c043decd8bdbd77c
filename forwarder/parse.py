"""From invocation bodies to normalized records.

`decode_body` turns the bytes a function receives into raw events; `normalize` turns one raw
event into a `forwarder.record.Record`. Shapes understood (see the project README, "Input"):

- Events Service: one CloudEvents 0.1 envelope (`eventType`, `eventID`, `eventTime`, `data`).
- Service Connector Hub: a JSON array of CloudEvents 1.0 log records (`type`, `id`, `time`,
  `oracle{...}`, `data{...audit schema...}`), e.g. from the `_Audit` log.
- Logging Search records: `{"datetime": ..., "logContent": {...}}`, unwrapped to `logContent`.
- JSON lines (one event per line), for local replay.

Parsing is defensive: an event of unknown shape still becomes a Record of kind OTHER.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from forwarder.record import (
    RISK_LEVELS,
    Kind,
    Lifecycle,
    Principal,
    Record,
    Resource,
    iso_utc,
    severity_for_risk,
)

REDACTED = "[REDACTED]"

#: Request/response header names (compared case-insensitively) whose values are credentials.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "opc-principal",
        "opc-obo-token",
        "x-subject-token",
        "x-auth-token",
        "cookie",
        "set-cookie",
    }
)

_CLOUD_GUARD_PREFIX = "com.oraclecloud.cloudguard."
_LIFECYCLES = {
    "problemdetected": Lifecycle.DETECTED,
    "problemdismissed": Lifecycle.DISMISSED,
    "problemremediated": Lifecycle.REMEDIATED,
    "problemthresholdreached": Lifecycle.THRESHOLD_REACHED,
}


class BodyError(ValueError):
    """The invocation body is not UTF-8 JSON (one value, an array, or JSON lines)."""


def decode_body(body: bytes) -> list[Any]:
    """Decode an invocation body into a list of raw events.

    Args:
        body: the bytes the function received.
    Returns:
        One item per event: a JSON object becomes one event, an array its items, JSON lines one
        event per non-empty line; Logging Search wrappers are unwrapped. An empty body gives [].
        Items are returned as decoded: non-object items are kept (they become OTHER records).
    Raises:
        BodyError: naming the byte offset, or the line and column, where decoding failed.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BodyError(f"body is not UTF-8: invalid byte at offset {exc.start}") from None
    if not text.strip():
        return []
    try:
        doc = json.loads(text)
    except RecursionError:
        raise BodyError("body is not usable JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise BodyError(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as line_exc:
                    raise BodyError(
                        f"body is not JSON lines: line {number}: {line_exc.msg} at column {line_exc.colno}"
                    ) from None
    else:
        items = doc if isinstance(doc, list) else [doc]
    return [_unwrap(item) for item in items]


def _unwrap(item: Any) -> Any:
    if isinstance(item, dict) and isinstance(item.get("logContent"), dict) and "datetime" in item:
        return item["logContent"]
    return item


def redact(event: Any) -> Any:
    """Replace credentials in an audit event, in place, with "[REDACTED]"; return the event.

    Covers `data.identity.credentials` and the values of `SENSITIVE_HEADERS` in
    `data.request.headers` and `data.response.headers` (header values may be lists or strings).
    """
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return event
    identity = data.get("identity")
    if isinstance(identity, dict) and identity.get("credentials") is not None:
        identity["credentials"] = REDACTED
    for part in ("request", "response"):
        section = data.get(part)
        headers = section.get("headers") if isinstance(section, dict) else None
        if isinstance(headers, dict):
            for name, value in headers.items():
                if isinstance(name, str) and name.lower() in SENSITIVE_HEADERS:
                    headers[name] = [REDACTED] if isinstance(value, list) else REDACTED
    return event


#: Fields whose type the parser relies on: (path, expected types, name of the expectation).
_TYPED_FIELDS = (
    (("eventType",), (str,), "a string"),
    (("eventID",), (str,), "a string"),
    (("eventTime",), (str,), "a string"),
    (("data",), (dict,), "an object"),
    (("data", "additionalDetails"), (dict,), "an object"),
    (("data", "additionalDetails", "riskLevel"), (str,), "a string"),
    (("data", "additionalDetails", "labels"), (str, list), "a string"),
    (("data", "additionalDetails", "problemAdditionalDetails"), (dict,), "an object"),
    (("data", "identity"), (dict,), "an object or null"),
    (("data", "request"), (dict,), "an object or null"),
    (("data", "response"), (dict,), "an object or null"),
)


def type_problems(event: dict[str, Any]) -> list[str]:
    """Fields of a known path present with the wrong type, e.g. `data.additionalDetails.riskLevel is
    a number, expected a string`. Such fields are treated as absent by `normalize`; this says which."""
    problems = []
    for path, types, expected in _TYPED_FIELDS:
        value: Any = event
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, types):
            problems.append(f"{'.'.join(path)} is {_json_type(value)}, expected {expected}")
    return problems


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def normalize(event: Any, default_region: str | None = None) -> Record:
    """Build a Record from one raw event, redacting credentials first.

    Args:
        event: a decoded JSON value (normally an object) from `decode_body`.
        default_region: region to report when the event names none (the function's region).
    Returns:
        A Record; never raises for any JSON value. Fields of the wrong type are treated as absent.
    """
    if not isinstance(event, dict):
        return Record(event_id=_digest(event), event_type=None, kind=Kind.OTHER, original=event, region=default_region)
    redact(event)
    event_type = _str(event.get("eventType")) or _str(event.get("type"))
    type_key = (event_type or "").lower()
    data = _map(event.get("data"))
    oracle = _map(event.get("oracle"))
    time_raw = _str(event.get("eventTime")) or _str(event.get("time"))
    record = Record(
        event_id=_str(event.get("eventID")) or _str(event.get("id")) or _digest(event),
        event_type=event_type,
        kind=Kind.OTHER,
        original=event,
        source=_str(event.get("source")),
        time=parse_time(time_raw),
        time_raw=time_raw,
        compartment_id=_str(data.get("compartmentId"))
        or _str(_map(event.get("extensions")).get("compartmentId"))
        or _str(oracle.get("compartmentid")),
        compartment_name=_str(data.get("compartmentName")),
        tenancy_id=_str(oracle.get("tenantid")),
        region=default_region,
    )
    if type_key.startswith(_CLOUD_GUARD_PREFIX + "problem"):
        _fill_problem(record, type_key[len(_CLOUD_GUARD_PREFIX) :], data)
    elif oracle.get("loggroupid") == "_Audit" or any(k in data for k in ("identity", "eventGroupingId", "eventName")):
        _fill_audit(record, data)
    else:
        record.title = _str(data.get("resourceName")) or event_type
        record.description = _str(data.get("message"))
        record.resource = Resource(_str(data.get("resourceName")), _str(data.get("resourceId")))
        record.details = _details(data.get("additionalDetails"))
    return record


def _fill_problem(record: Record, suffix: str, data: dict[str, Any]) -> None:
    details = _map(data.get("additionalDetails"))
    record.kind = Kind.PROBLEM
    record.reason = _str(details.get("reason"))
    lifecycle = _LIFECYCLES.get(suffix)
    if lifecycle is Lifecycle.DETECTED and "updated" in (record.reason or "").lower():
        lifecycle = Lifecycle.UPDATED
    record.lifecycle = lifecycle
    risk = (_str(details.get("riskLevel")) or "").strip().upper() or None
    record.risk_level = risk
    record.severity = severity_for_risk(risk if risk in RISK_LEVELS else None)
    record.title = _str(data.get("resourceName")) or _str(details.get("problemName")) or record.event_type
    record.description = _str(details.get("problemDescription"))
    record.recommendation = _str(details.get("problemRecommendation")) or _str(details.get("recommendation"))
    record.problem_id = _str(data.get("resourceId"))
    record.problem_name = _str(details.get("problemName"))
    record.problem_type = _str(details.get("problemType"))
    record.detector = _str(details.get("detectorId"))
    record.status = _str(details.get("status"))
    record.labels = _labels(details.get("labels"))
    record.details = _details(details.get("problemAdditionalDetails"))
    record.first_detected = _iso(details.get("firstDetected"))
    record.last_detected = _iso(details.get("lastDetected"))
    record.target_id = _str(details.get("targetId"))
    record.resource = Resource(
        _str(details.get("resourceName")), _str(details.get("resourceId")), _str(details.get("resourceType"))
    )
    record.impacted_resource = Resource(
        _str(details.get("impactedResourceName")),
        _str(details.get("impactedResourceId")),
        _str(details.get("impactedResourceType")),
    )
    record.tenancy_id = _str(details.get("tenantId")) or record.tenancy_id
    record.region = _str(details.get("region")) or record.region


def _fill_audit(record: Record, data: dict[str, Any]) -> None:
    identity = _map(data.get("identity"))
    request = _map(data.get("request"))
    response = _map(data.get("response"))
    record.kind = Kind.AUDIT
    message = _str(data.get("message"))
    event_name = _str(data.get("eventName"))
    record.title = message or event_name or (record.event_type or "").rsplit(".", 1)[-1] or None
    record.description = message
    record.resource = Resource(_str(data.get("resourceName")), _str(data.get("resourceId")))
    record.details = _details(data.get("additionalDetails"))
    record.principal = Principal(
        name=_str(identity.get("principalName")),
        id=_str(identity.get("principalId")),
        ip=_str(identity.get("ipAddress")),
        user_agent=_str(identity.get("userAgent")),
        auth_type=_str(identity.get("authType")),
    )
    record.tenancy_id = _str(identity.get("tenantId")) or record.tenancy_id
    record.request_id = _str(request.get("id"))
    record.request_action = _str(request.get("action"))
    record.request_path = _str(request.get("path"))
    record.response_status = _str(response.get("status"))


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    """A scalar as a string; None, containers and empty strings as None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else str(value)
    return text or None


def _digest(event: Any) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _labels(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [_str(v) for v in value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        return []
    return [item.strip() for item in items if item and item.strip()]


def _details(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str) and len(item) >= 2 and item[0] == "[" and item[-1] == "]":
            item = [part.strip() for part in item[1:-1].split(",") if part.strip()]
        out[str(key)] = item
    return out


_TIME = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*"
)


def parse_time(value: Any) -> datetime | None:
    """Parse an event timestamp leniently into an aware UTC datetime.

    Accepts RFC 3339 and the malformed variants seen in Cloud Guard events (single-digit month,
    day or hour: "2024-5-24T3:04:05Z"), a missing zone (taken as UTC), and epoch seconds or
    milliseconds as numbers. Returns None for anything else.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        try:
            moment = moment - sign * offset
        except OverflowError:
            return None
    return moment


def _iso(value: Any) -> str | None:
    moment = parse_time(value)
    if moment is None:
        return _str(value)
    return iso_utc(moment)
