"""Inventory bodies for the collector's tests and benchmarks: a small valid one, a huge one."""

from __future__ import annotations

import json
import time
from typing import Any


def small_inventory(agent: str = "may-chu-xa", at: float | None = None) -> dict[str, Any]:
    """A valid snapshot with one of everything (the seed of the fuzz mutations)."""
    return {
        "schema_version": 1,
        "agent": {"version": "0.1.0", "hostname": agent},
        "collected_at": time.time() if at is None else at,
        "host": {
            "hostname": agent,
            "os": {"system": "Linux", "name": "Debian GNU/Linux 12", "machine": "x86_64"},
            "cpu": {"model": "Xeon", "cores_physical": 4, "cores_logical": 8, "max_mhz": 3400.0},
            "memory_bytes": 17179869184,
            "dmi": {"sys_vendor": "Dell", "product_serial": "PC-1", "bios_version": "1.0"},
            "disks": [{"device": "sda", "size_bytes": 512110190592, "rotational": False}],
            "nics": [{"name": "eth0", "mac": "00:11:22:33:44:55", "addresses": ["10.0.0.2/24"]}],
        },
        "devices": [
            {
                "device": "core-switch",
                "address": "10.0.0.1",
                "reachable": True,
                "vendor": "Cisco",
                "sys_uptime_seconds": 86400.5,
                "enterprise_number": 9,
                "entities": [
                    {"index": 1, "entity_class": "chassis", "serial": "FOC1",
                     "software_rev": "15.0", "model": "WS-C2960", "mfg_date_status": "absent"}
                ],
                "extra": {"ports": 48, "note": "tủ mạng tầng 2", "load": 0.5, "none": None},
            }
        ],
        "lan_hosts": [
            {"ip": "10.0.0.9", "mac": "00:11:22:33:44:66", "first_seen": 1.0e9,
             "last_seen": 1.1e9, "present": True}
        ],
    }  # fmt: skip


def huge_inventory(devices: int, agent: str = "may-chu-tinh", at: float | None = None) -> bytes:
    """`devices` SNMP devices (40,000 make about 3 MiB), as the JSON body an agent would send."""
    snapshot = small_inventory(agent, at)
    snapshot["devices"] = [
        {"device": f"sw-{n:05d}", "address": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
         "reachable": True, "vendor": "Cisco"}
        for n in range(devices)
    ]  # fmt: skip
    return json.dumps(snapshot).encode()
