"""Repairs for records exported through a Python round trip (seen in public samples, FACTS 1):
object fields written as JSON text (`"headers": "{\"Authorization\": ...}"`) and nulls written as
the string "None". Object fields are decoded in place, before redaction, so credentials inside
them are found; "None" at an object path becomes null. Applied to every event by `normalize`.
"""

from __future__ import annotations

import json
from typing import Any

from forwarder.normalize.fields import PYTHON_NONE

#: Paths (from the event) that hold objects in every known shape.
OBJECT_PATHS: tuple[tuple[str, ...], ...] = (
    ("data",), ("oracle",), ("extensions",),
    ("data", "identity"), ("data", "request"), ("data", "response"), ("data", "stateChange"),
    ("data", "additionalDetails"), ("data", "freeformTags"), ("data", "definedTags"),
    ("data", "request", "headers"), ("data", "request", "parameters"),
    ("data", "response", "headers"), ("data", "response", "payload"),
    ("data", "stateChange", "previous"), ("data", "stateChange", "current"),
    ("data", "identity", "credentials"),
)  # fmt: skip


def repair(event: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-text object fields and "None" at the `OBJECT_PATHS` of `event`, in place; return it.

    A string that is not JSON text for an object or array is left as it is (e.g. a plain-text
    `stateChange.previous`).
    """
    for path in OBJECT_PATHS:
        parent: Any = event
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        value = parent.get(path[-1])
        if value == PYTHON_NONE:
            parent[path[-1]] = None
        elif isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                decoded = json.loads(value)
            except (ValueError, RecursionError):
                continue
            if isinstance(decoded, (dict, list)):
                parent[path[-1]] = decoded
    return event
