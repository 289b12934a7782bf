"""Cutting a period into recorded days and raw segments, and the PromQL each one is read with."""

from __future__ import annotations

from collector.ranking.measure import DAY, Segment, plan, segment_query
from collector.ranking.methodology import load_methodology
from collector.ranking.period import Period

STEP = 300.0
T0 = 1_767_200_400.0  # 2025-12-31T17:00Z: midnight in Asia/Ho_Chi_Minh


def _period(days: float) -> Period:
    return Period("p", T0, T0 + days * DAY)


def _window(day_end: float, lag: float = 3 * DAY, skew: float = 1234.5) -> tuple[float, float]:
    """(the rule's evaluation time, the day end it recorded), evaluated off the hour."""
    return day_end + lag + skew, day_end + skew


def test_without_recorded_days_the_whole_period_is_one_raw_segment() -> None:
    assert plan(_period(10), [], STEP) == [Segment(T0, T0 + 10 * DAY)]


def test_recorded_days_inside_the_period_and_raw_before_after_and_in_a_hole() -> None:
    windows = [_window(T0 + d * DAY) for d in (1, 2, 3, 5, 6, 12)]  # day 4 missed; 12 is outside
    segments = plan(_period(10), windows, STEP)
    skew = 1234.5 // STEP * STEP  # recorded days start and end on a step
    assert [(s.start - T0, s.end - T0, s.recorded) for s in segments] == [
        (0, skew, False),  # before the first whole recorded day
        (skew + 3 * DAY, skew + 4 * DAY, False),  # the day the rule did not run
        (skew, skew + 6 * DAY, True),
        (skew + 6 * DAY, 10 * DAY, False),  # the last days: not final yet
    ]
    recorded = next(s for s in segments if s.recorded)
    assert (recorded.first, recorded.last) == (windows[0][0], windows[4][0])
    raw = sum(s.steps(STEP) for s in segments if not s.recorded)
    assert raw + 5 * DAY / STEP == 10 * DAY / STEP  # every step read once


def test_segments_are_read_with_one_instant_query_each() -> None:
    query = load_methodology().rules.queries.office_reporting
    text, at = segment_query(query, Segment(T0, T0 + DAY), STEP)
    assert text == f"sum_over_time(({query.raw})[86399s:300s])" and at == T0 + DAY
    recorded = Segment(T0, T0 + 2 * DAY, True, first=T0 + 4 * DAY, last=T0 + 5 * DAY)
    text, at = segment_query(query, recorded, STEP)
    assert text == "sum_over_time(ictinfra:office_reporting_steps:sum1d[86401000ms])"
    assert at == T0 + 5 * DAY


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    from collector.ranking.engine import _ranks

    rows = [
        {"level": "commune", "total": total, "rank": None} for total in (150.0, 120.5, 150.0, 90.0)
    ] + [
        {"level": "commune", "total": None, "rank": False},
        {"level": "province", "total": 10.0, "rank": None},
    ]
    _ranks(rows)
    assert [r["rank"] for r in rows] == [1, 3, 1, 4, False, 1]
