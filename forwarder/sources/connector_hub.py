"""Service Connector Hub bodies: a JSON array per invocation.

- From a Logging source (the `_Audit` log): CloudEvents 1.0 log records, which are events as they are.
- From a Streaming source: stream messages `{stream, partition, key, value, offset, timestamp}` where
  `value` is the base64 of the message (an Events Service event or a log record, as JSON). `offset`
  and `timestamp` arrive as numbers or strings, `key` as null or "", sometimes with `streamPool`
  (fnproject/fdk-java fn-events ConnectorHubCoercionTest; DataDog oracle-cloud-integration).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any


class MessageError(ValueError):
    """A stream message's `value` is not base64 of UTF-8 text; the message names the field."""


def is_stream_message(item: dict[str, Any]) -> bool:
    """True for a Streaming message: a string `value` beside `stream`, or beside `partition` and `offset`."""
    return isinstance(item.get("value"), str) and ("stream" in item or ("partition" in item and "offset" in item))


def message_value(item: dict[str, Any]) -> str:
    """The decoded `value` of a stream message, as text.

    Raises:
        MessageError: `value` is not base64, or not UTF-8.
    """
    raw = item["value"].strip()
    try:
        decoded = base64.b64decode(
            raw + "=" * (-len(raw) % 4), altchars=b"-_" if "-" in raw or "_" in raw else None, validate=True
        )
    except (binascii.Error, ValueError):
        raise MessageError("the stream message value is not base64") from None
    try:
        return decoded.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MessageError(f"the stream message value is not UTF-8 (invalid byte at offset {exc.start})") from None
