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


def _unit(code: str, name: str, level: str, parent: str | None, depth: int) -> dict[str, Any]:
    evidence = [{"device": f"pc-{code}", "class": "pc", "source": "register"}] if depth else []
    return {
        "code": code, "name": name, "level": level, "parent_code": parent, "depth": depth,
        "total": 40.0, "rank": 1, "coverage": 1.0, "flags": [], "excluded_children": [],
        "from_units": [code], "indicators": {"computers_per_staff": {
            "numerator": 1.0, "denominator": 2.0, "value": 0.5, "score": 40.0, "max_points": 80,
            "coverage": 1.0, "evidence": evidence}},
    }  # fmt: skip


def ranking_result() -> dict[str, Any]:
    """A stored ranking's result in the contract's shape (for the in-process tests; the browser
    test ranks for real)."""
    return {
        "period": "2026-11", "start": "2026-11-01T00:00:00+07:00",
        "end": "2026-12-01T00:00:00+07:00", "start_epoch": 1.0, "end_epoch": 2.0, "steps": 1,
        "queries": [],
        "methodology": {"id": "test", "version": "1", "sha256": "0" * 64,
                        "name": {"vi": "Phương pháp thử", "en": "Test methodology"},
                        "indicators": {"computers_per_staff": {
                            "vi": "Tỷ lệ CBCCVC được trang bị máy tính",
                            "en": "Civil servants equipped with a computer"}}},
        "units": [_unit("01", "Thành phố Hà Nội", "province", None, 0),
                  _unit("22", "Tỉnh Quảng Ninh", "province", None, 0),
                  _unit("00004", "Phường Ba Đình", "commune", "01", 1),
                  _unit("06655", "Phường Hồng Gai", "commune", "22", 1)],
    }  # fmt: skip
