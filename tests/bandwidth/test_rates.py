"""The rate calculator on wraps, resets and restarts: never a bogus spike."""

from __future__ import annotations

import pytest

from agent.collectors.bandwidth.rates import CounterReading, RateTracker, counter_rate, utilization

GIG = 1e9
MAX32 = 2**32


def r(value: int, at: float, **kw: object) -> CounterReading:
    return CounterReading(value, at, **kw)  # type: ignore[arg-type]


def test_plain_rate_and_first_reading() -> None:
    assert counter_rate(None, r(100, 0.0)) is None
    assert counter_rate(r(1_000, 0.0), r(11_000, 10.0)) == 1_000.0


def test_time_must_move_forward() -> None:
    assert counter_rate(r(0, 5.0), r(10, 5.0)) is None
    assert counter_rate(r(0, 5.0), r(10, 4.0)) is None


def test_32bit_wrap_within_link_capacity_is_a_wrap() -> None:
    before = r(MAX32 - 1_000, 0.0, bits=32, speed_bps=GIG)
    after = r(4_000, 1.0, bits=32, speed_bps=GIG)
    assert counter_rate(before, after) == 5_000.0


def test_32bit_drop_that_would_exceed_the_link_is_a_reset() -> None:
    # a "wrap" here would mean ~4 GB in 1 s on a 100 Mbit/s port: the device reset the counter
    before = r(3_000_000_000, 0.0, bits=32, speed_bps=100e6)
    after = r(10, 1.0, bits=32, speed_bps=100e6)
    assert counter_rate(before, after) is None


def test_32bit_wrap_without_speed_uses_half_the_range() -> None:
    assert counter_rate(r(MAX32 - 10, 0.0, bits=32), r(10, 1.0, bits=32)) == 20.0
    assert counter_rate(r(2**31 + 5, 0.0, bits=32), r(2**31 - 5, 1.0, bits=32)) is None


def test_64bit_counter_going_down_is_always_a_reset() -> None:
    before = r(2**64 - 100, 0.0, speed_bps=100 * GIG)
    assert counter_rate(before, r(100, 1.0, speed_bps=100 * GIG)) is None
    assert counter_rate(r(5_000, 0.0), r(4_000, 1.0)) is None


def test_device_restart_seen_in_uptime() -> None:
    # sysUpTime went backwards: the counters restarted, whatever they say now
    before = r(1_000, 0.0, uptime=86_400.0)
    assert counter_rate(before, r(50_000, 60.0, uptime=30.0)) is None
    # uptime shorter than the interval: the device rebooted in between, counters regrew
    assert counter_rate(r(1_000, 0.0, uptime=10.0), r(9_000, 60.0, uptime=40.0)) is None
    assert counter_rate(r(1_000, 0.0, uptime=10.0), r(7_000, 60.0, uptime=70.0)) == 100.0


def test_epoch_change_is_a_new_counter() -> None:
    # the interface was re-created (another ifIndex) or ifCounterDiscontinuityTime moved
    assert counter_rate(r(1_000, 0.0, epoch=3), r(9_000, 1.0, epoch=7)) is None


def test_tracker_rebaselines_after_a_reset_and_forgets_gone_counters() -> None:
    tracker: RateTracker[str] = RateTracker()
    assert tracker.update("eth0", r(0, 0.0)) is None
    assert tracker.update("eth0", r(1_000, 1.0)) == 1_000.0
    assert tracker.update("eth0", r(10, 2.0)) is None  # reset: no spike, no negative rate
    assert tracker.update("eth0", r(510, 3.0)) == 500.0
    tracker.forget_except(set())
    assert tracker.update("eth0", r(1_000, 4.0)) is None


def test_utilization() -> None:
    assert utilization(12_500_000, 100e6) == pytest.approx(1.0)
    assert utilization(1, None) is None
    assert utilization(1, 0) is None
