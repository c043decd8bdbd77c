"""The JSON payload: a record's `to_dict()` as compact UTF-8 JSON, one object, no newline.

Every JSON text the forwarder writes goes through `dumps` and is strict RFC 8259: non-finite numbers
are refused (`allow_nan=False`; sources keep `NaN`/`Infinity` as strings), lone surrogates are
escaped, no raw control characters.
"""

from __future__ import annotations

import json
import math
from typing import Any

from forwarder.normalize.record import Record

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)


def encode(record: Record) -> bytes:
    """Encode a record as one compact JSON object (UTF-8, no raw control characters).

    Raises:
        ValueError: a field holds a non-finite float (never the case for records from `forwarder.sources`).
    """
    return _encoder.encode(record.to_dict()).encode("utf-8", "backslashreplace")


def dumps(value: object) -> str:
    """Compact strict JSON text for any JSON-ready value (the same settings as `encode`).

    Raises:
        ValueError: the value holds a non-finite float.
    """
    return _encoder.encode(value)


def dumps_lenient(value: object) -> str:
    """`dumps`, with non-finite floats written as strings ("NaN", "Infinity"): for what must be kept
    whatever it holds (dead letters)."""
    try:
        return _encoder.encode(value)
    except ValueError:
        return _encoder.encode(_finite(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
