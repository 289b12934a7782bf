"""The `lan` collector: sweeps on its interval, metrics and the `lan_hosts` inventory."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from agent.collectors.lan.degraded import DEGRADED_MESSAGE
from agent.collectors.lan.hosts import HostTable, KnownHost
from agent.collectors.lan.job import (
    SweepOptions,
    SweepReport,
    run_sweep,
    subnet_to_json,
)
from agent.collectors.lan.subnets import Subnet, local_subnets
from agent.config.lan import LanConfig
from agent.errors import CollectError
from agent.model import Collection
from agent.wire.inventory import JsonObject, LanHost, to_dict

log = logging.getLogger(__name__)

Sweeper = Callable[[list[Subnet], SweepOptions], Awaitable[SweepReport]]
SubnetSource = Callable[[], tuple[list[Subnet], list[str]]]
WORKER_MODULE = "agent.collectors.lan.worker"


async def sweep_in_thread(subnets: list[Subnet], options: SweepOptions) -> SweepReport:
    return await asyncio.to_thread(run_sweep, subnets, options)


async def sweep_in_child(subnets: list[Subnet], options: SweepOptions) -> SweepReport:
    """The job in `python -m agent.collectors.lan.worker`; scapy never enters the agent."""
    request = json.dumps({"subnets": [subnet_to_json(s) for s in subnets],
                          "options": _options_json(options)})  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", WORKER_MODULE,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await process.communicate(request.encode())
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CollectError(f"LAN sweep worker exited {process.returncode}: {' | '.join(tail)}")
    return SweepReport.from_json(json.loads(stdout))


def _options_json(options: SweepOptions) -> dict[str, object]:
    return {
        "timeout": options.timeout, "retries": options.retries,
        "fallback_rate": options.fallback_rate, "snmp": options.snmp,
        "snmp_communities": options.snmp_communities, "snmp_port": options.snmp_port,
        "snmp_timeout": options.snmp_timeout, "fingerprint_ports": options.fingerprint_ports,
        "fingerprint_timeout": options.fingerprint_timeout,
    }  # fmt: skip


class LanCollector:
    name = "lan"

    def __init__(
        self,
        config: LanConfig,
        sweeper: Sweeper | None = None,
        subnets: SubnetSource | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.interval = config.interval
        self._config = config
        self._sweeper = sweeper or (sweep_in_child if config.isolate else sweep_in_thread)
        self._subnets = subnets or self._local_subnets
        self._clock = clock
        self._table = HostTable(config.state_file)
        self._degraded_said = False
        self._problems_said: set[str] = set()

    def _local_subnets(self) -> tuple[list[Subnet], list[str]]:
        config = self._config
        return local_subnets(config.interfaces, config.subnet_cidrs(), config.max_prefix)

    def _options(self) -> SweepOptions:
        config = self._config
        return SweepOptions(
            timeout=config.timeout,
            retries=config.retries,
            fallback_rate=config.fallback_rate,
            snmp=config.snmp_autodiscovery,
            snmp_communities=[c.reveal() for c in config.snmp_communities],
            snmp_port=config.snmp_port,
            snmp_timeout=config.snmp_timeout,
            fingerprint_ports=list(config.fingerprint.ports) if config.fingerprint.enabled else [],
            fingerprint_timeout=config.fingerprint.timeout,
        )

    async def collect(self) -> Collection:
        subnets, problems = self._subnets()
        for problem in problems:
            if problem not in self._problems_said:
                log.warning("lan: %s", problem)
                self._problems_said.add(problem)
        started = time.perf_counter()
        report = await self._sweeper(subnets, self._options()) if subnets else SweepReport()
        duration = time.perf_counter() - started
        if report.degraded and not self._degraded_said:
            log.warning("lan: %s", DEGRADED_MESSAGE)
            self._degraded_said = True
        swept = {r.interface for r in report.subnets if r.success}
        seen = self._table.update(report.hosts, swept, round(self._clock(), 3))
        return self._collection(report, seen, duration, bool(subnets) and not problems)

    def _collection(
        self, report: SweepReport, seen: list[KnownHost], duration: float, configured_ok: bool
    ) -> Collection:
        collection = Collection()
        info = collection.family(
            "ictinfra_lan_host_info",
            "A host that answered the latest ARP sweep (value 1); vendor from the MAC's OUI.",
            labels=("interface", "ip", "mac", "vendor"),
        )
        for host in seen:
            info.add((host.interface, host.ip, host.mac, host.vendor or ""), 1)
        counts = collection.family(
            "ictinfra_lan_hosts",
            "Hosts that answered the latest sweep, by interface and vendor ('' = unknown).",
            labels=("interface", "vendor"),
        )
        for (interface, vendor), count in sorted(
            Counter((h.interface, h.vendor or "") for h in seen).items()
        ):
            counts.add((interface, vendor), count)
        self._sweep_families(collection, report, duration, configured_ok)
        self._snmp_family(collection, seen)
        collection.inventory = {"lan_hosts": [self._wire(h, seen) for h in self._table.hosts()]}
        return collection

    def _sweep_families(
        self, collection: Collection, report: SweepReport, duration: float, configured_ok: bool
    ) -> None:
        per_subnet = collection.family(
            "ictinfra_lan_subnet_sweep_duration_seconds",
            "How long the latest sweep of one subnet took.",
            labels=("interface", "subnet"),
        )
        per_subnet_ok = collection.family(
            "ictinfra_lan_subnet_sweep_success",
            "Whether the latest sweep of one subnet worked (1) or failed (0).",
            labels=("interface", "subnet"),
        )
        for result in report.subnets:
            labels = (result.interface, result.subnet)
            per_subnet.add(labels, round(result.duration, 6))
            per_subnet_ok.add(labels, 1 if result.success else 0)
        collection.family(
            "ictinfra_lan_sweep_duration_seconds",
            "How long the latest LAN sweep took (all subnets, vendors and SNMP checks).",
        ).add((), round(duration, 6))
        success = configured_ok and all(r.success for r in report.subnets)
        collection.family(
            "ictinfra_lan_sweep_success",
            "Whether the latest LAN sweep covered every configured subnet (1) or not (0).",
        ).add((), 1 if success else 0)
        collection.family(
            "ictinfra_lan_sweep_degraded",
            "1 when sweeping without raw-socket privilege (neighbour-table fallback); grant"
            " CAP_NET_RAW to fix (docs/lan.md).",
        ).add((), 1 if report.degraded else 0)

    def _snmp_family(self, collection: Collection, seen: list[KnownHost]) -> None:
        if not self._config.snmp_autodiscovery:
            return
        family = collection.family(
            "ictinfra_lan_snmp_candidate_info",
            "A discovered host that answers SNMP with a configured community: a candidate target.",
            labels=("interface", "ip", "mac", "sys_object_id"),
        )
        for host in seen:
            if host.snmp_sys_object_id:
                family.add((host.interface, host.ip, host.mac, host.snmp_sys_object_id), 1)

    @staticmethod
    def _wire(host: KnownHost, seen: list[KnownHost]) -> JsonObject:
        return to_dict(
            LanHost(
                ip=host.ip, mac=host.mac, vendor=host.vendor, interface=host.interface,
                first_seen=host.first_seen, last_seen=host.last_seen,
                present=any(h is host for h in seen),
                snmp_sys_object_id=host.snmp_sys_object_id, open_ports=host.open_ports,
            )
        )  # fmt: skip
