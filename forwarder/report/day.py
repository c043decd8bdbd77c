"""The day a report covers: local midnight to local midnight in REPORT_TIMEZONE, as UTC instants.

A day is 24 hours, or 23 / 25 on the days daylight saving time starts or ends; its hours are counted
from its start, labelled with the local clock time they begin at (`02:00+01:00` twice on a day clocks
go back). Time zones are IANA names read by `zoneinfo` (with the `tzdata` package where the system
has no time zone database, as in the function's image).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from forwarder.normalize.timeparse import time_zone


class Day(NamedTuple):
    """One report day.

    Attributes:
        date: the local date.
        zone: the IANA time zone name.
        start, end: the day's first instant and the next day's, aware UTC datetimes.
    """

    date: date
    zone: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> int:
        """Hours in the day: 24, or 23 / 25 on a daylight saving change."""
        return int((self.end - self.start).total_seconds() // 3600)

    def hour_of(self, moment: datetime) -> int | None:
        """The hour of the day (0 .. hours-1) an aware instant falls in; None outside the day."""
        if not self.start <= moment < self.end:
            return None
        return int((moment - self.start).total_seconds() // 3600)

    def hour_labels(self) -> list[str]:
        """Local clock time each hour begins at, `HH:MM`, with the UTC offset where the day has a change
        of offset (`01:00+02:00`, ..., `02:00+02:00`, `02:00+01:00`)."""
        zone = ZoneInfo(self.zone)
        starts = [(self.start + timedelta(hours=h)).astimezone(zone) for h in range(self.hours)]
        shifts = len({s.utcoffset() for s in starts}) > 1
        return [
            s.strftime("%H:%M") + (s.strftime("%z")[:3] + ":" + s.strftime("%z")[3:] if shifts else "") for s in starts
        ]

    def local(self, moment: datetime) -> str:
        """An instant in the day's time zone, RFC 3339 with milliseconds (`2026-11-21T14:03:22.120+01:00`)."""
        m = moment.astimezone(ZoneInfo(self.zone))
        return m.isoformat(timespec="milliseconds")

    @property
    def prefix(self) -> str:
        """Where the day's report objects live: `reports/YYYY/MM/DD/`."""
        return f"reports/{self.date:%Y/%m/%d}/"


def zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name.

    Raises:
        timeparse.UnknownZone (a ValueError): not a time zone name (naming it).
    """
    return time_zone(name)


def of(local_date: date, zone_name: str) -> Day:
    """The Day of a local date in a time zone (ValueError for an unknown zone)."""
    tz = zone(zone_name)
    start = datetime.combine(local_date, datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(local_date + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
    return Day(local_date, zone_name, start, end)


def yesterday(zone_name: str, now: datetime | None = None) -> Day:
    """The day before today in `zone_name` (the default report day)."""
    today = (now or datetime.now(UTC)).astimezone(zone(zone_name)).date()
    return of(today - timedelta(days=1), zone_name)


def parse(text: str, zone_name: str, now: datetime | None = None) -> Day:
    """`--date YYYY-MM-DD`, a day that has begun in `zone_name` (today can be reported: its report is
    marked incomplete until the day ends).

    Raises:
        ValueError: not a date, or a day still to come (naming today there).
    """
    try:
        local = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"a date YYYY-MM-DD; got {text!r}") from None
    day = of(local, zone_name)
    moment = now or datetime.now(UTC)
    if day.start > moment:
        today = moment.astimezone(zone(zone_name)).date()
        raise ValueError(f"a day that has begun; {local} is still to come in {zone_name} (today is {today})")
    return day
