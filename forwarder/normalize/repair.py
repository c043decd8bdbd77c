"""Repairs for records exported through a Python round trip (seen in public samples, FACTS 1):
object fields written as JSON text (`"headers": "{\"Authorization\": ...}"`) and nulls written as
the string "None". Object fields are decoded in place, before redaction, so credentials inside
them are found; "None" at an object path becomes null. Applied to every event by `normalize`.
"""

from __future__ import annotations

from typing import Any

from forwarder.jsoncodec import loads
from forwarder.normalize.fields import PYTHON_NONE

#: Where objects are expected: top-level sections, `data` sections, and fields of those sections.
_TOP = ("data", "oracle", "extensions")
_DATA = ("identity", "request", "response", "stateChange", "additionalDetails", "freeformTags", "definedTags")
_SECTIONS = (("request", ("headers", "parameters")), ("response", ("headers", "payload")),
             ("stateChange", ("previous", "current")), ("identity", ("credentials",)))  # fmt: skip


def repair(event: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-text object fields and "None" where objects are expected in `event`, in place; return it.

    A string that is not JSON text for an object or array is left as it is (e.g. a plain-text
    `stateChange.previous`).
    """
    get = event.get
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
            return
        if isinstance(decoded, (dict, list)):
            parent[key] = decoded
