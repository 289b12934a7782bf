"""A burst: N attempts started `spacing` apart, each bounded by `timeout`, all concurrent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def run_burst(
    attempt: Callable[[int], Awaitable[T]], count: int, spacing: float, timeout: float
) -> list[T | None]:
    """`attempt(seq)` for seq in 0..count-1; a failed or late attempt gives None (lost).

    Attempts overlap: a slow reply never delays the next send, so the burst takes about
    (count - 1) x spacing + timeout at most.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(seq: int) -> T | None:
        delay = start + seq * spacing - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            return await asyncio.wait_for(attempt(seq), timeout)
        except (TimeoutError, OSError):
            return None

    return list(await asyncio.gather(*(one(seq) for seq in range(count))))
