"""Credentials in audit records, replaced before anything leaves the function.

Covers `data.identity.credentials` and the values of `SENSITIVE_HEADERS` in `data.request.headers`
and `data.response.headers`, in each shape headers come in: a map of name -> value or list of values,
a list of `[name, value, ...]` pairs, or a list of `{"name": ..., "value": ...}` objects. What is still
text after `repair` (not JSON, not a Python literal) is replaced whole when it names a credential: an
identity that mentions `credentials`, headers that name a sensitive header. A credential is never
guessed to be absent. Whatever shape slips past these rules, `credentials.scrub_bytes` masks by
pattern in every text that leaves the function.
"""

from __future__ import annotations

from typing import Any

from forwarder.normalize.credentials import REDACTED, SENSITIVE_HEADERS

__all__ = ["REDACTED", "SENSITIVE_HEADERS", "redact"]


def redact(event: Any) -> Any:
    """Replace credentials in an audit event, in place, with "[REDACTED]"; return the event."""
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return event
    identity = data.get("identity")
    if isinstance(identity, dict):
        if identity.get("credentials") is not None:
            identity["credentials"] = REDACTED
    elif isinstance(identity, str) and "credential" in identity.lower():
        data["identity"] = REDACTED
    for part in ("request", "response"):
        section = data.get(part)
        if not isinstance(section, dict):
            continue
        headers = section.get("headers")
        if isinstance(headers, dict):
            for name, value in headers.items():
                if _sensitive(name):
                    headers[name] = [REDACTED] if isinstance(value, list) else REDACTED
        elif isinstance(headers, list):
            _redact_list(headers)
        elif isinstance(headers, str) and any(name in headers.lower() for name in SENSITIVE_HEADERS):
            section["headers"] = REDACTED
    return event


def _redact_list(headers: list) -> None:
    """Headers as `[[name, value, ...], ...]` or `[{"name": ..., "value": ...}, ...]` (any key case)."""
    for index, item in enumerate(headers):
        if isinstance(item, list) and item and _sensitive(item[0]):
            headers[index] = [item[0]] + [REDACTED] * (len(item) - 1)
        elif isinstance(item, dict):
            keys = {key.lower(): key for key in item if isinstance(key, str)}
            name = item.get(keys.get("name", ""), item.get(keys.get("key", "")))
            if _sensitive(name):
                for key in item:
                    if not isinstance(key, str) or key.lower() not in ("name", "key"):
                        item[key] = REDACTED


#: Header name as sent -> whether it is sensitive (bounded: names beyond it are checked each time).
_known: dict[str, bool] = {}
_KNOWN_MAX = 4096


def _sensitive(name: object) -> bool:
    if name.__class__ is not str:
        return False
    sensitive = _known.get(name)  # names repeat from event to event: one lower() per name
    if sensitive is None:
        sensitive = name.lower() in SENSITIVE_HEADERS
        if len(_known) < _KNOWN_MAX:
            _known[name] = sensitive
    return sensitive
