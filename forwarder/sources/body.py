"""Invocation bodies -> JSON values -> raw events (objects) and rejects.

A body is one JSON value (an Events Service event, a Connector Hub batch array, a Logging Search
response) or JSON lines (one value per line, for replay). Numbers are read strictly: `NaN`,
`Infinity`, `-Infinity` and overflowing floats (`1e999`) are kept as strings, so every JSON written
downstream is valid RFC 8259. Lines are split on "\\n" only: U+2028/U+2029/U+0085 are legal inside
JSON strings. A part that cannot be read becomes a `Reject` (kept as a dead letter under the sink
"parse"); the rest of the body still goes.

Decoding is `forwarder.jsoncodec.loads`; a body is first read straight from its bytes, and only when
that fails decoded as text (a BOM, JSON lines, the precise error of a part that is not JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from forwarder.jsoncodec import REFUSED, loads, loads_fast
from forwarder.normalize.fields import json_type
from forwarder.sources import connector_hub, logging_search

_BOM = b"\xef\xbb\xbf"
#: How deep wrappers may nest (a stream message whose value is a batch of stream messages ...).
MAX_WRAPPING = 3


class Reject(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to create at import (cold start)
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
        import hashlib  # rare: only rejects need it (cold start)

        return "sha256:" + hashlib.sha256(content).hexdigest()[:32]


Item = dict[str, Any] | Reject


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
    try:  # the common case: one valid JSON document, read straight from the bytes
        document = loads_fast(memoryview(body)[3:] if body[:3] == _BOM else body)
    except REFUSED:
        pass
    else:
        yield from unwrap(document, "the body")
        return
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
        if line.strip():
            objects += read_line(line, number, items)
    return items if objects else None


def read_line(line: str | bytes, number: int, out: list[Item]) -> bool:
    """Append the items of one non-blank line of JSON lines (`line <number>` in reasons) to `out`.

    Returns:
        True when the line held a JSON object (an event, or a wrapper of events).
    """
    try:
        value = loads(line)
    except (ValueError, RecursionError) as exc:
        raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
        out.append(Reject(_not_json(f"line {number}", exc), raw=raw.rstrip(b"\r\n")))
        return False
    _unwrap(value, f"line {number}", 0, out)
    return isinstance(value, dict)


def _not_json(where: str, exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return f"{where} is not usable JSON: nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        position = f"column {exc.colno}" if where.startswith("line") else f"line {exc.lineno} column {exc.colno}"
        return f"{where} is not JSON: {exc.msg} at {position}"
    return f"{where} is not JSON: {exc}"


def unwrap(value: Any, where: str, depth: int = 0) -> list[Item]:
    """Events in a decoded value: an array's items, a Logging Search response's records, a stream
    message's decoded value, or the value itself when it is an event object."""
    out: list[Item] = []
    _unwrap(value, where, depth, out)
    return out


def _unwrap(value: Any, where: str, depth: int, out: list[Item]) -> None:
    if depth > MAX_WRAPPING:
        out.append(Reject(f"{where} is wrapped more than {MAX_WRAPPING} levels deep", value=value))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _item(item, f"item {index} of {where}", depth + 1, out)
    else:
        _item(value, where, depth, out)


def _item(value: Any, where: str, depth: int, out: list[Item]) -> None:
    if value.__class__ is dict and "eventType" in value:  # an Events Service event (CloudEvents 0.1): no wrapper
        out.append(value)
    elif not isinstance(value, dict):
        out.append(Reject(f"{where} is {json_type(value)}, not an event object", value=value))
    elif logging_search.is_response(value):
        for index, result in enumerate(value["results"]):
            _item(result, f"result {index} of {where}", depth + 1, out)
    elif logging_search.is_result(value):
        out.append(logging_search.record(value))
    elif connector_hub.is_stream_message(value):
        try:
            inner = loads(connector_hub.message_value(value))
        except connector_hub.MessageError as exc:
            out.append(Reject(f"{where}: {exc}", value=value))
        except (ValueError, RecursionError) as exc:
            out.append(Reject(_not_json(f"{where}: the stream message value", exc), value=value))
        else:
            _unwrap(inner, f"the value of {where}", depth + 1, out)
    else:
        out.append(value)


#: Keys of the shapes the parser knows (Events Service, CloudEvents, Logging Search, Streaming, audit,
#: Cloud Guard): an event of kind `other` holding one of them was probably misread, not foreign.
_KNOWN_KEYS = frozenset(
    {"results", "logContent", "eventType", "cloudEventsVersion", "eventID", "specversion", "stream", "partition"}
)
_KNOWN_DATA_KEYS = frozenset({"eventName", "problemName", "riskLevel", "detectorId", "identity", "request"})


def looks_known(value: dict[str, Any]) -> bool:
    """True when an event read as kind `other` carries the keys of a shape the parser knows (a Logging
    Search response or result, an Events Service or CloudEvents envelope, a stream message, an audit or
    Cloud Guard `data`): counted apart (`lookedKnown` in the summary), as likely misread."""
    if not _KNOWN_KEYS.isdisjoint(value):
        return True
    data = value.get("data")
    return isinstance(data, dict) and not _KNOWN_DATA_KEYS.isdisjoint(data)
