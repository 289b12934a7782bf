"""HostCollector: every host source combined, slow facts cached between inventory cycles."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from agent.collectors.host import (
    boot,
    cpu,
    disks,
    dmi,
    filesystems,
    loadavg,
    memory,
    network,
    os_release,
    pressure,
    virt,
)
from agent.collectors.host.files import read_text
from agent.config.host import HostConfig
from agent.model import Collection
from agent.wire.inventory import CpuInfo, DiskInfo, HostInventory, OsInfo, to_dict

log = logging.getLogger(__name__)

IS_LINUX = sys.platform.startswith("linux")
T = TypeVar("T")


@dataclass(slots=True)
class HostSources:
    """Where the collector reads from: roots (a recorded tree in tests) and the few calls that
    have no file to read (statvfs, interface addresses)."""

    proc_root: Path = Path("/proc")
    sys_root: Path = Path("/sys")
    rootfs: Path = Path("/")
    usage: filesystems.UsageFn = filesystems.statvfs_usage
    addresses: network.AddressesFn = network.psutil_addresses
    # Off Linux there is no /proc to read: psutil instead (agent.collectors.host.portable).
    portable: bool = not IS_LINUX

    @classmethod
    def from_config(cls, config: HostConfig) -> HostSources:
        sources = cls(Path(config.proc_root), Path(config.sys_root), Path(config.rootfs))
        if sources.portable:
            from agent.collectors.host.portable import psutil_usage

            sources.usage = psutil_usage
        return sources


@dataclass(slots=True)
class Facts:
    """What cannot change between inventory cycles (or hardly: hostname, hot-plugged disks)."""

    cpu: cpu.CpuFacts
    uname: boot.Uname
    dmi: dict[str, str]
    os_release: dict[str, str]
    disks: list[DiskInfo] = field(default_factory=list)
    virtualization: str | None = None


def read_facts(sources: HostSources) -> Facts:
    facts = Facts(
        cpu=_fact("cpuinfo", lambda: cpu.read_cpu_facts(sources.proc_root, sources.sys_root))
        or cpu.CpuFacts([], CpuInfo(), {}),
        uname=boot.read_uname(sources.proc_root),
        dmi=_fact("dmi", lambda: dmi.read_dmi(sources.sys_root)) or {},
        os_release=_fact("os-release", lambda: os_release.read_os_release(sources.rootfs)) or {},
        disks=_fact("disks", lambda: disks.read_disks(sources.sys_root, sources.rootfs)) or [],
    )
    facts.virtualization = _fact(
        "virtualization",
        lambda: virt.detect(sources.rootfs, sources.sys_root, facts.dmi, facts.cpu.processors),
    )
    return facts


def _fact(what: str, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except Exception:
        log.exception("reading %s failed", what)
        return None


class SourceResults:
    """A bug or surprise in one source costs that source's metrics, not the whole collector."""

    def __init__(self) -> None:
        self.success: dict[str, int] = {}

    @contextmanager
    def guard(self, source: str) -> Iterator[None]:
        try:
            yield
            self.success[source] = 1
        except Exception:
            log.exception("host source %s failed", source)
            self.success[source] = 0

    def add_to(self, out: Collection) -> None:
        family = out.family(
            "ictinfra_host_source_success",
            "Whether reading this host source succeeded in the last cycle.",
            labels=("source",),
        )
        for source, ok in self.success.items():
            family.add((source,), ok)


