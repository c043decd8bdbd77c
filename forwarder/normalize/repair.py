"""Repairs for records exported through a Python round trip (seen in public samples):
object fields written as JSON text (`"headers": "{\"Authorization\": ...}"`) and nulls written as
the string "None", and object fields written as a Python `repr` (`"{'authType': 'natv', 'credentials':
...}"`, read with `ast.literal_eval`, which evaluates literals only). Object fields are decoded in
place, before redaction, so credentials inside them are found; "None" at an object path becomes null.
Applied to every event by `normalize`.

Audit events in the OCI SDK's snake_case (`to_dict()`: `event_id`, `data.identity.principal_name`) or
the OCI CLI's kebab-case (`event-id`) get the REST API's camelCase keys first (`camel_keys`): in the
envelope, `data`, and `data.identity` / `request` / `response` / `stateChange`, never inside maps the
event carries as values (`additionalDetails`, headers, parameters, tags).
"""

from __future__ import annotations

import math
from typing import Any

from forwarder.jsoncodec import fix_surrogates, loads
from forwarder.normalize.fields import PYTHON_NONE

#: Where objects are expected: top-level sections, `data` sections, and fields of those sections.
_TOP = ("data", "oracle", "extensions")
_DATA = ("identity", "request", "response", "stateChange", "additionalDetails", "freeformTags", "definedTags")
_SECTIONS = (
    ("request", ("headers", "parameters")),
    ("response", ("headers", "payload")),
    ("stateChange", ("previous", "current")),
    ("identity", ("credentials",)),
)


#: Keys that mark an event written with snake_case or kebab-case model keys.
_STYLED = ("event_type", "event-type", "event_id", "event-id", "event_time", "event-time")
_MODELS = ("identity", "request", "response", "stateChange")


def camel(key: str) -> str:
    """`principal_name` / `principal-name` -> `principalName`."""
    head, *rest = key.replace("-", "_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _rename(part: dict[str, Any]) -> None:
    for key in [k for k in part if "_" in k or "-" in k]:
        part.setdefault(camel(key), part.pop(key))


def camel_keys(event: dict[str, Any]) -> dict[str, Any]:
    """Give an audit event in snake_case or kebab-case keys the REST API's camelCase keys, in place."""
    _rename(event)
    data = event.get("data")
    if isinstance(data, dict):
        _rename(data)
        for name in _MODELS:
            if isinstance(data.get(name), dict):
                _rename(data[name])
    return event


def repair(event: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-text object fields and "None" where objects are expected in `event`, in place; return it.

    A string that is not JSON text for an object or array is left as it is (e.g. a plain-text
    `stateChange.previous`).
    """
    get = event.get
    for key in _STYLED:
        if key in event:
            camel_keys(event)
            break
    for key in _TOP:
        if get(key).__class__ is str:  # rare: the common case is an object, or absent
            _fix(event, key)
    data = get("data")
    if data.__class__ is dict:
        get = data.get
        for key in _DATA:
            if get(key).__class__ is str:
                _fix(data, key)
        for section, keys in _SECTIONS:
            part = get(section)
            if part.__class__ is dict:
                for key in keys:
                    if part.get(key).__class__ is str:
                        _fix(part, key)
    return event


def _fix(parent: dict[str, Any], key: str) -> None:
    """Repair the string at `parent[key]`."""
    value = parent[key]
    if value == PYTHON_NONE:
        parent[key] = None
    elif value.lstrip()[:1] in ("{", "["):
        try:
            decoded = loads(value)
        except (ValueError, RecursionError):
            decoded = _python_literal(value)
        if isinstance(decoded, (dict, list)):
            parent[key] = decoded


#: Longest text read as a Python literal (the parser's cost grows with it).
_LITERAL_MAX = 1_000_000


def _python_literal(text: str) -> Any:
    """A Python `repr` of a dict or list as JSON values, or None when it is not one (or not only JSON types)."""
    if len(text) > _LITERAL_MAX or "'" not in text:
        return None
    import ast  # rare: only for Python round-trip exports

    try:
        return _json_ready(ast.literal_eval(text.strip()))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _json_ready(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return fix_surrogates(value) if isinstance(value, str) else value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {fix_surrogates(k): _json_ready(item) for k, item in value.items()}
    raise TypeError(f"{type(value).__name__} is not a JSON value")
