"""The JSON payload: a record's output mapping (`Record.data`, keys `record.SCHEMA`) as compact UTF-8
JSON, one object, no newline, strict RFC 8259 (`forwarder.jsoncodec`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forwarder.jsoncodec import encode as encode_value
from forwarder.normalize.record import Record


def encode(record: Record) -> bytes:
    """Encode a record as one compact JSON object (UTF-8, no raw control characters)."""
    return encode_value(record.data)


def shaped(shape: Callable[[dict], dict[str, Any]] | None) -> Callable[[Record], bytes]:
    """`encode` of what `shape` (`formats.shape.shaper`) leaves of each record; `encode` itself for None."""
    if shape is None:
        return encode
    return lambda record: encode_value(shape(record.data))
