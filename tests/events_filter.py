"""The OCI Events Service rule filter, for checking rule conditions against sample events.

Semantics (OCI docs, "Events and Event Rules: Matching Events with Filters"): the condition is a
JSON object; every field it names must exist in the event and match (fields are ANDed); an array
of values matches when any value matches; `*` in a string value is a wildcard for any characters;
nested objects match nested fields the same way.
"""

from __future__ import annotations

import re
from typing import Any


def _string_matches(pattern: str, value: Any) -> bool:
    if not isinstance(value, str):
        value = str(value)
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, re.S) is not None


def matches(condition: Any, event: Any) -> bool:
    """True when `event` matches the rule `condition`."""
    if isinstance(condition, dict):
        if not isinstance(event, dict):
            return False
        return all(key in event and matches(expected, event[key]) for key, expected in condition.items())
    if isinstance(condition, list):
        return any(matches(option, event) for option in condition)
    if isinstance(condition, str):
        return _string_matches(condition, event)
    return condition == event
