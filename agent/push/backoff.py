"""Exponential backoff with jitter, so sites whose link comes back together do not retry in step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """`next_delay()` after each failure: base·2^n capped at `maximum`, then "equal jitter"
    (half fixed, half random), which keeps a floor under the delay unlike full jitter."""

    minimum: float
    maximum: float
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.minimum * 2.0 ** min(self.failures, 60))
        self.failures += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0
