"""Credential patterns, masked in any text whatever its shape: the second line of defence behind `redact`.

`redact` replaces credentials where an audit record keeps them (`identity.credentials`, sensitive
request and response headers). A record can carry the same secrets in shapes no field rule knows: a
header echoed into a message, a Python `repr` kept as text, an unrecognized response forwarded whole.
`scrub_bytes` / `scrub_text` mask, in any text (a JSON payload, CEF, a log line, a dead letter):

- HTTP Signature parameters `keyId="..."` and `signature="..."` (draft-cavage-http-signatures, which
  OCI request signing follows);
- `Bearer` tokens (RFC 6750), `Basic` credentials (RFC 7617: base64 of `user:password`) and Splunk
  HEC tokens (`Splunk <uuid>`);
- JSON Web Tokens (`eyJ...` `.` `eyJ...` `.` ...: OCI resource principal, session and OBO tokens);
- a URL's `user:password@` (RFC 3986 userinfo);
- the value after a sensitive header name (`Authorization: ...`, `"opc-principal": "..."`) or after
  `credentials` (`"credentials": "..."`, `'credentials': '...'`, `credentials=...`).

Each value is replaced by `REDACTED`; quotes, separators and the names around it stay, so JSON stays
JSON and a CEF extension stays one extension. Matching runs on a lowered copy (bytes keep their
offsets when lowered), and each pattern only when its trigger word is present: a payload with no
trigger costs one `lower()` and a few substring searches.
"""

from __future__ import annotations

import base64
import binascii
import re

REDACTED = "[REDACTED]"
_MASK = REDACTED.encode()

#: Header names whose values are credentials (compared case-insensitively).
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

# An optional quote (also escaped, as in JSON inside JSON), a separator, an optional list bracket and quote;
# atomic, so a value that is already masked is never matched from inside its quotes.
_SEPARATOR = rb"""(?>(?:\\*["'])?[ \t]*\\*[:=][ \t]*\[?[ \t]*(?:\\*["'])?)"""
_NOT_MASKED = rb"(?!\[redacted\]|redacted\]|null\b|none\b)"

#: A header's value: up to a quote, a backslash, the line's end or a bracket (a masked value may sit inside it).
_HEADER_VALUE = rb"""(?P<v>(?:[^"'\\\r\n\[\]]|\[redacted\])+)"""
#: Header names whose rule also covers the longer names holding them (`authorization` in `proxy-authorization`).
_HEADER_RULES = sorted(n for n in SENSITIVE_HEADERS if not any(o != n and o in n for o in SENSITIVE_HEADERS))

#: (trigger in the lowered text, pattern over the lowered text whose group "v" is the secret value). Each pattern
#: starts with a literal (no leading `\b`), so the regular expression engine searches for it as fast as `in`.
#: A pattern is compiled the first time its trigger is seen (`_pattern`): most payloads hold few triggers, and
#: compiling every pattern at import would cost each cold start milliseconds.
_RULES: tuple[tuple[bytes, bytes], ...] = (
    (b"credentials", rb"credentials" + _SEPARATOR + _NOT_MASKED + rb"""(?P<v>[^"'\\\s,;}\[\]]+)"""),
    (b"keyid", rb"keyid\\*=(?:\\*[\"'])?" + _NOT_MASKED + rb"""(?P<v>[^"'\\\s,]+)"""),
    (b"signature", rb"signature\\*=(?:\\*[\"'])?" + _NOT_MASKED + rb"""(?P<v>[^"'\\\s,]+)"""),
    (b"bearer", rb"bearer[ \t]+" + _NOT_MASKED + rb"(?P<v>[a-z0-9\-._~+/]{8,}=*)"),
    (b"basic", rb"basic[ \t]+" + _NOT_MASKED + rb"(?P<basic>[a-z0-9+/]{6,}={0,2})"),
    (b"splunk", rb"splunk[ \t]+(?P<v>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"),
    (b"://", rb"""://(?P<v>[^/?#@\s"'\\]*:[^/?#@\s"'\\]*)@"""),
    (b".eyj", rb"(?P<v>eyj[a-z0-9_-]{4,}\.eyj[a-z0-9_-]{4,}\.[a-z0-9_-]*)"),  # every JWT holds ".eyj"
    *((name.encode(), re.escape(name.encode()) + _SEPARATOR + _NOT_MASKED + _HEADER_VALUE) for name in _HEADER_RULES),
)
_COMPILED: list[re.Pattern[bytes] | None] = [None] * len(_RULES)


def _pattern(index: int) -> re.Pattern[bytes]:
    compiled = _COMPILED[index]
    if compiled is None:
        compiled = _COMPILED[index] = re.compile(_RULES[index][1])
    return compiled


def scrub_bytes(data: bytes) -> bytes:
    """`data` with every credential pattern's value replaced by `[REDACTED]` (the same object when none).

    Args:
        data: any text as bytes (UTF-8 or not: only ASCII matters to the patterns).
    """
    low = data.lower()
    spans: list[tuple[int, int]] = []
    for index, (trigger, _) in enumerate(_RULES):
        if trigger in low:
            for match in _pattern(index).finditer(low):
                if match.lastgroup == "basic":
                    if _is_basic(data[match.start("basic") : match.end("basic")]):
                        spans.append(match.span("basic"))
                else:
                    spans.append(match.span("v"))
    if not spans:
        return data
    return _masked(data, spans)


def scrub_text(text: str) -> str:
    """`scrub_bytes` for text (any code point, lone surrogates included)."""
    data = text.encode("utf-8", "surrogatepass")
    out = scrub_bytes(data)
    return text if out is data else out.decode("utf-8", "surrogatepass")


def _masked(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    parts: list[bytes] = []
    at = 0
    for start, end in sorted(spans):
        if end <= at:
            continue  # inside a span already masked (a token after `Authorization:`)
        parts += (data[at : max(start, at)], _MASK)
        at = end
    parts.append(data[at:])
    return b"".join(parts)


def _is_basic(value: bytes) -> bool:
    """True when `value` is base64 of `user:password` (RFC 7617), not an ordinary word after "basic"."""
    try:
        decoded = base64.b64decode(value + b"=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded
