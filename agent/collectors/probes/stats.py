"""Pure summaries of one burst: loss, round-trip times and jitter."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BurstStats:
    sent: int
    received: int
    rtt_avg: float | None
    rtt_min: float | None
    rtt_max: float | None
    jitter: float | None

    @property
    def loss_ratio(self) -> float:
        return 1.0 - self.received / self.sent if self.sent else 1.0

    @property
    def up(self) -> bool:
        return self.received > 0


def jitter(rtts: Sequence[float]) -> float | None:
    """RFC 3550-style interarrival jitter without its 1/16 smoothing: the mean absolute
    difference of consecutive round-trip times (in send order, lost packets skipped)."""
    if len(rtts) < 2:
        return None
    return sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1)


def summarize(replies: Sequence[float | None]) -> BurstStats:
    """`replies` in send order: a round-trip time in seconds, or None for a lost packet."""
    rtts = [r for r in replies if r is not None]
    if not rtts:
        return BurstStats(len(replies), 0, None, None, None, None)
    return BurstStats(
        sent=len(replies),
        received=len(rtts),
        rtt_avg=sum(rtts) / len(rtts),
        rtt_min=min(rtts),
        rtt_max=max(rtts),
        jitter=jitter(rtts),
    )
