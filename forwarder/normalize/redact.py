"""Credentials in audit records, replaced before anything leaves the function.

Covers `data.identity.credentials` and the values of `SENSITIVE_HEADERS` in `data.request.headers`
and `data.response.headers` (values may be lists or strings). Headers that are still text after
`repair` (not JSON) and name a sensitive header are replaced whole: a credential is never guessed
to be absent.
"""

from __future__ import annotations

from typing import Any

REDACTED = "[REDACTED]"

#: Request/response header names (compared case-insensitively) whose values are credentials.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "opc-principal",
        "opc-obo-token",
        "x-subject-token",
        "x-auth-token",
        "cookie",
        "set-cookie",
    }
)


def redact(event: Any) -> Any:
    """Replace credentials in an audit event, in place, with "[REDACTED]"; return the event."""
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return event
    identity = data.get("identity")
    if isinstance(identity, dict) and identity.get("credentials") is not None:
        identity["credentials"] = REDACTED
    for part in ("request", "response"):
        section = data.get(part)
        if not isinstance(section, dict):
            continue
        headers = section.get("headers")
        if isinstance(headers, dict):
            for name, value in headers.items():
                sensitive = _known.get(name)  # names repeat from event to event: one lower() per name
                if sensitive is None:
                    sensitive = _learn(name)
                if sensitive:
                    headers[name] = [REDACTED] if isinstance(value, list) else REDACTED
        elif isinstance(headers, str) and any(name in headers.lower() for name in SENSITIVE_HEADERS):
            section["headers"] = REDACTED
    return event


#: Header name as sent -> whether it is sensitive (bounded: names beyond it are checked each time).
_known: dict[object, bool] = {}
_KNOWN_MAX = 4096


def _learn(name: object) -> bool:
    sensitive = isinstance(name, str) and name.lower() in SENSITIVE_HEADERS
    if len(_known) < _KNOWN_MAX:
        _known[name] = sensitive
    return sensitive
