"""`ictinfra-agent discover`: an ARP sweep printed one host a line."""

from __future__ import annotations

import sys


def main(interface: str, cidr: str | None, timeout: float) -> int:
    print("ictinfra-agent discover: LAN discovery is not built yet", file=sys.stderr)
    return 1