class HostCollector:
    """node_exporter's cpu, meminfo, filesystem, netdev, netclass, stat, uname, dmi and os
    collectors in one, plus the host inventory every `inventory_interval`."""

    name = "host"

    def __init__(
        self,
        config: HostConfig,
        sources: HostSources | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.interval = config.interval
        self._config = config
        self._sources = sources or HostSources.from_config(config)
        self._clock = clock
        self._wall_clock = wall_clock
        self._mount_filter = filesystems.MountFilter.build(
            config.filesystem_types_exclude,
            config.filesystem_types_include,
            config.mount_points_exclude,
        )
        self._probe = filesystems.FilesystemProbe(
            self._sources.usage, config.filesystem_timeout, str(self._sources.rootfs)
        )
        self._facts: Facts | None = None
        self._inventory_every = config.inventory_interval
        self._inventory_at: float | None = None

    async def collect(self) -> Collection:
        # Blocking file reads and the bounded statvfs wait stay off the event loop.
        return await asyncio.to_thread(self.collect_now)

    def collect_now(self) -> Collection:
        inventory_due = self._inventory_due()
        if self._sources.portable:
            from agent.collectors.host import portable

            return portable.collect(self._probe, self._mount_filter, inventory_due)
        facts = self._current_facts(inventory_due)
        src = self._sources
        out = Collection()
        sources = SourceResults()
        stat, meminfo = cpu.ProcStat([], None), {}
        fs_results: list[filesystems.FsResult] = []
        nics: list[network.NetClass] = []
        with sources.guard("cpu"):
            stat = cpu.parse_proc_stat(read_text(src.proc_root / "stat") or "")
            cpu.add_cpu_times(out, stat)
            boot.add_boot_time(out, stat.boot_time)
            boot.add_time(out, self._wall_clock())
        with sources.guard("loadavg"):
            loadavg.add_loadavg(
                out, loadavg.parse_loadavg(read_text(src.proc_root / "loadavg") or "")
            )
        with sources.guard("pressure"):
            pressure.add_pressure(out, pressure.read_pressure(src.proc_root))
        with sources.guard("meminfo"):
            meminfo = memory.parse_meminfo(read_text(src.proc_root / "meminfo") or "")
            memory.add_memory(out, meminfo)
        with sources.guard("filesystem"):
            mounts = filesystems.read_mounts(src.proc_root)
            fs_results = self._probe.measure([m for m in mounts if self._mount_filter.wanted(m)])
            filesystems.add_filesystems(out, fs_results)
        with sources.guard("netdev"):
            counters = network.parse_net_dev(read_text(src.proc_root / "net/dev") or "")
            network.add_net_dev(out, counters, self._config.network_devices_exclude)
        with sources.guard("netclass"):
            nics = network.read_net_class(src.sys_root)
            network.add_net_class(out, nics)
        with sources.guard("facts"):
            cpu.add_cpu_facts(out, facts.cpu)
            boot.add_uname(out, facts.uname)
            dmi.add_dmi(out, facts.dmi)
            os_release.add_os_release(out, facts.os_release)
            disks.add_disks(out, facts.disks)
        if inventory_due:
            with sources.guard("inventory"):
                inventory = self._inventory(facts, meminfo, stat.boot_time, fs_results, nics)
                out.inventory = {"host": to_dict(inventory)}
        sources.add_to(out)
        return out

    def _inventory_due(self) -> bool:
        now = self._clock()
        if self._inventory_at is not None and now - self._inventory_at < self._inventory_every:
            return False
        self._inventory_at = now
        return True

    def _current_facts(self, refresh: bool) -> Facts:
        if refresh or self._facts is None:
            self._facts = read_facts(self._sources)
        return self._facts

    def _inventory(
        self,
        facts: Facts,
        meminfo: dict[str, int],
        boot_time: int | None,
        fs_results: list[filesystems.FsResult],
        nics: list[network.NetClass],
    ) -> HostInventory:
        try:
            addresses = self._sources.addresses()
        except Exception:
            log.exception("reading interface addresses failed")
            addresses = {}
        return HostInventory(
            hostname=facts.uname.nodename,
            os=OsInfo(
                system=facts.uname.sysname,
                name=facts.os_release.get("pretty_name") or facts.os_release.get("name"),
                id=facts.os_release.get("id"),
                version=facts.os_release.get("version_id"),
                release=facts.uname.release,
                kernel_version=facts.uname.version,
                machine=facts.uname.machine,
            ),
            cpu=facts.cpu.inventory,
            memory_bytes=meminfo.get("MemTotal_bytes"),
            boot_time=boot_time,
            dmi=dmi.dmi_inventory(facts.dmi),
            disks=facts.disks,
            filesystems=filesystems.filesystem_inventory(fs_results),
            nics=network.nic_inventory(nics, addresses),
            virtualization=facts.virtualization,
        )
