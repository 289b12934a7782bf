"""The host collector off Linux (Windows, macOS, BSD): psutil for what it offers.

Same metric names where psutil has the value; missing there: node_cpu_guest_seconds_total,
node_cpu_info, most node_memory_* fields, node_filesystem_files*, node_network_info's broadcast
and ifalias, node_uname_info's domainname, node_os_info (Windows has no os-release) and disks.
DMI on Windows comes from the registry's copy of the SMBIOS strings (no serials there);
elsewhere it is missing.
"""

from __future__ import annotations

import logging
import platform
import socket
import sys
from typing import Any

import psutil

from agent.collectors.host import boot, dmi, filesystems, memory, network
from agent.model import Collection
from agent.wire.inventory import CpuInfo, HostInventory, NicInfo, OsInfo, to_dict

log = logging.getLogger(__name__)

# psutil's field -> node_exporter's mode (Windows calls irq "interrupt" and softirq "dpc").
CPU_MODE_OF_FIELD = {
    "user": "user", "nice": "nice", "system": "system", "idle": "idle", "iowait": "iowait",
    "irq": "irq", "softirq": "softirq", "steal": "steal", "interrupt": "irq", "dpc": "softirq",
}  # fmt: skip
MEMORY_FIELDS = {"total": "MemTotal", "available": "MemAvailable", "free": "MemFree",
                 "buffers": "Buffers", "cached": "Cached"}  # fmt: skip
NET_FIELDS = {
    "bytes_recv": "receive_bytes", "packets_recv": "receive_packets", "errin": "receive_errs",
    "dropin": "receive_drop", "bytes_sent": "transmit_bytes", "packets_sent": "transmit_packets",
    "errout": "transmit_errs", "dropout": "transmit_drop",
}  # fmt: skip
# Windows keeps the SMBIOS strings here (HKLM); value name -> DMI file name.
WINDOWS_BIOS_KEY = r"HARDWARE\DESCRIPTION\System\BIOS"
WINDOWS_DMI_VALUES = {
    "BIOSVendor": "bios_vendor", "BIOSVersion": "bios_version", "BIOSReleaseDate": "bios_date",
    "SystemManufacturer": "sys_vendor", "SystemProductName": "product_name",
    "SystemVersion": "product_version", "SystemFamily": "product_family",
    "SystemSKU": "product_sku", "BaseBoardManufacturer": "board_vendor",
    "BaseBoardProduct": "board_name", "BaseBoardVersion": "board_version",
}  # fmt: skip


def psutil_usage(path: str) -> filesystems.Usage:
    usage = psutil.disk_usage(path)
    return filesystems.Usage(usage.total, usage.free, usage.free, None, None)


def windows_dmi() -> dict[str, str]:
    if sys.platform != "win32":
        return {}
    try:
        import winreg
    except ImportError:  # a Windows build without it (embedded Pythons)
        return {}

    values: dict[str, str] = {}
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, WINDOWS_BIOS_KEY) as key:
            for name, dmi_name in WINDOWS_DMI_VALUES.items():
                try:
                    values[dmi_name] = str(winreg.QueryValueEx(key, name)[0]).strip()
                except OSError:
                    continue
    except OSError:
        log.info("no SMBIOS strings in the registry; DMI facts missing")
    return values


def add_cpu(out: Collection) -> None:
    seconds = out.family(
        "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter", ("cpu", "mode")
    )
    for index, times in enumerate(psutil.cpu_times(percpu=True)):
        for name, value in times._asdict().items():
            mode = CPU_MODE_OF_FIELD.get(name)
            if mode is not None:
                seconds.add((str(index), mode), value)


def memory_values() -> dict[str, int]:
    values: dict[str, int] = {}
    for name, value in psutil.virtual_memory()._asdict().items():
        if name in MEMORY_FIELDS:
            values[f"{MEMORY_FIELDS[name]}_bytes"] = int(value)
    swap = psutil.swap_memory()
    values["SwapTotal_bytes"], values["SwapFree_bytes"] = int(swap.total), int(swap.free)
    return values


