"""Keeping the agent's resident memory near what it holds (glibc's allocator; a no-op elsewhere).

A 20-switch site renews ~28,000 samples every cycle; the new ones are made while the old ones are
still held, so each cycle briefly needs twice the data. glibc keeps what is freed for reuse:
without these calls, RSS settles at the peak, not at what is live. `tune()` (once, at start)
gives every block over 128 KiB a mapping of its own, unmapped when it is freed, and caps the
allocator at two arenas (each thread of the default executor would otherwise get one of its
own); `trim()` (after a collector's run) returns the free pages in the middle of the heap.
"""

from __future__ import annotations

import ctypes
import functools
import logging

log = logging.getLogger(__name__)

# mallopt(3) parameter numbers of glibc
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value, fixed: it would grow up to 32 MiB
ARENAS = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc has it; musl's libc.so.6, if any, may not)
    except (OSError, AttributeError):
        return None
    return libc


def tune(arenas: int | None = ARENAS) -> bool:
    """Fix the mmap threshold and cap the arena count (`None`: glibc's, for a process whose many
    threads allocate at once); False when the C library is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    ok: bool = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    if arenas is not None:
        ok = libc.mallopt(M_ARENA_MAX, arenas) == 1 and ok
    if not ok:
        log.debug("mallopt refused a setting; the allocator keeps its defaults")
    return ok


def trim() -> None:
    """Return the heap's free pages to the system (malloc_trim(0)); cheap (well under 1 ms
    for the agent's heap)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
