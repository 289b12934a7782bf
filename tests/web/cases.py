"""Two communes in two provinces (tests/collector/cases/sites_good/post2025.csv), each with an
agent's inventory: a 2009 switch (obsolete: over the 8-year life of a switch) and a printer;
and the web accounts that see them."""

from __future__ import annotations

import time
from typing import Any

from tests.collector.conftest import CASES

SITES = CASES / "sites_good" / "post2025.csv"
PASSWORD = "mật-khẩu-đủ-dài-1"
ACCOUNTS = {"ba-dinh": "00004", "ha-noi": "01", "hong-gai": "06655"}
SWITCH = {"00004": "sw-ba-dinh-<b>core</b>", "06655": "sw-hong-gai"}
PRINTER_MAC = {"00004": "00:80:77:00:00:04", "06655": "00:80:77:00:66:55"}


def inventory(site: str, at: float | None = None) -> dict[str, Any]:
    at = at or time.time()
    switch = {
        "device": SWITCH[site], "address": "192.0.2.10", "reachable": True,
        "sys_descr": "Cisco IOS Software, C3560 Software", "vendor": "Cisco", "kind": "switch",
        "max_port_speed_bits_per_second": 10**9, "port_count": 24,
        "entities": [{"index": 1, "entity_class": "chassis", "model": "WS-C3560G-24TS",
                      "serial": f"SN{site}", "mfg_date": "2009-03-01", "mfg_date_status": "ok"}],
    }  # fmt: skip
    printer = {"ip": "192.0.2.20", "mac": PRINTER_MAC[site], "vendor": "Brother",
               "first_seen": at, "last_seen": at, "present": True}  # fmt: skip
    return {"agent": {"version": "0.1.0", "hostname": f"ubnd-{site}"}, "collected_at": at,
            "devices": [switch], "lan_hosts": [printer]}  # fmt: skip
