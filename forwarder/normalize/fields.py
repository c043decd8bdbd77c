"""Reading fields of raw events defensively: wrong types are treated as absent (and reported)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The string a Python round trip writes for null (`str(None)`); an exported record can hold it anywhere.
PYTHON_NONE = "None"


def as_map(value: Any) -> dict[str, Any]:
    """The value when it is an object, else {}."""
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str | None:
    """A scalar as a string; None, "None", containers and empty strings as None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else str(value)
    return None if not text or text == PYTHON_NONE else text


def as_line(value: Any) -> str | None:
    """`as_str` with runs of whitespace collapsed to one space and the ends trimmed (messages, names)."""
    text = as_str(value)
    if text is None:
        return None
    return " ".join(text.split()) or None


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
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str) and len(item) >= 2 and item[0] == "[" and item[-1] == "]":
            item = [part.strip() for part in item[1:-1].split(",") if part.strip()]
        out[str(key)] = item
    return out


def digest(value: Any) -> str:
    """A stable id for a value that carries none: `sha256:` + 32 hex digits of its canonical JSON."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


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
    a number, expected a string`. `normalize` treats such fields as absent; this says which."""
    problems = []
    for path, types, expected in _TYPED_FIELDS:
        value: Any = event
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, types):
            problems.append(f"{'.'.join(path)} is {json_type(value)}, expected {expected}")
    return problems


def json_type(value: Any) -> str:
    """The JSON type of a decoded value, as a noun phrase ("a number", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)
