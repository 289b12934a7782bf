"""Ranking periods: `2026`, `2026-Q3`, `2026-09`, `2026-09-14`, `FROM..TO`, in the methodology's
time zone. A period is the half-open interval [start, end) of epoch seconds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Period:
    text: str  # as given
    start: float  # epoch seconds, inclusive
    end: float  # exclusive

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _midnight(day: dt.date, zone: ZoneInfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _month_after(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1)


def _calendar(text: str) -> tuple[dt.date, dt.date] | None:
    """A calendar period -> (first day, day after the last)."""
    if match := _YEAR.match(text):
        year = int(match[1])
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        return dt.date(year, 3 * quarter - 2, 1), _month_after(year, 3 * quarter)
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: month {month} does not exist")
        return dt.date(year, month, 1), _month_after(year, month)
    return None


def _instant(text: str, zone: ZoneInfo, end: bool) -> float:
    """An ISO date (a whole day: its start, or for `end` the next day's start) or a datetime with
    an offset."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return _midnight(day + dt.timedelta(days=1) if end else day, zone)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PeriodError(
            f"{text!r} is not an ISO date (2026-09-14) or datetime with offset"
            " (2026-09-14T08:00:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        raise PeriodError(f"{text!r}: a datetime needs its offset (+07:00 or Z)")
    return moment.timestamp()


def parse_period(text: str, zone: ZoneInfo) -> Period:
    text = text.strip()
    if ".." in text:
        first, _, last = text.partition("..")
        start, end = _instant(first, zone, end=False), _instant(last, zone, end=True)
    else:
        days = _calendar(text)
        if days is not None:
            start, end = _midnight(days[0], zone), _midnight(days[1], zone)
        elif len(text) == 10:  # one day
            start, end = _instant(text, zone, end=False), _instant(text, zone, end=True)
        else:
            raise PeriodError(
                f"{text!r} is not a period: YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or FROM..TO"
            )
    if end <= start:
        raise PeriodError(f"{text!r}: the period ends before it starts")
    return Period(text, start, end)
