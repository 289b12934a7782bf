"""The inventory snapshot the agent POSTs to /api/v1/inventory (and `once --format json` prints).

Versioned: `schema_version` changes only when a field changes meaning or goes away; new optional
fields may be added within a version. Plain dataclasses, so the agent never imports pydantic: the
agent builds them from its own code and sends `to_json`; the collector validates what arrives
against these same classes with pydantic (collector/wire.py), which reads `__pydantic_config__`
(unknown keys refused) and the `annotated_types` bounds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import MaxLen

SCHEMA_VERSION: Literal[1] = 1
# HostInventory.virtualization: systemd-detect-virt's ids of containers (the rest are VMs)
CONTAINER_KINDS = frozenset(
    {"docker", "podman", "lxc", "lxc-libvirt", "systemd-nspawn", "openvz", "wsl", "container-other"}
)
JsonObject = dict[str, Any]  # a snapshot, or one collector's part of it, as JSON values


@dataclass(kw_only=True, slots=True)
class WireModel:
    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "forbid"}  # read by pydantic


@dataclass(kw_only=True, slots=True)
class OsInfo(WireModel):
    system: str  # Linux | Windows | ...
    name: str | None = None  # "Debian GNU/Linux 12 (bookworm)"
    release: str | None = None  # kernel release
    version: str | None = None  # the OS's own version: os-release VERSION_ID ("12"), Windows build
    machine: str | None = None  # x86_64
    id: str | None = None  # os-release ID: debian, ubuntu, centos, windows
    kernel_version: str | None = None  # uname's version string (build date of the kernel)


@dataclass(kw_only=True, slots=True)
class CpuInfo(WireModel):
    model: str | None = None
    vendor: str | None = None
    cores_physical: int | None = None
    cores_logical: int | None = None
    max_mhz: float | None = None


@dataclass(kw_only=True, slots=True)
class DmiInfo(WireModel):
    """SMBIOS facts; the BIOS date is a first estimate of the machine's age."""

    sys_vendor: str | None = None
    product_name: str | None = None
    product_version: str | None = None
    product_serial: str | None = None
    product_uuid: str | None = None
    product_family: str | None = None
    product_sku: str | None = None
    board_vendor: str | None = None
    board_name: str | None = None
    board_serial: str | None = None
    chassis_type: str | None = None  # SMBIOS enclosure type by name: Desktop, Laptop, ...
    chassis_vendor: str | None = None
    chassis_serial: str | None = None
    bios_vendor: str | None = None
    bios_version: str | None = None
    bios_release: str | None = None
    bios_date: str | None = None  # ISO 8601 date, or None when absent/unparseable


@dataclass(kw_only=True, slots=True)
class DiskInfo(WireModel):
    device: str
    model: str | None = None
    serial: str | None = None
    size_bytes: int | None = None
    rotational: bool | None = None  # True: a spinning disk (HDD)
    vendor: str | None = None


@dataclass(kw_only=True, slots=True)
class FilesystemInfo(WireModel):
    mountpoint: str
    device: str
    fstype: str
    size_bytes: int | None = None
    avail_bytes: int | None = None


@dataclass(kw_only=True, slots=True)
class NicInfo(WireModel):
    name: str
    mac: str | None = None
    speed_bits_per_second: int | None = None
    up: bool | None = None
    addresses: list[str] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class HostInventory(WireModel):
    hostname: str
    os: OsInfo
    cpu: CpuInfo = field(default_factory=CpuInfo)
    memory_bytes: int | None = None
    boot_time: float | None = None
    dmi: DmiInfo = field(default_factory=DmiInfo)
    disks: list[DiskInfo] = field(default_factory=list)
    filesystems: list[FilesystemInfo] = field(default_factory=list)
    nics: list[NicInfo] = field(default_factory=list)
    # systemd-detect-virt's id (docker, podman, kvm, vmware, microsoft, vm-other, ...);
    # None: bare metal, or not known
    virtualization: Annotated[str | None, MaxLen(32)] = None


@dataclass(kw_only=True, slots=True)
class EntityInfo(WireModel):
    """One ENTITY-MIB entPhysicalTable row."""

    index: int
    entity_class: str | None = None  # chassis, module, powerSupply, ...
    descr: str | None = None
    name: str | None = None
    model: str | None = None
    serial: str | None = None
    hardware_rev: str | None = None
    firmware_rev: str | None = None
    software_rev: str | None = None
    mfg_name: str | None = None
    mfg_date: str | None = None  # ISO 8601; None when absent or malformed
    mfg_date_status: Literal["ok", "absent", "unknown"] = "absent"
    is_fru: bool | None = None


@dataclass(kw_only=True, slots=True)
class DeviceInventory(WireModel):
    """One SNMP target as polled: system group, vendor and kind, physical entities."""

    device: str  # the agent's `device` label (the target's name)
    address: str
    reachable: bool
    sys_descr: str | None = None
    sys_object_id: str | None = None
    sys_name: str | None = None
    sys_location: str | None = None
    sys_contact: str | None = None
    sys_uptime_seconds: float | None = None
    enterprise_number: int | None = None
    vendor: str | None = None
    kind: str | None = None  # switch, router, firewall, ups, printer, server, ...
    interface_count: int | None = None
    max_port_speed_bits_per_second: int | None = None  # the fastest ifHighSpeed of its interfaces
    port_count: int | None = None  # interfaces of ifType ethernetCsmacd (its Ethernet ports)
    entities: list[EntityInfo] = field(default_factory=list)
    extra: dict[str, str | int | float | None] = field(default_factory=dict)


@dataclass(kw_only=True, slots=True)
class LanHost(WireModel):
    ip: str
    mac: str
    vendor: str | None = None
    interface: str | None = None
    first_seen: float
    last_seen: float
    present: bool | None = None  # answered the latest sweep; False: kept with its last_seen
    snmp_sys_object_id: str | None = None  # answers SNMP (auto-discovery): a candidate target
    # the optional port fingerprint (`lan: fingerprint:`): open TCP ports of those probed;
    # None: not probed
    open_ports: Annotated[list[int] | None, MaxLen(64)] = None


@dataclass(kw_only=True, slots=True)
class AgentInfo(WireModel):
    version: str
    hostname: str


@dataclass(kw_only=True, slots=True)
class Inventory(WireModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    agent: AgentInfo
    collected_at: float
    host: HostInventory | None = None
    devices: list[DeviceInventory] = field(default_factory=list)
    lan_hosts: list[LanHost] = field(default_factory=list)


def to_dict(record: WireModel) -> JsonObject:
    """A record as JSON values: every field, None ones too (the collector reads absent and null
    alike). Not `dataclasses.asdict`, which deep-copies every leaf."""
    plain: JsonObject = _plain(record)
    return plain


def to_json(snapshot: WireModel | JsonObject, *, indent: int | None = None) -> str:
    """The one wire text of a snapshot (a record or its `to_dict`): UTF-8 text, compact unless
    `indent`."""
    return json.dumps(
        _plain(snapshot), ensure_ascii=False, allow_nan=False, indent=indent,
        separators=None if indent else (",", ":"),
    )  # fmt: skip


def _plain(value: Any) -> Any:
    """JSON values; a non-finite float becomes null, as pydantic's JSON had it (the collector
    refuses NaN and Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value