def add_network(out: Collection) -> list[NicInfo]:
    counters = {
        nic: {NET_FIELDS[k]: int(v) for k, v in c._asdict().items() if k in NET_FIELDS}
        for nic, c in psutil.net_io_counters(pernic=True).items()
    }
    network.add_net_dev(out, counters, exclude=r"lo|Loopback.*")
    stats = psutil.net_if_stats()
    addrs = psutil.net_if_addrs()
    macs = {
        nic: next((a.address for a in a_list if a.family == psutil.AF_LINK), "")
        for nic, a_list in addrs.items()
    }
    duplex: dict[int, str] = {psutil.NIC_DUPLEX_FULL: "full", psutil.NIC_DUPLEX_HALF: "half"}
    nics = [
        network.NetClass(
            device=nic,
            address=macs.get(nic, ""),
            broadcast="",
            duplex=duplex.get(int(s.duplex), "unknown"),
            ifalias="",
            operstate="up" if s.isup else "down",
            speed_mbps=s.speed or None,
        )
        for nic, s in stats.items()
    ]
    network.add_net_class(out, nics)
    families = (socket.AF_INET, socket.AF_INET6)
    addresses = {
        n: [a.address for a in a_list if a.family in families] for n, a_list in addrs.items()
    }
    return network.nic_inventory(nics, addresses)


def uname() -> boot.Uname:
    u = platform.uname()
    return boot.Uname(u.system, u.node, u.release, u.version, u.machine, "(none)")


def collect(
    probe: filesystems.FilesystemProbe,
    mount_filter: filesystems.MountFilter,
    inventory_due: bool,
) -> Collection:
    """One cycle the portable way; psutil's calls are cheap, so nothing is cached."""
    out = Collection()
    add_cpu(out)
    boot_time = psutil.boot_time()
    boot.add_boot_time(out, boot_time)
    mem = memory_values()
    memory.add_memory(out, mem)
    mounts = [
        filesystems.Mount(p.device, p.mountpoint, p.fstype, tuple(p.opts.split(",")))
        for p in psutil.disk_partitions(all=False)
    ]
    results = probe.measure([m for m in mounts if mount_filter.wanted(m)])
    filesystems.add_filesystems(out, results)
    nics = add_network(out)
    names = uname()
    boot.add_uname(out, names)
    dmi_values = windows_dmi()
    dmi.add_dmi(out, dmi_values)
    if inventory_due:
        out.inventory = {
            "host": _inventory(
                names,
                mem=mem,
                boot_time=boot_time,
                dmi_values=dmi_values,
                results=results,
                nics=nics,
            )
        }
    return out


def _inventory(
    names: boot.Uname,
    *,
    mem: dict[str, int],
    boot_time: float,
    dmi_values: dict[str, str],
    results: list[filesystems.FsResult],
    nics: list[NicInfo],
) -> dict[str, Any]:
    inventory = HostInventory(
        hostname=names.nodename,
        os=OsInfo(
            system=names.sysname,
            name=f"{names.sysname} {names.release}",
            version=names.version,
            release=names.release,
            machine=names.machine,
        ),
        cpu=CpuInfo(
            model=platform.processor() or None,
            cores_physical=psutil.cpu_count(logical=False),
            cores_logical=psutil.cpu_count(),
            max_mhz=_max_mhz(),
        ),
        memory_bytes=mem.get("MemTotal_bytes"),
        boot_time=boot_time,
        dmi=dmi.dmi_inventory(dmi_values),
        filesystems=filesystems.filesystem_inventory(results),
        nics=nics,
    )
    return to_dict(inventory)


def _max_mhz() -> float | None:
    freq: Any = psutil.cpu_freq()
    return float(freq.max) if freq and freq.max else None
