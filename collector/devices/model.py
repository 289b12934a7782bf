"""What the collector knows of one device it has seen: the contract between the device view
(`collector.devices`: register, class, age), the obsolescence rules (`collector.obsolete`) and the
ranking (`collector.ranking`).

Every fact carries its evidence, so that a figure built on it can be explained ("which 38
computers?"). Conflicting evidence is kept side by side, never resolved by hiding one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

DeviceClass = Literal[
    "pc",
    "laptop",
    "server",
    "switch",
    "router",
    "firewall",
    "access_point",
    "printer",
    "ups",
    "camera",
    "phone",
    "other",
    "unknown",
]
DEVICE_CLASSES: tuple[str, ...] = DeviceClass.__args__  # type: ignore[attr-defined]
REGISTER_CLASSES = tuple(c for c in DEVICE_CLASSES if c != "unknown")  # the assets CSV's `class`
COMPUTER_CLASSES = frozenset({"pc", "laptop"})
COUNTED_CLASSES = frozenset(
    {"pc", "laptop", "server", "switch", "router", "firewall", "access_point", "printer", "ups"}
)

Source = Literal["host", "snmp", "lan"]  # the agent's own host, an SNMP target, a LAN host

AgeSource = Literal[
    "register",  # the asset register's purchase_date
    "entity_mfg_date",  # ENTITY-MIB entPhysicalMfgDate
    "serial_date",  # a date the vendor encodes in the serial (published encodings only)
    "bios_date",  # DMI BIOS release date: a lower bound of a PC's age
    "model_catalogue",  # the model's release year from the catalogue file
    "first_seen",  # first seen by ictinfra: a floor
]
AGE_SOURCES: tuple[str, ...] = AgeSource.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ClassEvidence:
    device_class: DeviceClass
    source: str  # register | snmp_kind | dmi_chassis | oui | sys_object_id | sys_descr | ports
    detail: str  # what was read: "DMI chassis type Notebook", "OUI 00:1b:a9 Brother"


@dataclass(frozen=True, slots=True)
class AgeEvidence:
    source: AgeSource
    date: dt.date  # the device existed on (or, for a lower bound, no later than) this date
    detail: str  # "entPhysicalMfgDate 2009-03-02 on chassis 1", "serial FOC1234X0AB: 2012 week 34"
    lower_bound: bool = False  # True: the device is at least this old (BIOS date, first seen)
    upper_bound: bool = False  # True: the device is at most this old (the model's release year)


@dataclass(frozen=True, slots=True)
class SoftwareFact:
    """An operating system or firmware as reported, for the end-of-life rules to identify."""

    source: str  # os_release | windows | sys_descr | entity_software_rev | dmi_bios
    text: str  # the raw string: "Microsoft Windows XP Professional", "Cisco IOS ... 12.2(55)SE"
    os_id: str | None = None  # os-release ID or the agent's OS system: debian, ubuntu, windows
    version: str | None = None  # os-release VERSION_ID, a Windows build, a firmware version


@dataclass(frozen=True, slots=True)
class Specs:
    memory_bytes: int | None = None
    cpu_cores: int | None = None
    disk_bytes: int | None = None  # the sum of the host's disks
    max_port_speed_bits_per_second: int | None = None  # fastest interface (a switch's ports)
    port_count: int | None = None


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One row of the asset register (`assets import`)."""

    site_code: str
    device_class: DeviceClass
    serial: str | None
    mac: str | None  # lower case, colon separated
    vendor: str | None
    model: str | None
    purchase_date: dt.date | None
    purchase_precision: Literal["day", "month", "year"] | None = None
    line: int | None = None  # where it came from in the imported CSV


@dataclass(frozen=True, slots=True)
class SeenDevice:
    """One device seen by an agent of `site` (or only listed in the register: `seen` False)."""

    site: str  # the unit code of the site
    source: Source
    device: str  # the contract's `device`: SNMP target name, the host's hostname, a LAN host's MAC
    agent: str  # the hostname of the agent that saw it (the `instance` that pushes)
    device_class: DeviceClass
    class_evidence: tuple[ClassEvidence, ...]  # best first; [0] decided device_class
    first_seen: float  # epoch seconds
    last_seen: float
    seen: bool = True
    mac: str | None = None
    macs: tuple[str, ...] = ()  # every MAC of the device (a host's NICs)
    serial: str | None = None
    vendor: str | None = None  # the maker's usual name (collector/devices/vendors.py): "Cisco"
    vendor_reported: str | None = None  # as the agent or the register spelt it: "ciscoSystems"
    model: str | None = None
    ages: tuple[AgeEvidence, ...] = ()  # best first, as AGE_SOURCES orders them
    software: tuple[SoftwareFact, ...] = ()
    specs: Specs = field(default_factory=Specs)
    register: RegisterEntry | None = None  # the asset-register row it matched
    register_match: str | None = None  # how: "mac", "dmi_serial", "chassis_serial"
    address: str | None = None  # its IP address (a LAN host's, an SNMP target's host)
    also_seen_as: tuple[str, ...] = ()  # LAN host MACs merged into this device (same machine)

    @property
    def is_computer(self) -> bool:
        return self.device_class in COMPUTER_CLASSES

    @property
    def counted(self) -> bool:
        return self.device_class in COUNTED_CLASSES


@dataclass(frozen=True, slots=True)
class ObsoleteReason:
    rule: str  # max_age min_memory min_cores min_disk min_port_speed os_eol firmware_eol
    text_vi: str  # "sản xuất 03/2009 theo ENTITY-MIB: 17,7 năm, quá niên hạn 8 năm của ..."
    text_en: str  # "manufactured 2009-03 per ENTITY-MIB: 17.7 years, over the 8-year life of ..."
    since: dt.date | None = None  # the day this reason started to hold
    source: str | None = None  # where the limit or date comes from (a circular, endoflife.date)
    verified: bool = True  # False: that figure could not be checked against its source


@dataclass(frozen=True, slots=True)
class ObsoleteUnknown:
    """A rule that could not be judged (no age evidence, an OS not recognised, RAM not reported)."""

    rule: str  # as ObsoleteReason.rule
    text_vi: str
    text_en: str


@dataclass(frozen=True, slots=True)
class ObsoleteVerdict:
    device: SeenDevice
    reasons: tuple[ObsoleteReason, ...]  # empty: in service life
    since: dt.date | None = None  # the earliest reason's since
    age_years: float | None = None
    age_evidence: AgeEvidence | None = None  # the evidence the age rests on
    unknown: tuple[ObsoleteUnknown, ...] = ()  # what could not be judged: never silently "fine"

    @property
    def obsolete(self) -> bool:
        return bool(self.reasons)
