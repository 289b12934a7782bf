"""The throughput test's server side: request checks, the per-site limit, the body stream.

The body is a slice stream over one random block made once per process, so a test costs no
random generation and no N-byte allocation, however big N is. Random data does not compress
(the block is larger than any HTTP compressor's window), so the figure is the link's, not a
codec's.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import AsyncIterator, Callable

from collector.ingest import Rejection

BLOCK_BYTES = 4 * 2**20
CHUNK_BYTES = 256 * 2**10
_DIGITS = re.compile(r"[0-9]{1,20}")


def parse_size(raw: str | None, cap: int) -> int:
    """`bytes=` of the query: a whole number in 1..cap, else a 400 that says which."""
    if raw is None:
        raise Rejection("bad_size", "missing query parameter `bytes` (e.g. ?bytes=20000000)")
    if not _DIGITS.fullmatch(raw):
        raise Rejection("bad_size", f"`bytes` must be a whole number of bytes, not {raw[:40]!r}")
    size = int(raw)
    if size <= 0:
        raise Rejection("bad_size", "`bytes` must be greater than zero")
    if size > cap:
        raise Rejection("bad_size", f"`bytes` is {size}, over this collector's cap of {cap}")
    return size


class SiteLimiter:
    """At most one test per site per `min_interval` seconds, in this process's memory.

    A slot is taken when a test is granted (not when it ends), so a site cannot run two at once.
    Each replica keeps its own table: behind a load balancer a site may get one test per replica
    per interval; the agents' own limit (persisted on disk) is the one that holds everywhere.
    """

    def __init__(self, min_interval: float, clock: Callable[[], float]) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self._granted: dict[str, float] = {}

    def acquire(self, site: str) -> None:
        """Take the site's slot, or raise a 429 Rejection carrying the seconds to wait."""
        now = self.clock()
        last = self._granted.get(site)
        if last is not None and now - last < self.min_interval:
            wait = max(1, math.ceil(self.min_interval - (now - last)))
            raise TooSoon(site, wait)
        self._forget_expired(now)
        self._granted[site] = now

    def _forget_expired(self, now: float) -> None:
        if len(self._granted) >= 1024:  # keeps the table at the sites tested in one interval
            expired = [s for s, at in self._granted.items() if now - at >= self.min_interval]
            for site in expired:
                del self._granted[site]


class TooSoon(Rejection):
    def __init__(self, site: str, retry_after: int) -> None:
        super().__init__(
            "too_soon",
            f"site {site} ran a speed test less than the collector's interval ago; "
            f"retry in {retry_after} s",
            429,
            {"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class RandomBlock:
    """One random block; `stream(n)` yields views of it totalling exactly n bytes."""

    def __init__(self, size: int = BLOCK_BYTES, chunk: int = CHUNK_BYTES) -> None:
        self.chunk = min(chunk, size)
        self._view = memoryview(os.urandom(size))

    async def stream(self, size: int, sent: Callable[[int], None]) -> AsyncIterator[memoryview]:
        """`sent(n)` is called after each chunk has been handed to the server."""
        offset, left = 0, size
        while left > 0:
            length = min(self.chunk, left, len(self._view) - offset)
            yield self._view[offset : offset + length]
            sent(length)
            left -= length
            offset = (offset + length) % len(self._view)
