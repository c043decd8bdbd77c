"""The times of `collect --since / --until`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forwarder.normalize.timeparse import parse_time


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """`--since/--until`: RFC 3339 (`2026-11-01T00:00:00Z`), a date (`2026-11-01`, UTC midnight), or a
    duration before now (`90m`, `36h`, `30d`).

    Raises:
        ValueError: naming what was expected.
    """
    raw = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if raw[:-1].isdigit() and raw[-1:] in units:
        return (now or datetime.now(UTC).replace(microsecond=0)) - timedelta(**{units[raw[-1]]: int(raw[:-1])})
    moment = parse_time(raw)
    if moment is None:
        raise ValueError(
            f"expected an RFC 3339 time, a date (YYYY-MM-DD) or a duration like 90m, 36h, 30d; got {text!r}"
        )
    return moment
