"""Invocation bodies -> JSON values -> raw events (objects) and rejects.

A body is one JSON value (an Events Service event, a Connector Hub batch array, a Logging Search
response) or JSON lines (one value per line, for replay). Numbers are read strictly: `NaN`,
`Infinity`, `-Infinity` and overflowing floats (`1e999`) are kept as strings, so every JSON written
downstream is valid RFC 8259. Lines are split on "\\n" only: U+2028/U+2029/U+0085 are legal inside
JSON strings. A part that cannot be read becomes a `Reject` (kept as a dead letter under the sink
"parse"); the rest of the body still goes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from forwarder.normalize.fields import json_type
from forwarder.sources import connector_hub, logging_search

#: How deep wrappers may nest (a stream message whose value is a batch of stream messages ...).
MAX_WRAPPING = 3


@dataclass(frozen=True)
class Reject:
    """A part of a body that is not an event.

    Attributes:
        reason: one line naming where and why (`line 3 is not JSON: ...`, `... value: not base64`).
        raw: the bytes as received, when they could not be decoded (a body or a line).
        value: the decoded value, when it is JSON but not an event object.
    """

    reason: str
    raw: bytes | None = None
    value: Any = None

    @property
    def id(self) -> str:
        """A stable id of the rejected content (`sha256:...`): the same part of a retried batch has the same id."""
        content = self.raw if self.raw is not None else json.dumps(self.value, sort_keys=True, default=str).encode()
        return "sha256:" + hashlib.sha256(content).hexdigest()[:32]


Item = dict[str, Any] | Reject


def loads(text: str | bytes) -> Any:
    """`json.loads` that keeps non-finite numbers as strings ("NaN", "Infinity", "1e999").

    Raises:
        ValueError (json.JSONDecodeError), RecursionError: the text is not usable JSON.
    """
    return json.loads(text, parse_constant=str, parse_float=_finite_float)


def _finite_float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text


def read_body(body: bytes) -> Iterator[Item]:
    """The events (JSON objects) and rejects of an invocation body, in order.

    Args:
        body: the bytes the function received (UTF-8, optionally with a BOM).
    Yields:
        dict events, unwrapped from Connector Hub Streaming messages and Logging Search results;
        `Reject`s for what is not an event. An empty body yields nothing.

    Example:
        >>> list(read_body(b'[{"eventID": "a"}, 7]'))
        [{'eventID': 'a'}, Reject(reason='item 1 of the body is a number, not an event object', raw=None, value=7)]
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Reject(f"body is not UTF-8: invalid byte at offset {exc.start}", raw=body)
        return
    if not text or text.isspace():  # isspace() stops at the first other character; strip() copies the body
        return
    try:
        document = loads(text)
    except (ValueError, RecursionError) as exc:
        lines = _json_lines(text)
        if lines is None:
            yield Reject(_not_json("body", exc), raw=body)
        else:
            yield from lines
        return
    yield from unwrap(document, "the body")


def _json_lines(text: str) -> list[Item] | None:
    """Items of JSON-lines text, or None when no line holds a JSON object (then it is not JSON lines)."""
    items: list[Item] = []
    objects = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = loads(line)
        except (ValueError, RecursionError) as exc:
            items.append(Reject(_not_json(f"line {number}", exc), raw=line.encode("utf-8", "surrogatepass")))
            continue
        objects += isinstance(value, dict)
        items.extend(unwrap(value, f"line {number}"))
    return items if objects else None


def _not_json(where: str, exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return f"{where} is not usable JSON: nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        position = f"column {exc.colno}" if where.startswith("line") else f"line {exc.lineno} column {exc.colno}"
        return f"{where} is not JSON: {exc.msg} at {position}"
    return f"{where} is not JSON: {exc}"


def unwrap(value: Any, where: str, depth: int = 0) -> Iterator[Item]:
    """Events in a decoded value: an array's items, a Logging Search response's records, a stream
    message's decoded value, or the value itself when it is an event object."""
    if depth > MAX_WRAPPING:
        yield Reject(f"{where} is wrapped more than {MAX_WRAPPING} levels deep", value=value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _item(item, f"item {index} of {where}", depth + 1)
    else:
        yield from _item(value, where, depth)


def _item(value: Any, where: str, depth: int) -> Iterator[Item]:
    if not isinstance(value, dict):
        yield Reject(f"{where} is {json_type(value)}, not an event object", value=value)
    elif logging_search.is_response(value):
        for index, result in enumerate(value["results"]):
            yield from _item(result, f"result {index} of {where}", depth + 1)
    elif logging_search.is_result(value):
        yield logging_search.record(value)
    elif connector_hub.is_stream_message(value):
        try:
            inner = loads(connector_hub.message_value(value))
        except connector_hub.MessageError as exc:
            yield Reject(f"{where}: {exc}", value=value)
        except (ValueError, RecursionError) as exc:
            yield Reject(_not_json(f"{where}: the stream message value", exc), value=value)
        else:
            yield from unwrap(inner, f"the value of {where}", depth + 1)
    else:
        yield value
