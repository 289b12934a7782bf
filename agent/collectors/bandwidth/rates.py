"""Rates from monotonically increasing byte counters, from any source (/proc/net/dev, SNMP).

Pure: a reading is (counter, timestamp, counter width, the source's uptime, an epoch). A rate is
given only when the two readings can honestly be compared; otherwise None and the new reading
becomes the baseline. What makes them incomparable:
- the first reading, or time not moving forward;
- an epoch change (the interface was re-created: another ifIndex; a counter discontinuity);
- the source restarted: its uptime went backwards, or is shorter than the interval;
- the counter went down: a wrap for a 32-bit counter when the implied rate fits the link (or,
  speed unknown, when less than half the counter's range passed); otherwise a reset. A 64-bit
  counter takes decades to wrap at 100 Gbit/s, so going down is always a reset.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# a wrap whose implied rate exceeds the link by more than this is a reset, not a wrap
_WRAP_SLACK = 1.1


@dataclass(frozen=True, slots=True)
class CounterReading:
    value: int  # octets
    timestamp: float  # seconds on the reader's clock
    bits: int = 64  # counter width: 32 (ifInOctets) or 64 (ifHCInOctets, /proc/net/dev)
    uptime: float | None = None  # the source's own clock (sysUpTime), seconds
    epoch: Hashable = None  # changes when the counter restarts (ifIndex, discontinuity time)
    speed_bps: float | None = None  # link capacity, bits per second


def _restarted(previous: CounterReading, current: CounterReading, elapsed: float) -> bool:
    if current.epoch != previous.epoch:
        return True
    if current.uptime is None or previous.uptime is None:
        return False
    return current.uptime < previous.uptime or current.uptime < elapsed


def _wrapped_delta(previous: CounterReading, current: CounterReading, elapsed: float) -> int | None:
    if current.bits >= 64:
        return None
    delta = current.value + 2**current.bits - previous.value
    if current.speed_bps:
        return delta if delta * 8 / elapsed <= current.speed_bps * _WRAP_SLACK else None
    return delta if delta < 2 ** (current.bits - 1) else None


def counter_rate(previous: CounterReading | None, current: CounterReading) -> float | None:
    """Octets per second between two readings of one counter, or None (see module doc)."""
    if previous is None:
        return None
    elapsed = current.timestamp - previous.timestamp
    if elapsed <= 0 or _restarted(previous, current, elapsed):
        return None
    delta: int | None = current.value - previous.value
    if delta is not None and delta < 0:
        delta = _wrapped_delta(previous, current, elapsed)
    return None if delta is None else delta / elapsed


def utilization(rate_bytes: float, speed_bps: float | None) -> float | None:
    """Share of the link's capacity in use (0-1, may exceed 1 if the speed is misreported)."""
    if not speed_bps or speed_bps <= 0:
        return None
    return rate_bytes * 8 / speed_bps


class RateTracker(Generic[K]):
    """The last reading of each counter, and the rate since it."""

    def __init__(self) -> None:
        self._last: dict[K, CounterReading] = {}

    def update(self, key: K, reading: CounterReading) -> float | None:
        rate = counter_rate(self._last.get(key), reading)
        self._last[key] = reading
        return rate

    def forget_except(self, keys: set[K]) -> None:
        """Drop counters no longer seen (an interface that went away)."""
        for key in set(self._last) - keys:
            del self._last[key]
