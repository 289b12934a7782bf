"""Which product and release cycle a reported OS or firmware string is.

Pure functions over `SoftwareFact`: os-release ids and versions, Windows names and builds, and
the sysDescr strings of Cisco IOS / IOS XE / NX-OS, Junos, FortiOS, PAN-OS, RouterOS, Huawei VRP,
VMware ESXi and Linux kernels. A string that matches nothing gives None (the caller reports the
device as "unknown", never as supported).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from collector.devices.model import SoftwareFact

OS_RELEASE_PRODUCTS = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "rhel": "rhel",
    "centos": "centos",
    "rocky": "rocky-linux",
    "almalinux": "almalinux",
    "ol": "oracle-linux",
    "sles": "sles",
    "sled": "sles",
    "freebsd": "freebsd",
    "opnsense": "opnsense",
}


@dataclass(frozen=True, slots=True)
class Identified:
    product: str  # a data file's name
    cycles: tuple[str, ...]  # candidate release cycles, most specific first
    version: str  # the version as read ("12.2(55)SE3", "5.1.2600")
    build: str | None = None  # a Windows build: cycles are looked up by it
    edition: str | None = None  # windows: e (Enterprise/Education), w, lts, iot


Parser = Callable[[SoftwareFact], Identified | None]


def _prefixes(version: str) -> tuple[str, ...]:
    """'15.4.2' -> ('15.4.2', '15.4', '15'): the cycle may be any leading part."""
    parts = version.split(".")
    return tuple(".".join(parts[:n]) for n in range(len(parts), 0, -1))


def _os_release(fact: SoftwareFact) -> Identified | None:
    product = OS_RELEASE_PRODUCTS.get((fact.os_id or "").lower())
    if product is None or not fact.version:
        return None
    return Identified(product, _prefixes(fact.version.strip()), fact.version.strip())


_WIN_BUILD = re.compile(r"(?:build\s*|\b\d+\.\d+\.)(\d{4,5})\b", re.IGNORECASE)
_WIN_NAMES = (  # names without a build: the build each implies
    (re.compile(r"windows\s+server\s+2003", re.I), "3790", True),
    (re.compile(r"windows\s+xp", re.I), "2600", False),
    (re.compile(r"windows\s+server\s+2008\s+r2", re.I), "7601", True),
    (re.compile(r"windows\s+server\s+2008", re.I), "6003", True),
    (re.compile(r"windows\s+server\s+2012\s+r2", re.I), "9600", True),
    (re.compile(r"windows\s+server\s+2012", re.I), "9200", True),
    (re.compile(r"windows\s+server\s+2016", re.I), "14393", True),
    (re.compile(r"windows\s+server\s+2019", re.I), "17763", True),
    (re.compile(r"windows\s+server\s+2022", re.I), "20348", True),
    (re.compile(r"windows\s+server\s+2025", re.I), "26100", True),
    (re.compile(r"windows\s+2000", re.I), "2195", True),
    (re.compile(r"windows\s+vista", re.I), "6002", False),
    (re.compile(r"windows\s+7", re.I), "7601", False),
    (re.compile(r"windows\s+8\.1", re.I), "9600", False),
)


def _edition(text: str) -> str | None:
    lowered = text.lower()
    for word, edition in (("iot", "iot"), ("ltsc", "lts"), ("ltsb", "lts")):
        if word in lowered:
            return edition
    if "enterprise" in lowered or "education" in lowered:
        return "e"
    if "home" in lowered or "pro" in lowered:
        return "w"
    return None


def _windows(fact: SoftwareFact) -> Identified | None:
    text = f"{fact.text} {fact.version or ''}"
    if "windows" not in text.lower() and (fact.os_id or "").lower() != "windows":
        return None
    server = "server" in text.lower()
    build = None
    if match := _WIN_BUILD.search(text):
        build = match.group(1)
    else:
        for pattern, implied, is_server in _WIN_NAMES:
            if pattern.search(text):
                build, server = implied, server or is_server
                break
    if build is None:
        return None
    product = "windows-server" if server else "windows"
    return Identified(product, (), fact.version or build, build=build, edition=_edition(text))


def _search(
    pattern: str, product: str, cycle: Callable[[re.Match[str]], str]
) -> Callable[[SoftwareFact], Identified | None]:
    compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)

    def match(fact: SoftwareFact) -> Identified | None:
        found = compiled.search(fact.text)
        if not found:
            return None
        return Identified(product, (cycle(found),), found.group("v"))

    return match


def _major_minor(found: re.Match[str]) -> str:
    major, minor = found.group("v").split(".")[:2]
    minor_digits = re.sub(r"\D.*", "", minor) or "0"
    return f"{int(major)}.{int(minor_digits)}"


def _major(found: re.Match[str]) -> str:
    return str(int(found.group("v").split(".")[0]))


def _nxos(found: re.Match[str]) -> str:
    major_minor = _major_minor(found)
    return "10" if major_minor.startswith("10.") else major_minor


_SYS_DESCR = (
    _search(r"IOS[ _-]?XE.*?Version\s+(?P<v>\d+\.\d+[\w.]*)", "cisco-ios-xe", _major_minor),
    _search(r"NX-OS.*?Version\s+(?P<v>\d+\.\d+[\w().]*)", "cisco-nx-os", _nxos),
    _search(
        r"(?:Cisco IOS Software|IOS \(tm\)|Internetwork Operating System).*?"
        r"Version\s+(?P<v>\d+\.\d+[\w().]*)",
        "cisco-ios",
        _major_minor,
    ),
    _search(r"JUNOS\s+(?:OS\s+)?(?P<v>\d+\.\d+[\w.-]*)", "junos", _major_minor),
    _search(r"(?:FortiOS|FortiGate)\S*\s+v?(?P<v>\d+\.\d+)[\w.,]*", "fortios", _major_minor),
    _search(r"PAN-OS\s+(?P<v>\d+\.\d+[\w.-]*)", "pan-os", _major_minor),
    _search(r"RouterOS\s+v?(?P<v>\d+\.\d+[\w.]*)", "routeros", _major_minor),
    _search(r"VRP.*?Version\s+(?P<v>\d+\.\d+)", "huawei-vrp", _major),
    _search(r"VMware ESXi\s+(?P<v>\d+\.\d+)[\w.]*", "vmware-esxi", _major_minor),
    _search(r"\bLinux\b\s+\S+\s+(?P<v>\d+\.\d+)[\w.-]*\.el(?P<el>\d+)", "rhel", lambda m: m["el"]),
    _search(r"\bLinux\b\s+\S+\s+(?P<v>\d+\.\d+)[\w.-]*", "linux-kernel", _major_minor),
)


DEVICE_STRINGS = frozenset({"sys_descr", "entity_software_rev"})  # what _SYS_DESCR may read


def identify(fact: SoftwareFact) -> Identified | None:
    """The product and candidate cycles of one reported OS or firmware, or None."""
    parsers: list[Parser] = [_os_release, _windows]
    if fact.source in DEVICE_STRINGS:
        parsers += _SYS_DESCR
    for parse in parsers:
        found = parse(fact)
        if found is not None:
            return found
    return None
