"""Rates and utilisation of the host's own interfaces."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from agent.collectors.bandwidth.procnetdev import (
    interface_index,
    link_speed_bps,
    read_proc_net_dev,
)
from agent.collectors.bandwidth.rates import CounterReading, RateTracker


@dataclass(frozen=True, slots=True)
class InterfaceRate:
    interface: str
    receive: float  # bytes/s
    transmit: float
    speed_bps: float | None


class HostInterfaces:
    """Reads <proc_root>/net/dev; each call gives the rates since the previous call."""

    def __init__(
        self, proc_root: str, sys_root: str, include: Sequence[str], exclude: Sequence[str]
    ) -> None:
        self.proc_root, self.sys_root = proc_root, sys_root
        self.include, self.exclude = set(include), set(exclude)
        self._tracker: RateTracker[tuple[str, str]] = RateTracker()

    def _wanted(self, name: str) -> bool:
        return name in self.include if self.include else name not in self.exclude

    def sample(self) -> list[InterfaceRate]:
        now = time.monotonic()
        counters = read_proc_net_dev(self.proc_root)
        rates: list[InterfaceRate] = []
        seen: set[tuple[str, str]] = set()
        for name, counter in sorted(counters.items()):
            if not self._wanted(name):
                continue
            speed = link_speed_bps(self.sys_root, name)
            epoch = interface_index(self.sys_root, name)
            rx = self._tracker.update(
                (name, "rx"), CounterReading(counter.rx_bytes, now, epoch=epoch, speed_bps=speed)
            )
            tx = self._tracker.update(
                (name, "tx"), CounterReading(counter.tx_bytes, now, epoch=epoch, speed_bps=speed)
            )
            seen |= {(name, "rx"), (name, "tx")}
            if rx is not None and tx is not None:
                rates.append(InterfaceRate(name, rx, tx, speed))
        self._tracker.forget_except(seen)
        return rates
