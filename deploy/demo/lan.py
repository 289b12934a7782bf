"""A namespace LAN per commune, where root allows: hosts the commune's agent finds by ARP sweep.

Each commune gets a namespace joined to the root namespace by a veth pair, with a few addresses
on the far end (ARP answers for each). Names and subnets derive from the state dir, so two demos
(e.g. a test's and yours) never collide. Without root, or without `ip`, the LAN is left out.
"""

from __future__ import annotations

import hashlib
import os
import subprocess

from deploy.demo import province
from deploy.demo.processes import find_binary
from deploy.demo.state import State

HOSTS = 3


def _tag(state: State) -> int:
    return int(hashlib.sha256(str(state.root).encode()).hexdigest()[:4], 16)


def unavailable() -> str | None:
    """Why no namespace LAN can be made here, or None."""
    if os.geteuid() != 0:
        return "not root (network namespaces need it)"
    if find_binary("ip") is None:
        return "iproute2 is not installed"
    return None


def make_lan(state: State, index: int) -> dict[str, object]:
    """The commune's LAN; returns the agent's `lan:` config for it."""
    ip = find_binary("ip")
    assert ip is not None
    tag = _tag(state)
    ns, link = f"ictdemo-{tag:04x}-{index}", f"icd{tag:04x}{index}"
    prefix = f"10.{100 + tag % 100}.{index}"
    state.namespaces.append(ns)
    state.links.append(link)
    state.save()
    commands = [
        ["netns", "add", ns],
        ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns],
        ["addr", "add", f"{prefix}.14/28", "dev", link],
        ["link", "set", link, "up"],
        ["-n", ns, "link", "set", "lo", "up"],
        ["-n", ns, "link", "set", "eth0", "address", province.pc_mac(index)],
        ["-n", ns, "link", "set", "eth0", "up"],
    ]
    commands += [
        ["-n", ns, "addr", "add", f"{prefix}.{n}/28", "dev", "eth0"] for n in range(1, HOSTS + 1)
    ]
    for args in commands:
        subprocess.run([ip, *args], check=True, capture_output=True, timeout=30)
    return {
        "enabled": True,
        "interval": "20s",
        "cidrs": [f"{prefix}.0/28@{link}"],
        "timeout": "300ms",
        "state_file": None,
    }


def remove(state: State) -> None:
    ip = find_binary("ip")
    if ip is None:
        return
    for link in state.links:
        subprocess.run([ip, "link", "del", link], capture_output=True, timeout=30, check=False)
    for ns in state.namespaces:
        subprocess.run([ip, "netns", "del", ns], capture_output=True, timeout=30, check=False)
    state.links.clear()
    state.namespaces.clear()
    state.save()
