"""Periods in the methodology's time zone (Asia/Ho_Chi_Minh, UTC+7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from collector.ranking.period import PeriodError, parse_period

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _utc(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026", "2025-12-31T17:00", "2026-12-31T17:00"),
        ("2026-Q3", "2026-06-30T17:00", "2026-09-30T17:00"),
        ("2026-Q4", "2026-09-30T17:00", "2026-12-31T17:00"),
        ("2026-09", "2026-08-31T17:00", "2026-09-30T17:00"),
        ("2026-12", "2026-11-30T17:00", "2026-12-31T17:00"),
        ("2026-09-14", "2026-09-13T17:00", "2026-09-14T17:00"),
        ("2026-09-01..2026-09-14", "2026-08-31T17:00", "2026-09-14T17:00"),
        ("2026-09-14T08:00:00+07:00..2026-09-14T09:30:00Z", "2026-09-14T01:00", "2026-09-14T09:30"),
    ],
)
def test_periods_are_calendar_spans_in_the_time_zone(text: str, start: str, end: str) -> None:
    period = parse_period(text, HCM)
    assert (period.start, period.end) == (_utc(start), _utc(end))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13", "month 13 does not exist"),
        ("2026-Q5", "is not a period"),
        ("last year", "is not a period"),
        ("2026-02-30", "is not an ISO date"),
        ("2026-09-14T08:00..2026-09-15", "needs its offset"),
        ("2026-09-14..2026-09-01", "ends before it starts"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(PeriodError, match=reason):
        parse_period(text, HCM)
