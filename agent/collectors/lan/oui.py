"""Vendor from a MAC address: Wireshark's `manuf` database as scapy ships it.

Why this database: scapy is a well-kept package and each release embeds a fresh copy
of Wireshark's generated `manuf` file (IEEE MA-L, MA-M and MA-S registries plus Wireshark's own
corrections; ~50,000 entries, 5,000 /28 and 10,000 /36 blocks). Where Wireshark is installed,
scapy prefers the system's `/usr/share/wireshark/manuf`, which distributions keep current. The
PyPI `manuf` package last shipped data in 2022; `mac-vendor-lookup` fetches the IEEE list over
the Internet, which the agent must not do. scapy's own lookup matches only 24-bit OUIs, so MACs
from MA-M/MA-S blocks would get the registry's name: the longest-prefix match is done here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

ManufTable = Mapping[str, tuple[str, str]]  # "00:1B:C5" | "00:55:DA:10/28" | "..:00:10/36"
VendorLookup = Callable[[str], str | None]


def _masked(octets: list[str], count: int) -> str:
    """The first `count` octets with the last one's low nibble zeroed (a /28 or /36 key)."""
    head = octets[: count - 1]
    return ":".join([*head, octets[count - 1][0] + "0"])


def manuf_keys(mac: str) -> list[str]:
    """The manuf keys a MAC can match, longest prefix first."""
    octets = mac.upper().replace("-", ":").split(":")
    if len(octets) != 6 or not all(len(o) == 2 for o in octets):
        return []
    return [f"{_masked(octets, 5)}/36", f"{_masked(octets, 4)}/28", ":".join(octets[:3])]


def is_locally_administered(mac: str) -> bool:
    """Randomised (phones, VMs) or hand-set MACs carry no vendor."""
    try:
        return bool(int(mac[:2], 16) & 0x02)
    except ValueError:
        return False


def vendor_of(mac: str, table: ManufTable) -> str | None:
    if is_locally_administered(mac):
        return None
    for key in manuf_keys(mac):
        entry = table.get(key)
        if entry is not None:
            short, long = entry
            return (long or short).strip() or None
    return None


def scapy_vendor_lookup() -> VendorLookup:
    """vendor_of over scapy's loaded manuf database (imports scapy's config: ~20 MiB)."""
    from scapy.config import conf

    table: ManufTable = conf.manufdb.d
    return lambda mac: vendor_of(mac, table)
