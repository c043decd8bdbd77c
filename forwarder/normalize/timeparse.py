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


def parse_time(value: Any) -> datetime | None:
    """Parse an event timestamp leniently into an aware UTC datetime.

    Accepts RFC 3339 and the malformed variants seen in Cloud Guard events (single-digit month,
    day or hour: "2024-5-24T3:04:05Z"), a missing zone (taken as UTC), and epoch seconds or
    milliseconds as numbers. Returns None for anything else.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          int((fraction or "0")[:6].ljust(6, "0")), tzinfo=UTC)  # fmt: skip
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


def iso_or_raw(value: Any) -> str | None:
    """A timestamp normalized to RFC 3339 UTC with milliseconds, or kept as sent when unparseable."""
    moment = parse_time(value)
    if moment is not None:
        return iso_utc(moment)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value) or None
