"""The privileged sweep: broadcast ARP requests with scapy on one interface.

scapy is imported here, inside the function, and only its layer-2 parts (~35 MiB, 0.1-0.2 s;
`scapy.all` would cost ~80 MiB and 0.6-1.6 s). Raises PermissionError without root or
CAP_NET_RAW (AF_PACKET sockets need it).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from agent.collectors.lan.subnets import Subnet

BROADCAST = "ff:ff:ff:ff:ff:ff"


def arp_sweep(subnet: Subnet, timeout: float, retries: int) -> dict[str, str]:
    """{ip: mac} of every address in the subnet that answered."""
    from scapy.config import conf
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    conf.sniff_promisc = False  # replies are addressed to us; leave the interface as it is
    sender = str(subnet.address) if subnet.address else "0.0.0.0"  # an ARP probe
    requests = [Ether(dst=BROADCAST) / ARP(pdst=target, psrc=sender) for target in subnet.targets()]
    answered, _ = srp(
        requests, iface=subnet.interface, timeout=timeout, retry=retries, verbose=False
    )
    found: dict[str, str] = {}
    for _, reply in answered:
        arp = reply[ARP]
        if arp.op == 2 and IPv4Address(arp.psrc) in subnet.network:
            found[str(arp.psrc)] = str(arp.hwsrc).lower()
    return found
