"""The JSON payload: a record's `to_dict()` as compact UTF-8 JSON, one object, no newline."""

from __future__ import annotations

import json

from forwarder.record import Record

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def encode(record: Record) -> bytes:
    """Encode a record as one compact JSON object (UTF-8, no raw control characters).

    Lone surrogates, which JSON input may carry, are written as `\\uXXXX` escapes so the
    output is always valid UTF-8 and valid JSON.
    """
    return _encoder.encode(record.to_dict()).encode("utf-8", "backslashreplace")


def dumps(value: object) -> str:
    """Compact JSON text for any JSON-ready value (the same settings as `encode`)."""
    return _encoder.encode(value)
