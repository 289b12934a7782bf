"""The `probes` collector: gateway, WAN, Internet and service probes, all concurrent."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from agent.collectors.probes.icmp import IcmpMode, IcmpSession, detect_mode
from agent.collectors.probes.metrics import ProbeFamilies
from agent.collectors.probes.plan import Plan, config_plans, gateway_plan, with_tcp_fallback
from agent.collectors.probes.route import default_route
from agent.collectors.probes.runner import ProbeResult, run_bounded
from agent.config.probes import ProbesConfig
from agent.model import Collection

log = logging.getLogger(__name__)

GRANT_ICMP = (
    "allow it with `sysctl -w net.ipv4.ping_group_range='0 2147483647'` (unprivileged ping "
    "sockets) or give the agent CAP_NET_RAW (systemd: AmbientCapabilities=CAP_NET_RAW)"
)


class GatewayAvailability:
    """The share of recent gateway bursts with at least one reply, over a sliding window."""

    def __init__(self, window: float) -> None:
        self._window = window
        self._seen: deque[tuple[float, bool]] = deque()

    def add(self, at: float, up: bool) -> None:
        self._seen.append((at, up))
        while self._seen and self._seen[0][0] < at - self._window:
            self._seen.popleft()

    def ratio(self) -> float | None:
        if not self._seen:
            return None
        return sum(up for _, up in self._seen) / len(self._seen)


class ProbesCollector:
    name = "probes"

    def __init__(self, config: ProbesConfig) -> None:
        self.config = config
        self.interval = config.interval
        self._mode: IcmpMode | None = None
        self._static_plans = config_plans(config)
        self._availability = GatewayAvailability(config.availability_window)
        self._families = ProbeFamilies()

    def icmp_mode(self) -> IcmpMode:
        if self._mode is None:
            if self.config.icmp == "off":
                self._mode = IcmpMode.UNAVAILABLE
            else:
                self._mode = detect_mode()
                if self._mode is IcmpMode.UNAVAILABLE:
                    log.warning("ICMP is not allowed: probing over TCP instead; %s", GRANT_ICMP)
        return self._mode

    def plans(self) -> tuple[list[Plan], bool | None]:
        """This run's plans, and whether a gateway was found (None: gateway probe off)."""
        plans = list(self._static_plans)
        found: bool | None = None
        gateway = self.config.gateway
        if gateway.enabled:
            address = gateway.address
            if address is None:
                route = default_route(self.config.proc_root)
                address = route.gateway if route else None
            found = address is not None
            if address is not None:
                plans.insert(0, gateway_plan(gateway, address, self.config))
        if self.icmp_mode() is IcmpMode.UNAVAILABLE:
            plans = [with_tcp_fallback(p) for p in plans]
        return plans, found

    @staticmethod
    def _icmp_session(mode: IcmpMode, plans: list[Plan]) -> IcmpSession | None:
        if mode is IcmpMode.UNAVAILABLE or not any(p.method == "icmp" for p in plans):
            return None
        try:
            return IcmpSession(mode)
        except OSError as exc:  # allowed at start, refused now: TCP for this run
            log.warning("cannot open an ICMP socket (%s): probing over TCP this run", exc)
            return None

    async def collect(self) -> Collection:
        plans, gateway_found = self.plans()
        mode = self.icmp_mode()
        icmp = self._icmp_session(mode, plans)
        try:
            results: list[ProbeResult] = await asyncio.gather(
                *(run_bounded(p, icmp, self.config.spacing, self.config.dns_timeout) for p in plans)
            )
        finally:
            if icmp is not None:
                icmp.close()
        now = time.time()
        if gateway_found is False:  # no default route: the gateway is not reachable either
            self._availability.add(now, False)
        for result in results:
            if result.plan.kind == "gateway":
                self._availability.add(now, result.up)
        return self._families.build(
            results, mode, gateway_found, self._availability.ratio(), self.config
        )
