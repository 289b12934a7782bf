"""Login throttling: after `attempts` failures for one user name or from one client address
within `window` seconds, logins for it are refused until the window has passed (429).
Per process (each replica counts its own); bounded memory: the oldest keys are dropped."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

MAX_KEYS = 10_000


class LoginThrottle:
    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    def _recent(self, key: str) -> list[float]:
        cutoff = self.clock() - self.window
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def retry_after(self, *keys: str) -> float:
        """Seconds until a login for these keys may be tried again; 0 when it may now."""
        waits = [
            recent[0] + self.window - self.clock()
            for recent in map(self._recent, keys)
            if len(recent) >= self.attempts
        ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._failures.setdefault(key, []).append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username_key: str) -> None:
        self._failures.pop(username_key, None)
