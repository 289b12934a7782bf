"""What GETBULK overshoot past the end of each column costs, and what sizing GETBULK by ifNumber
saves (proposal B, adopted in agent/collectors/snmp/walk.py).

    python3 bench/bulk_overshoot.py [--devices 24] [--rounds 5]

The agent walks 4 columns per GETBULK with max-repetitions 25. Unsized, a column of n rows ends
with 25 - n % 25 varbinds past its end, which the device encodes, the wire carries and the agent
decodes only to drop. Sized (the agent as it is): once the device's ifNumber is known, each
IF-MIB GETBULK asks for at most (rows still expected + 1) repetitions, the +1 seeing the
column's end. The "unsized" variant turns that off in this process only (the poller gets no
expected row counts). Rounds alternate unsized / sized; both expositions must be identical but
for sysUpTime (checked).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import Site, cpu_seconds

from agent.collectors.snmp import poller
from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import DeviceState, poll_targets
from agent.config.snmp import SnmpConfig
from agent.exposition import merge_families, render
from agent.validation import validate

_agent_expected_rows = poller._expected_rows


def _no_expected_rows(scalars: dict[str, Any]) -> None:
    return None


def use_sizing(on: bool) -> None:
    poller._expected_rows = _agent_expected_rows if on else _no_expected_rows  # type: ignore[assignment]


async def rounds(site: Site, count: int) -> dict[str, list[dict[str, Any]]]:
    assert site.snmpsim is not None
    config = validate(SnmpConfig, {"targets": site.agent_targets(), "concurrency": 16})
    figures: dict[str, list[dict[str, Any]]] = {"unsized": [], "sized": []}
    texts: dict[str, str] = {}
    for variant in ("unsized", "sized"):  # warm-up, one client per variant
        use_sizing(variant == "sized")
        client = SnmpClient("lean")
        await poll_targets(client, config, config.targets, {})
        client.close()
    for _ in range(count):
        for variant in ("unsized", "sized"):
            use_sizing(variant == "sized")
            client, states = SnmpClient("lean"), dict[str, DeviceState]()
            sim0, cpu0, wall0 = cpu_seconds(site.snmpsim.pid), time.process_time(), time.monotonic()
            results = await poll_targets(client, config, config.targets, states)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            sim = cpu_seconds(site.snmpsim.pid) - sim0
            client.close()
            text = render(merge_families(f for r in results for f in r.families))
            # one recording (aruba-7210) serves a live sysUpTime: leave it out of the comparison
            texts[variant] = "\n".join(
                line for line in text.splitlines() if not line.startswith("sysUpTime{")
            )
            figures[variant].append(
                {
                    "cpu": cpu,
                    "wall": wall,
                    "snmpsim_cpu": sim,
                    "varbinds": sum(r.stats.varbinds for r in results),
                    "requests": sum(r.stats.requests for r in results),
                    "up": sum(r.up for r in results),
                }
            )
        if texts["unsized"] != texts["sized"]:
            raise SystemExit("the sized walk exposed different metrics: the sizing is wrong")
    use_sizing(False)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=24)
    parser.add_argument("--max-interfaces", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with Site(args.devices, args.max_interfaces) as site:
        figures = asyncio.run(rounds(site, args.rounds))
    print("| per round (median) | unsized (before B) | sized by ifNumber (agent) |")
    print("|---|---:|---:|")
    for label, key, digits in (
        ("agent CPU s", "cpu", 3),
        ("wall s", "wall", 2),
        ("snmpsim CPU s", "snmpsim_cpu", 2),
        ("varbinds fetched", "varbinds", 0),
        ("requests", "requests", 0),
        ("devices up", "up", 0),
    ):
        cells = [round(statistics.median(r[key] for r in figures[v]), digits) for v in figures]
        print(f"| {label} | {cells[0]} | {cells[1]} |")
    print("\nexposition identical in every round: yes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
