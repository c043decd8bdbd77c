"""The period a change report covers: one day, a range of whole days, an ISO week or a calendar month.

Dates are local dates in REPORT_TIMEZONE; a period runs from local midnight at the start of `since` to
local midnight at the start of `until` (exclusive, as the collector's `--until`). Its days are
`day.Day`s, each of which is read, written and checkpointed on its own (the day shards); the previous
period is the one of the same length just before (the previous ISO week, the previous month, the same
number of days before a range), what trends compare with.

Where a period's objects live: `reports/YYYY/MM/DD/` (a day), `reports/week/2026-W48/`,
`reports/month/2026-11/`, `reports/range/<since>_<until>/`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from forwarder.report import day as days
from forwarder.report.day import Day

#: The longest period, in days (the audit log keeps at most 365 days).
MAX_DAYS = 366
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class Period(NamedTuple):
    """A report period.

    Attributes:
        kind: "day", "range", "week" or "month".
        label: `2026-11-18`, `2026-11-01_2026-11-08`, `2026-W48`, `2026-11`.
        zone: the IANA time zone name.
        since, until: the first local date and the local date after the last one.
    """

    kind: str
    label: str
    zone: str
    since: date
    until: date

    @property
    def days(self) -> list[Day]:
        """The period's days, in order."""
        count = (self.until - self.since).days
        return [days.of(self.since + timedelta(days=i), self.zone) for i in range(count)]

    @property
    def start(self) -> datetime:
        """The first instant, aware UTC."""
        return days.of(self.since, self.zone).start

    @property
    def end(self) -> datetime:
        """The instant after the last one, aware UTC."""
        return days.of(self.until, self.zone).start

    @property
    def prefix(self) -> str:
        """Where the period's objects live."""
        if self.kind == "day":
            return f"reports/{self.since:%Y/%m/%d}/"
        return f"reports/{self.kind}/{self.label}/"

    def previous(self) -> Period:
        """The period of the same length just before this one (the previous week, month or range)."""
        if self.kind == "month":
            first = (self.since - timedelta(days=1)).replace(day=1)
            return month(f"{first:%Y-%m}", self.zone)
        length = self.until - self.since
        since = self.since - length
        if self.kind == "week":
            year, number, _ = since.isocalendar()
            return week(f"{year}-W{number:02d}", self.zone)
        if self.kind == "day":
            return of_day(days.of(since, self.zone))
        return Period("range", f"{since}_{self.since}", self.zone, since, self.since)


def of_day(d: Day) -> Period:
    """The one-day period of a `day.Day`."""
    return Period("day", d.date.isoformat(), d.zone, d.date, d.date + timedelta(days=1))


def between(since: str, until: str, zone: str, now: datetime | None = None) -> Period:
    """`--since DATE --until DATE` (until exclusive).

    Raises:
        ValueError: not dates, until not after since, longer than MAX_DAYS, or a period still to come.
    """
    low, high = _date(since, "since"), _date(until, "until")
    if high <= low:
        raise ValueError(f"until after since (until is exclusive); got since {low}, until {high}")
    if (high - low).days > MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days; got {(high - low).days} ({low} to {high})")
    return _begun(Period("range", f"{low}_{high}", zone, low, high), now)


def week(text: str, zone: str, now: datetime | None = None) -> Period:
    """`--week 2026-W48`: Monday to Monday (ISO 8601 week).

    Raises:
        ValueError: not an ISO week, or a week still to come.
    """
    found = _WEEK.fullmatch(text.strip())
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1) if found else None
    except ValueError:
        monday = None
    if monday is None:
        raise ValueError(f"an ISO week YYYY-Www (2026-W48); got {text!r}")
    label = f"{found.group(1)}-W{found.group(2)}"
    return _begun(Period("week", label, zone, monday, monday + timedelta(days=7)), now)


def month(text: str, zone: str, now: datetime | None = None) -> Period:
    """`--month 2026-11`: the first of the month to the first of the next.

    Raises:
        ValueError: not a month YYYY-MM, or a month still to come.
    """
    found = _MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"a month YYYY-MM (2026-11); got {text!r}")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    after = (first + timedelta(days=32)).replace(day=1)
    return _begun(Period("month", f"{first:%Y-%m}", zone, first, after), now)


def just_ended(kind: str, zone: str, now: datetime | None = None) -> Period:
    """The week or month that ended last in `zone` (what the scheduled `{"period": ...}` task reports)."""
    today = (now or datetime.now(UTC)).astimezone(days.zone(zone)).date()
    if kind == "week":
        year, number, _ = (today - timedelta(days=7)).isocalendar()
        return week(f"{year}-W{number:02d}", zone, now)
    if kind == "month":
        last = today.replace(day=1) - timedelta(days=1)
        return month(f"{last:%Y-%m}", zone, now)
    raise ValueError(f'"week" or "month"; got {kind!r}')


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"{name}: a date YYYY-MM-DD; got {text!r}") from None


def _begun(period: Period, now: datetime | None) -> Period:
    moment = now or datetime.now(UTC)
    if period.start > moment:
        today = moment.astimezone(days.zone(period.zone)).date()
        raise ValueError(
            f"a period that has begun; {period.label} is still to come in {period.zone} (today is {today})"
        )
    return period
