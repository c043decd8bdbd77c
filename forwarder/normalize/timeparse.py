"""Event timestamps: lenient parsing into aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from forwarder.normalize.record import iso_utc

_TIME = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*",
    re.ASCII,
)
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z", re.ASCII)


def canonical_time(value: str) -> tuple[datetime, str] | None:
    """The fast path for the common shape `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: (datetime, RFC 3339
    UTC text with milliseconds), or None when `value` has another shape (then use `parse_time`).

    Gives exactly what `parse_time` and `iso_utc` give for the strings it accepts (checked by a test).
    """
    if _CANONICAL.fullmatch(value) is None:
        return None
    try:
        moment = datetime.fromisoformat(value)  # checks the ranges
    except ValueError:
        return None
    n = len(value)
    if n == 24:
        return moment, value  # already canonical
    return moment, (value[:19] + ".000Z" if n == 20 else iso_utc(moment))


def parse_time(value: Any) -> datetime | None:
    """Parse an event timestamp leniently into an aware UTC datetime.

    Accepts RFC 3339 and the malformed variants seen in Cloud Guard events (single-digit month,
    day or hour: "2024-5-24T3:04:05Z"), a missing zone (taken as UTC), and epoch seconds or
    milliseconds as numbers. Returns None for anything else, out-of-range dates and numbers included
    (an integer of hundreds of digits has no float: the caller keeps the raw value).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    fast = canonical_time(value)
    return fast[0] if fast is not None else parse_lenient(value)


def parse_lenient(value: str) -> datetime | None:
    """`parse_time` for text, without the fast path: the general (regular expression) parser."""
    match = _TIME.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        try:
            moment = moment - sign * offset
        except OverflowError:
            return None
    return moment


def parse_text(value: str) -> tuple[datetime | None, str]:
    """A timestamp string as (aware UTC datetime, RFC 3339 UTC text with milliseconds), or (None, the
    string as sent) when unparseable: the fast path first, the general parser once when it declines."""
    fast = canonical_time(value)
    if fast is not None:
        return fast
    moment = parse_lenient(value)
    return moment, (value if moment is None else iso_utc(moment))


def iso_or_raw(value: Any) -> str | None:
    """A timestamp normalized to RFC 3339 UTC with milliseconds, or kept as sent when unparseable."""
    if value.__class__ is str:
        return parse_text(value)[1] or None
    moment = parse_time(value)
    if moment is not None:
        return iso_utc(moment)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value) or None


class UnknownZone(ValueError):
    """Not an IANA time zone name. `expected` says what was expected, without the value."""

    expected = "an IANA time zone name such as UTC or Europe/Paris"


def time_zone(name: str):
    """The `zoneinfo.ZoneInfo` of an IANA name (`UTC`, `Europe/Paris`; the `tzdata` package where the system
    has no time zone database, as in the function's image).

    Raises:
        UnknownZone: not a time zone name (naming it).
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownZone(f"{UnknownZone.expected}; got {name!r}") from None
