"""agent.memory on this machine's glibc, each case in a fresh process (mallopt settings are
process-wide, so the test's own interpreter is left alone).

After a large block is freed, glibc raises its mmap threshold to that size (and its trim
threshold to twice it), so the next block of that size comes from the heap and stays resident
after it is freed: a buffer freed in every cycle would keep RSS at its peak. Either call alone
prevents it: tune() pins the threshold, trim() gives the heap's free pages back.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from agent import memory
from tests.peers.common import subprocess_env

CHILD = textwrap.dedent(
    """
    import sys
    from agent import memory

    def rss_mib():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    tune, trim = sys.argv[1] == "1", sys.argv[2] == "1"
    assert not tune or memory.tune()
    base = rss_mib()
    for _ in range(3):
        held = bytearray(16 * 2**20)  # bytearray(n) writes n zero bytes: resident
        peak = rss_mib()
        del held
        if trim:
            memory.trim()
    print(round(peak - base, 1), round(rss_mib() - base, 1))
    """
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or memory._libc() is None, reason="glibc and /proc"
)


def resident_after(tune: bool, trim: bool) -> tuple[float, float]:
    """(MiB resident over the start while the buffer is held, after the last free)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(int(tune)), str(int(trim))],
        env=subprocess_env(), capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    peak, after = map(float, done.stdout.split())
    return peak, after


@pytest.mark.parametrize(("tune", "trim"), [(True, False), (False, True)], ids=["tune", "trim"])
def test_a_buffer_freed_every_cycle_leaves_rss(tune: bool, trim: bool) -> None:
    peak, after = resident_after(tune, trim)
    assert peak >= 15  # the buffer was resident while held
    assert after < 4  # and went back to the system after every free, not only the first


def test_without_either_glibc_keeps_it() -> None:
    """What the two calls are for (if a glibc stops doing this, they may go)."""
    _, after = resident_after(tune=False, trim=False)
    assert after >= 15


def test_trim_is_safe_to_call_any_time() -> None:
    memory.trim()
    memory.trim()
