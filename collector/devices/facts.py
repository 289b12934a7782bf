"""Software and specs of a device from its inventory: pure functions."""

from __future__ import annotations

import re

from agent.wire.inventory import CONTAINER_KINDS, DeviceInventory, EntityInfo, HostInventory
from collector.devices.model import SoftwareFact, Specs


def chassis_of(entities: list[EntityInfo]) -> EntityInfo | None:
    """The chassis entity (else the first entity with a serial), as the inventory store picks."""
    for entity in entities:
        if entity.entity_class == "chassis":
            return entity
    return next((e for e in entities if e.serial), None)


_VIRT_NAMES = {
    "kvm": "KVM", "qemu": "QEMU", "vmware": "VMware", "microsoft": "Hyper-V",
    "oracle": "VirtualBox", "xen": "Xen", "bochs": "Bochs", "parallels": "Parallels",
    "amazon": "AWS", "google": "Google",
    "docker": "Docker", "podman": "Podman", "lxc": "LXC", "lxc-libvirt": "LXC",
    "systemd-nspawn": "systemd-nspawn", "openvz": "OpenVZ", "wsl": "WSL",
}  # fmt: skip


def virtual_label(virtualization: str | None) -> str | None:
    """`virtual machine (KVM)`, `container (Docker)`; None for bare metal or not known."""
    if not virtualization:
        return None
    kind = "container" if virtualization in CONTAINER_KINDS else "virtual machine"
    name = _VIRT_NAMES.get(virtualization)
    return f"{kind} ({name})" if name else kind


def host_model(host: HostInventory) -> str | None:
    """DMI's product name, else what the host is virtualised as: never empty for a VM."""
    return host.dmi.product_name or virtual_label(host.virtualization)


def host_software(host: HostInventory) -> tuple[SoftwareFact, ...]:
    os = host.os
    source = "windows" if os.system == "Windows" else "os_release"
    facts = [
        SoftwareFact(
            source,
            os.name or os.system,
            os_id=(os.id or os.system).lower() or None,
            version=os.version,
        )
    ]
    if host.dmi.bios_version:
        vendor = host.dmi.bios_vendor or ""
        facts.append(
            SoftwareFact(
                "dmi_bios", f"{vendor} {host.dmi.bios_version}".strip(), None, host.dmi.bios_version
            )
        )
    return tuple(facts)


# Microsoft's SNMP agent: "Hardware: ... - Software: Windows 2000 Version 5.1 (Build 2600 ...)"
WINDOWS_SYS_DESCR = re.compile(r"Software: Windows.*?Version (\d+\.\d+) \(Build (\d+)")


def _sys_descr_fact(text: str) -> SoftwareFact:
    """sysDescr as reported; a Windows agent's version as major.minor.build, as the agent's own
    host inventory reports Windows (platform.version(): 5.1.2600 is XP, 5.2.3790 Server 2003)."""
    match = WINDOWS_SYS_DESCR.search(text)
    if match is None:
        return SoftwareFact("sys_descr", text)
    return SoftwareFact("sys_descr", text, "windows", f"{match.group(1)}.{match.group(2)}")


def snmp_software(device: DeviceInventory) -> tuple[SoftwareFact, ...]:
    facts = []
    if device.sys_descr:
        facts.append(_sys_descr_fact(device.sys_descr))
    chassis = chassis_of(device.entities)
    if chassis is not None and chassis.software_rev:
        facts.append(
            SoftwareFact("entity_software_rev", chassis.software_rev, version=chassis.software_rev)
        )
    return tuple(facts)


def host_specs(host: HostInventory) -> Specs:
    sizes = [d.size_bytes for d in host.disks if d.size_bytes]
    speeds = [n.speed_bits_per_second for n in host.nics if n.speed_bits_per_second]
    return Specs(
        memory_bytes=host.memory_bytes,
        cpu_cores=host.cpu.cores_physical or host.cpu.cores_logical,
        disk_bytes=sum(sizes) if sizes else None,
        max_port_speed_bits_per_second=max(speeds) if speeds else None,
        port_count=len(host.nics) or None,
    )


def snmp_specs(device: DeviceInventory) -> Specs:
    memory = device.extra.get("hr_memory_bytes")
    return Specs(
        memory_bytes=memory if isinstance(memory, int) else None,
        max_port_speed_bits_per_second=device.max_port_speed_bits_per_second,
        port_count=device.port_count,
    )
