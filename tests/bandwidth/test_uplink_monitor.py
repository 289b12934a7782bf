"""UplinkMonitor over scripted SNMP rows (a fake walker): device restart and 32-bit wrap."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent.collectors.bandwidth import uplink as uplink_module
from agent.collectors.bandwidth.uplink import UplinkMonitor
from agent.collectors.snmp import Row
from agent.config.snmp import SnmpTarget

PROC = Path(__file__).parent / "data" / "proc-gateway"
TARGET = SnmpTarget(name="core", address="192.0.2.10")  # never contacted: the walker is fake


class ScriptedWalker:
    """Answers each sample with the next scripted (uptime seconds, in, out, 64-bit?) reading."""

    def __init__(self, readings: list[tuple[float, int, int, bool]]) -> None:
        self.readings = readings

    def _rows(self) -> list[Row]:
        uptime, rx, tx, hc = self.readings.pop(0)
        rows: list[Row] = [("1.3.6.1.2.1.1.3.0", int(uptime * 100)),
                           ("1.3.6.1.2.1.31.1.1.1.1.5", b"Gi0/5"),
                           ("1.3.6.1.2.1.31.1.1.1.15.5", 100)]  # fmt: skip
        if hc:
            rows += [("1.3.6.1.2.1.31.1.1.1.6.5", rx), ("1.3.6.1.2.1.31.1.1.1.10.5", tx)]
        else:
            rows += [("1.3.6.1.2.1.2.2.1.10.5", rx), ("1.3.6.1.2.1.2.2.1.16.5", tx)]
        return rows

    async def walk(self, target: SnmpTarget, subtrees: Sequence[str]) -> list[Row]:
        return self._rows()

    async def get(self, target: SnmpTarget, oids: Sequence[str]) -> list[Row]:
        return self._rows()


def samples(
    monkeypatch: pytest.MonkeyPatch, readings: list[tuple[float, int, int, bool]]
) -> list[tuple[float | None, float | None]]:
    now = [0.0]
    monkeypatch.setattr(uplink_module.time, "monotonic", lambda: now[0])
    monitor = UplinkMonitor(TARGET, "Gi0/5", ScriptedWalker(readings), str(PROC), 3600)
    found = []
    for step in range(len(readings)):
        now[0] = 10.0 * step  # the agent samples every 10 s
        sample = asyncio.run(monitor.sample())
        found.append((sample.receive, sample.transmit))
    return found


def test_device_restart_gives_no_spike(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = samples(monkeypatch, [
        (1000, 1_000, 5_000, True),
        (1010, 11_000, 25_000, True),
        (3, 2_000, 1_000, True),  # rebooted: uptime 3 s, counters from zero again
        (13, 12_000, 11_000, True),
    ])  # fmt: skip
    assert rates == [(None, None), (1_000.0, 2_000.0), (None, None), (1_000.0, 1_000.0)]


def test_32bit_counters_wrap(monkeypatch: pytest.MonkeyPatch) -> None:
    top = 2**32
    rates = samples(monkeypatch, [
        (100, top - 50_000, top - 1_000, False),
        (110, 50_000, 9_000, False),  # both wrapped, within a 100 Mbit/s port's reach
    ])  # fmt: skip
    assert rates == [(None, None), (10_000.0, 1_000.0)]
