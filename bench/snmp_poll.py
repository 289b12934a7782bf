"""Client-side cost of polling recorded devices: CPU seconds and wall time per cycle.

Starts snmpsim on loopback with the test-case recordings, then polls N targets (the cases
repeated under distinct names) with the agent's poller in this process, so process CPU time is
the agent's alone (snmpsim runs in its own process).

    python3 bench/snmp_poll.py --devices 20 --cycles 3 [--profile out.pstats] [--modules if_mib]

`poll_targets()` from agent.collectors.snmp.poller is the callable a comparison with
prometheus-snmp-exporter can reuse.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import DeviceState, poll_targets
from agent.config.snmp import SnmpConfig
from agent.validation import validate
from tests.peers.common import REPO, free_port, stop
from tests.peers.snmpsim import start_snmpsim

SKIP = {"windows-xp-v1"}  # served behind a v1-only relay in the tests


def config_for(port: int, devices: int, modules: list[str], codec: str) -> SnmpConfig:
    cases = sorted(
        p.parent.name
        for p in (REPO / "tests/cases/snmp").glob("*/recording.snmprec")
        if p.parent.name not in SKIP
    )
    targets = [
        {
            "name": f"{cases[i % len(cases)]}-{i}",
            "address": f"127.0.0.1:{port}",
            "community": cases[i % len(cases)],
            "timeout": "5s",
            "modules": modules,
        }
        for i in range(devices)
    ]
    return validate(
        SnmpConfig, {"targets": targets, "concurrency": 16, "poll_timeout": "120s", "codec": codec}
    )


async def cycles(
    config: SnmpConfig, count: int, inventory: bool
) -> list[tuple[float, float, int, int]]:
    client = SnmpClient(config.codec)
    states: dict[str, DeviceState] = {}
    figures = []
    try:
        for _ in range(count):
            wall, cpu = time.perf_counter(), time.process_time()
            names = [t.name for t in config.targets] if inventory else []
            results = await poll_targets(client, config, config.targets, states, inventory=names)
            varbinds = sum(r.stats.varbinds for r in results)
            up = sum(r.up for r in results)
            requests = sum(r.stats.requests for r in results)
            fallbacks = sum(r.stats.fallbacks for r in results)
            timeouts = sum(r.stats.timeouts for r in results)
            print(f"  {requests} requests, {fallbacks} bulk fallbacks, {timeouts} timeouts")
            figures.append((time.perf_counter() - wall, time.process_time() - cpu, varbinds, up))
    finally:
        client.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--modules", nargs="+", default=["if_mib"])
    parser.add_argument("--codec", choices=("lean", "pysnmp"), default="lean")
    parser.add_argument("--inventory", action="store_true", help="also walk the inventory tables")
    parser.add_argument("--profile", help="write cProfile stats here and print the top functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        data, cache = Path(temp, "data"), Path(temp, "cache")
        data.mkdir()
        cache.mkdir()
        for recording in (REPO / "tests/cases/snmp").glob("*/recording.snmprec"):
            shutil.copy(recording, data / f"{recording.parent.name}.snmprec")
        port = free_port(socket.SOCK_DGRAM)
        simulator = start_snmpsim(data, cache, port, "cisco-c3560")
        try:
            config = config_for(port, args.devices, args.modules, args.codec)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            figures = asyncio.run(cycles(config, args.cycles, args.inventory))
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
        finally:
            stop(simulator)
    for number, (wall, cpu, varbinds, up) in enumerate(figures, 1):
        print(
            f"cycle {number}: {up}/{args.devices} up, {varbinds} varbinds, wall {wall:.3f} s, "
            f"CPU {cpu:.3f} s, {cpu / max(varbinds, 1) * 1e6:.1f} us CPU/varbind"
        )
    if args.profile:
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
