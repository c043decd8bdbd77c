"""Reading fields of raw events defensively: wrong types are treated as absent (and reported)."""

from __future__ import annotations

import json
from typing import Any

#: The string a Python round trip writes for null (`str(None)`); an exported record can hold it anywhere.
PYTHON_NONE = "None"


def as_map(value: Any) -> dict[str, Any]:
    """The value when it is an object, else {}."""
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str | None:
    """A scalar as a string; None, "None", containers and empty strings as None."""
    if value.__class__ is str:  # the common case first
        return value if value and value != PYTHON_NONE else None
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else str(value)
    return None if not text or text == PYTHON_NONE else text


def as_line(value: Any) -> str | None:
    """`as_str` with runs of whitespace collapsed to one space and the ends trimmed (messages, names)."""
    text = as_str(value)
    if text is None:
        return None
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text  # already one line with single spaces (printable text has no other whitespace)
    return " ".join(text.split()) or None


def event_id(event: dict[str, Any]) -> str | None:
    """An event's own id: `eventID` (Events Service), `eventId` (Audit API) or `id` (CloudEvents 1.0 log records)."""
    get = event.get
    return as_str(get("eventID")) or as_str(get("eventId")) or as_str(get("id"))


def event_time(event: dict[str, Any]) -> str | None:
    """An event's time as written: `eventTime` (CloudEvents 0.1 envelopes) or `time` (CloudEvents 1.0)."""
    return as_str(event.get("eventTime")) or as_str(event.get("time"))


def first_address(value: Any) -> str | None:
    """The first of comma-separated addresses (`"203.0.113.7, 10.0.0.1"`: client, then proxies)."""
    text = as_str(value)
    if text is None:
        return None
    return text.split(",", 1)[0].strip() or None


def labels(value: Any) -> list[str]:
    """Problem labels: a comma-separated string (events) or a list (the API)."""
    if isinstance(value, list):
        items = [as_str(v) for v in value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        return []
    return [item.strip() for item in items if item and item.strip()]


def details(value: Any) -> dict[str, Any]:
    """A details map; list-like strings ("[CVE-1, CVE-2]") become lists."""
    if not isinstance(value, dict):
        return {}
    listed = [key for key, item in value.items() if item.__class__ is str and item[:1] == "[" and item[-1:] == "]"]
    if not listed:
        return value  # nothing to turn into a list: the event's own map (records are read-only)
    out = {str(key): item for key, item in value.items()}
    for key in listed:
        item = value[key]
        if len(item) >= 2:
            out[str(key)] = [part.strip() for part in item[1:-1].split(",") if part.strip()]
    return out


def digest(value: Any) -> str:
    """A stable id for a value that carries none: `sha256:` + 32 hex digits of its canonical JSON."""
    import hashlib  # only events without an id need it (cold start)

    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


#: Fields whose type the parser relies on, by the object holding them: (key, expected types, name of the
#: expectation). Checked in this order: the envelope, `data`, `data.additionalDetails`, then `data` again.
_ENVELOPE = (
    ("eventType", (str,), "a string"),
    ("eventID", (str,), "a string"),
    ("eventTime", (str,), "a string"),
    ("data", (dict,), "an object"),
)
_DATA_DETAILS = (("additionalDetails", (dict,), "an object"),)
_DETAILS = (
    ("riskLevel", (str,), "a string"),
    ("labels", (str, list), "a string"),
    ("problemAdditionalDetails", (dict,), "an object"),
)
_DATA_AUDIT = (
    ("identity", (dict,), "an object or null"),
    ("request", (dict,), "an object or null"),
    ("response", (dict,), "an object or null"),
)


_STR = (str, type(None))
_MAP = (dict, type(None))
_STR_OR_LIST = (str, list, type(None))


def type_problems(event: dict[str, Any]) -> list[str]:
    """Fields of a known path present with the wrong type, e.g. `data.additionalDetails.riskLevel is
    a number, expected a string`. `normalize` treats such fields as absent; this says which."""
    get = event.get
    data = get("data")
    if data.__class__ is dict:  # the fast path: every field of the usual type (or absent)
        details = data.get("additionalDetails")
        if (
            get("eventType").__class__ in _STR
            and get("eventID").__class__ in _STR
            and get("eventTime").__class__ in _STR
            and data.get("identity").__class__ in _MAP
            and data.get("request").__class__ in _MAP
            and data.get("response").__class__ in _MAP
            and (
                details is None
                or details.__class__ is dict
                and details.get("riskLevel").__class__ in _STR
                and details.get("labels").__class__ in _STR_OR_LIST
                and details.get("problemAdditionalDetails").__class__ in _MAP
            )
        ):
            return []
    problems: list[str] = []
    _check(event, "", _ENVELOPE, problems)
    data = event.get("data")
    if isinstance(data, dict):
        _check(data, "data.", _DATA_DETAILS, problems)
        details = data.get("additionalDetails")
        if isinstance(details, dict):
            _check(details, "data.additionalDetails.", _DETAILS, problems)
        _check(data, "data.", _DATA_AUDIT, problems)
    return problems


def _check(container: dict[str, Any], prefix: str, fields: tuple, problems: list[str]) -> None:
    for key, types, expected in fields:
        value = container.get(key)
        if value is not None and not isinstance(value, types):
            problems.append(f"{prefix}{key} is {json_type(value)}, expected {expected}")


def json_type(value: Any) -> str:
    """The JSON type of a decoded value, as a noun phrase ("a number", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)
