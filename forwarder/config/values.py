"""Value parsers for configuration keys: raw text in, a typed value out, or `Invalid` saying what
was expected. Numbers accept ASCII digits only (`int()` would take "١٠٠" and "²" crashes it)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Parser = Callable[[str], Any]

# Patterns are compiled on first use (re caches them): a parser runs only for a key that is set, and
# compiling every pattern at import would cost each cold start milliseconds.
_INTEGER = r"[0-9]{1,18}"  # longer is out of every range, and int() refuses thousands of digits
_DECIMAL = r"[0-9]{1,18}(?:\.[0-9]{1,18})?"


class Invalid(ValueError):
    """A raw value does not parse; the message says what was expected (without the key name)."""


def text(raw: str) -> str:
    return raw


def identifier(raw: str) -> str:
    """A name of letters, digits and underscores that starts with a letter (a custom field's name)."""
    import re

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", raw):
        raise Invalid("a name of letters, digits and underscores starting with a letter (at most 64)")
    return raw


def field_list(raw: str) -> tuple[str, tuple[str, ...]]:
    """A field list: `a,b.c` (keep only these) or `-a,-b.c` (drop these) -> ("keep" | "drop", dotted paths)."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    drops = [item for item in items if item.startswith("-")]
    if drops and len(drops) != len(items):
        raise Invalid("either fields to keep (a,b) or fields to drop (-a,-b), not both")
    paths = tuple(item.lstrip("-").strip() for item in items)
    if not paths or any(not p or p.startswith(".") or p.endswith(".") or ".." in p for p in paths):
        raise Invalid("comma-separated record fields, e.g. -details,-principal.userAgent")
    return ("drop" if drops else "keep"), paths


def choice(*options: str, fold: Callable[[str], str] = str.lower) -> Parser:
    """One of `options`, given in any case; returns it folded by `fold` (lower case by default)."""

    def parse(raw: str) -> str:
        value = fold(raw)
        if value not in options:
            raise Invalid(f"one of {', '.join(options)}")
        return value

    return parse


def integer(low: int, high: int) -> Parser:
    """A whole number written in ASCII digits, from `low` to `high`."""

    def parse(raw: str) -> int:
        if not re.fullmatch(_INTEGER, raw) or not low <= int(raw) <= high:
            raise Invalid(f"a whole number from {low} to {high} in ASCII digits")
        return int(raw)

    return parse


def number(low: float, high: float) -> Parser:
    """A decimal number written in ASCII digits (`10`, `2.5`), from `low` to `high`."""

    def parse(raw: str) -> float:
        if not re.fullmatch(_DECIMAL, raw) or not low <= float(raw) <= high:
            raise Invalid(f"a number from {low:g} to {high:g} in ASCII digits")
        return float(raw)

    return parse


def boolean(raw: str) -> bool:
    return choice("false", "true")(raw) == "true"


def url(*schemes: str) -> Parser:
    """A URL with one of `schemes`, a host and, if given, a valid port; returned as written."""

    def parse(raw: str) -> str:
        _host_port(raw, schemes, f"a URL {' or '.join(s + '://host' for s in schemes)}...")
        return raw

    return parse


def endpoint(*schemes: str) -> Parser:
    """`scheme://host:port` with nothing after the port: returned as (scheme, host, port)."""
    expected = ", ".join(f"{s}://host:port" for s in schemes)

    def parse(raw: str) -> tuple[str, str, int]:
        scheme, host, port = _host_port(raw, schemes, expected)
        if port is None or urlsplit(raw).path not in ("", "/"):
            raise Invalid(expected)
        return scheme, host, port

    return parse


def _host_port(raw: str, schemes: tuple[str, ...], expected: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(raw)  # ValueError for a bracketed host that is not an IPv6 address ("tcp://[::1")
    except ValueError:
        raise Invalid(expected + " (with a valid host name or [IPv6] address)") from None
    scheme = parts.scheme.lower()
    try:
        port = parts.port  # ValueError for a port that is not ASCII digits or is out of range
    except ValueError:
        raise Invalid(expected + " (with a port from 1 to 65535)") from None
    if scheme not in schemes or not parts.hostname or port == 0:
        raise Invalid(expected)
    return scheme, parts.hostname, port


def ocid(kind: str) -> Parser:
    """An OCID of the given resource type (`ocid1.<kind>.<realm>...`)."""
    pattern = rf"ocid1\.{re.escape(kind)}\.[a-z0-9-]+\.[a-z0-9-]*\.[A-Za-z0-9._-]+"

    def parse(raw: str) -> str:
        if not re.fullmatch(pattern, raw):
            raise Invalid(f"an OCID of the form ocid1.{kind}.<realm>.<region>.<unique id>")
        return raw

    return parse


def one_of_names(names: dict[str, int], low: int, high: int, label: str) -> Parser:
    """A name from `names` (case-insensitive) or a number from `low` to `high`."""

    def parse(raw: str) -> int:
        value = raw.lower()
        if re.fullmatch(_INTEGER, value) and low <= int(value) <= high:
            return int(value)
        if value in names:
            return names[value]
        raise Invalid(f"{label} or a number from {low} to {high} in ASCII digits")

    return parse


def regional_url(*schemes: str) -> Parser:
    """`url(*schemes)` that may contain `{region}` (replaced by each region read); returned as written."""
    check = url(*schemes)

    def parse(raw: str) -> str:
        plain = raw.replace("{region}", "region")
        if "{" in plain or "}" in plain:
            raise Invalid(f"a URL {' or '.join(s + '://host' for s in schemes)}... with no placeholder but {{region}}")
        check(plain)
        return raw

    return parse


def names(*options: str) -> Parser:
    """A comma-separated list of `options` (case-insensitive, each once): returned as a tuple in the given order."""

    def parse(raw: str) -> tuple[str, ...]:
        items = [part.strip().lower() for part in raw.split(",") if part.strip()]
        if not items or any(item not in options for item in items):
            raise Invalid(f"a comma-separated list of {', '.join(options)}")
        return tuple(dict.fromkeys(items))

    return parse


_REGION = r"[a-z]{2,}-[a-z0-9]+-[0-9]+"


def region_list(raw: str) -> tuple[str, ...]:
    """Comma-separated OCI region identifiers (`eu-frankfurt-1,us-ashburn-1`)."""
    items = tuple(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    if not items or not all(re.fullmatch(_REGION, item) for item in items):
        raise Invalid("comma-separated region identifiers such as eu-frankfurt-1,us-ashburn-1")
    return items


_QUERY_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


def named_queries(raw: str) -> dict[str, str]:
    """A JSON object of query name -> Logging Search query text (`{"vcn-denied": "search \\"...\\""}`)."""
    expected = 'a JSON object of name -> Logging Search query, e.g. {"flows": "search \\"<ocid>/<log group>\\""}'
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise Invalid(expected) from None
    if not isinstance(value, dict) or not value:
        raise Invalid(expected)
    for name, query in value.items():
        if not re.fullmatch(_QUERY_NAME, name):
            raise Invalid(f"query names of letters, digits, '_', '.' or '-' (at most 64); got {name!r}")
        if not isinstance(query, str) or not query.strip().lower().startswith("search"):
            raise Invalid(f'query {name!r}: a Logging Search query text starting with search "..."')
    return value


def placeholders(raw: str) -> dict[str, tuple[str, ...]]:
    """A JSON object of Sigma placeholder name -> a value or a list of values (`{"administrators_group_ids":
    ["ocid1.group.oc1..aaaa"]}`), for rules that test `field|expand: '%name%'`."""
    expected = (
        'a JSON object of placeholder name -> value or list of values, e.g. {"administrators_group_ids": '
        '["ocid1.group.oc1..aaaa"]}'
    )
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid(expected) from None
    if not isinstance(value, dict):
        raise Invalid(expected)
    out = {}
    for name, values in value.items():
        if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
            raise Invalid(f"placeholder names of letters, digits and '_' (at most 64); got {name!r}")
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not all(isinstance(x, str) and x for x in values):
            raise Invalid(f"placeholder {name!r}: a text or a list of texts")
        out[name] = tuple(values)
    return out


def rule_sources(raw: str) -> tuple[str, ...]:
    """Comma-separated rule files or folders, and `oci://<bucket>@<namespace>/<prefix>` locations."""
    out = tuple(part.strip() for part in raw.split(",") if part.strip())
    for part in out:
        if part.startswith("oci://") and "@" not in part.split("/", 3)[2]:
            raise Invalid(f"paths and oci://<bucket>@<namespace>/<prefix> locations; {part!r} lacks @<namespace>")
    return out


def rule_ids(raw: str) -> frozenset[str]:
    """Comma-separated rule ids or names (or `all`)."""
    return frozenset(
        part.strip().lower() if part.strip().lower() == "all" else part.strip()
        for part in raw.split(",")
        if part.strip()
    )


_USERINFO = r"(?<=://)[^/?#@\s]*@"


def shown(raw: str) -> str:
    """`raw` as an error message may show it: a URL's `user:password@` becomes `***@`."""
    return re.sub(_USERINFO, "***@", raw)


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses."""
    if host == "localhost":
        return True
    try:
        import ipaddress

        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def timezone(raw: str) -> str:
    """An IANA time zone name (`UTC`, `Europe/Paris`), checked against the time zone database."""
    from forwarder.normalize.timeparse import UnknownZone, time_zone  # zoneinfo only when the key is set

    try:
        time_zone(raw)
    except UnknownZone:
        raise Invalid(UnknownZone.expected) from None
    return raw
