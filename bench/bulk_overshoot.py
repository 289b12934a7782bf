"""Experiment: what GETBULK overshoot past the end of each column costs, and what sizing the last
request of a column by ifNumber would save (a proposal for agent/collectors/snmp/walk.py).

    python3 bench/bulk_overshoot.py [--devices 24] [--rounds 5]

The agent walks 4 columns per GETBULK with max-repetitions 25; a column of n rows ends with
25 - n % 25 varbinds past its end, which the device encodes, the wire carries and the agent
decodes only to drop. Here the lean sessions are wrapped (in this process only, agent code
untouched): once the device's ifNumber is known, each GETBULK asks for at most (rows still
expected + 1) repetitions, the +1 seeing the column's end (so 1 when every expected row is in).
The walk logic itself is unchanged, so a wrong ifNumber only costs an extra request. Rounds
alternate plain / sized; both expositions must be identical but for sysUpTime (checked).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import Site, cpu_seconds

from agent.collectors.snmp import ifmib, lean
from agent.collectors.snmp.client import Response, SnmpClient
from agent.collectors.snmp.poller import DeviceState, poll_targets
from agent.config.snmp import SnmpConfig
from agent.exposition import merge_families, render

COLUMNS = frozenset(ifmib.WALK_COLUMNS)
_plain_get, _plain_bulk = lean.LeanSession.get, lean.LeanSession.bulk


def column_of(oid: str) -> str:
    return oid if oid in COLUMNS else oid.rsplit(".", 1)[0]


async def sized_get(self: Any, oids: Sequence[str]) -> Response:
    response = await _plain_get(self, oids)
    for oid, value in response.varbinds:
        if oid == ifmib.IF_NUMBER and isinstance(value, int):
            self.if_number, self.rows = value, {}
    return response


async def sized_bulk(self: Any, oids: Sequence[str], max_repetitions: int) -> Response:
    expected = getattr(self, "if_number", 0)
    if expected > 0:
        remaining = max(expected - self.rows.get(column_of(oid), 0) for oid in oids)
        if remaining >= 0:  # below 0 ifNumber was wrong: walk on at full size
            max_repetitions = min(max_repetitions, remaining + 1)
    response = await _plain_bulk(self, oids, max_repetitions)
    if expected > 0:
        width = len(oids)
        for position, (oid, value) in enumerate(response.varbinds):
            column = column_of(oids[position % width])
            if value is not None and oid.startswith(column + "."):
                self.rows[column] = self.rows.get(column, 0) + 1
    return response


def use_sizing(on: bool) -> None:
    lean.LeanSession.get = sized_get if on else _plain_get  # type: ignore[method-assign]
    lean.LeanSession.bulk = sized_bulk if on else _plain_bulk  # type: ignore[method-assign]


async def rounds(site: Site, count: int) -> dict[str, list[dict[str, Any]]]:
    assert site.snmpsim is not None
    config = SnmpConfig.model_validate({"targets": site.agent_targets(), "concurrency": 16})
    figures: dict[str, list[dict[str, Any]]] = {"plain": [], "sized": []}
    texts: dict[str, str] = {}
    for variant in ("plain", "sized"):  # warm-up, one client per variant
        use_sizing(variant == "sized")
        client = SnmpClient("lean")
        await poll_targets(client, config, config.targets, {})
        client.close()
    for _ in range(count):
        for variant in ("plain", "sized"):
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
        if texts["plain"] != texts["sized"]:
            raise SystemExit("the sized walk exposed different metrics: the proposal is wrong")
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
    print("| per round (median) | plain (agent today) | sized by ifNumber |")
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
