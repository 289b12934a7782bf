"""Cost of the LAN sweep's SNMP auto-discovery: CPU, wall time and peak RSS per round.

Starts snmpsim on loopback with the test-case recordings (each served under its case name as
the community) and asks `--hosts` x `--communities` (host, community) pairs per round, every host
being 127.0.0.1 (each pair is its own request, as on a real /24).

    python3 bench/snmp_discovery.py --hosts 64 --communities 4 --rounds 5

Runs whichever discovery the checkout has: `agent.collectors.snmp.discover_sys_object_ids` (the
SNMP layer, lean codec), else the older `agent.collectors.lan.snmp.discover_snmp` (pysnmp v1arch),
so one command measures both sides of a change: `PYTHONPATH=<old checkout> python3 ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parents[1]))

from tests.peers.common import REPO, free_port, stop
from tests.peers.snmpsim import start_snmpsim

Answers = dict[str, tuple[str, int]]
Discover = Callable[[Sequence[str], Sequence[str], int, float], Coroutine[Any, Any, Answers]]


def discovery() -> tuple[str, Discover]:
    try:
        from agent.collectors.snmp import discover_sys_object_ids

        return "snmp layer (lean codec)", discover_sys_object_ids
    except ImportError:
        from agent.collectors.lan.snmp import discover_snmp  # type: ignore[import-not-found]

        return "lan/snmp.py (pysnmp v1arch)", discover_snmp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=64)
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    recordings = sorted((REPO / "tests/cases/snmp").glob("*/recording.snmprec"))
    communities = [r.parent.name for r in recordings if r.parent.name != "windows-xp-v1"]
    communities = communities[: args.communities]
    name, discover = discovery()
    with tempfile.TemporaryDirectory() as temp:
        data, cache = Path(temp, "data"), Path(temp, "cache")
        data.mkdir()
        cache.mkdir()
        for recording in recordings:
            shutil.copy(recording, data / f"{recording.parent.name}.snmprec")
        port = free_port(socket.SOCK_DGRAM)
        simulator = start_snmpsim(data, cache, port, communities[0])
        try:
            print(f"{name}: {args.hosts} hosts x {len(communities)} communities per round")
            for number in range(1, args.rounds + 1):
                wall, cpu = time.perf_counter(), time.process_time()
                found = asyncio.run(discover(["127.0.0.1"] * args.hosts, communities, port, 5.0))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                pairs = args.hosts * len(communities)
                print(
                    f"round {number}: answered {found.get('127.0.0.1')}, wall {wall:.3f} s, "
                    f"CPU {cpu:.3f} s, {cpu / pairs * 1e6:.0f} us CPU/request"
                )
        finally:
            stop(simulator)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
