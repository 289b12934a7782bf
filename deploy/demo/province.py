"""The simulated province: its registry, its asset register, and what each commune's agent polls.

A post-2025 province (province → commune) with five communes. Every commune runs its own agent
process, polling recorded real devices (tests/cases/snmp, served by one snmpsim on loopback: the
recording's name is the SNMP community).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

RECORDINGS = Path(__file__).resolve().parents[2] / "tests" / "cases" / "snmp"
PROVINCE = ("22", "Tỉnh Quảng Ninh (mô phỏng)")


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    staff: int
    devices: dict[str, str]  # device name -> recording (its snmpsim community)


COMMUNES = (
    Commune(
        "06655",
        "Phường Hồng Gai",
        45,
        {"core-switch": "cisco-c3560", "wan-router": "juniper-mx960", "ups": "apc-ups"},
    ),
    Commune(
        "06658", "Phường Bãi Cháy", 38, {"core-switch": "hpe-procurve", "printer": "printer-hp"}
    ),
    Commune(
        "06661", "Phường Hà Tu", 30, {"access-switch": "dcs-3726c", "file-server": "linux-host"}
    ),
    Commune("06664", "Xã Vân Đồn", 22, {"core-switch": "h3c-mfg-date", "firewall": "dptech"}),
    Commune(
        "06667",
        "Xã Cô Tô",
        15,
        {"core-switch": "arista", "firewall": "paloalto", "server": "windows-2003"},
    ),
)


def pc_mac(index: int) -> str:
    """The MAC of the office PC on commune `index`'s namespace LAN (deploy/demo/lan.py)."""
    return f"02:1c:de:00:00:{index:02x}"


# The province's register: purchase dates for some devices the agents will see (by serial), and
# office PCs that no agent sees (listed as unseen, never counted).
ASSETS = (
    ("06655", "switch", "FOC1408Z61U", "", "Cisco", "WS-C3560-24PS", "2010-06"),
    ("06658", "switch", "3C421900TX", "", "HPE", "ProCurve 2650", "2008"),
    ("06661", "switch", "A308023010", "", "D-Link", "DES-3726C", "2013-03-01"),
    ("06664", "switch", "210231A2PJB18A000023", "", "H3C", "S5500", "2019-09"),
    ("06667", "firewall", "0009C100761", "", "Palo Alto", "PA-200", "2016"),
    ("06655", "pc", "", "00:1a:2b:3c:4d:01", "Dell", "OptiPlex 380", "2011"),
    ("06658", "pc", "", "00:1a:2b:3c:4d:02", "HP", "ProDesk 400 G7", "2022-05"),
    *(
        (c.code, "pc", "", pc_mac(i), "Dell", "OptiPlex 7010", f"{2018 + i}")
        for i, c in enumerate(COMMUNES, 1)
    ),
)


def recordings() -> list[str]:
    return sorted({case for commune in COMMUNES for case in commune.devices.values()})


def sites_csv() -> str:
    rows = [
        "code,name,level,parent_code,staff,offices",
        f"{PROVINCE[0]},{PROVINCE[1]},province,,0,0",
    ]
    rows += [f"{c.code},{c.name},commune,{PROVINCE[0]},{c.staff},1" for c in COMMUNES]
    return "\n".join(rows) + "\n"


def assets_csv() -> str:
    rows = ["site_code,class,serial,mac,vendor,model,purchase_date"]
    rows += [",".join(row) for row in ASSETS]
    return "\n".join(rows) + "\n"


def agent_config(
    commune: Commune, home: Path, *, snmp: str, collector: str, listen: str, lan: dict[str, object]
) -> str:
    """A commune's agent: loopback only, short intervals so a few minutes give data."""
    config = {
        "listen": listen,
        "log": {"level": "info", "format": "text"},
        "host": {"enabled": True, "interval": "10s"},
        "snmp": {
            "interval": "20s",
            "targets": [
                {"name": name, "address": snmp, "community": case, "timeout": "2s"}
                for name, case in commune.devices.items()
            ],
        },
        "lan": lan,
        "probes": {
            "enabled": True,
            "interval": "15s",
            "count": 3,
            "timeout": "500ms",
            "gateway": {"enabled": True, "address": "127.0.0.1"},
            "wan": [{"name": "province-wan", "address": "127.0.0.1"}],
            "internet": [{"name": "loopback", "address": "127.0.0.1"}],
        },
        "bandwidth": {
            "enabled": True,
            "interval": "10s",
            "lan_facts": {"enabled": True, "interval": "20s"},
            "speedtest": {
                "enabled": True,
                "bytes": "1MB",
                "min_interval": "1h",
                "state_file": str(home / "speedtest.json"),
            },
        },
        "push": {
            "url": collector,
            "token_file": str(home / "token"),
            "queue_path": str(home / "queue"),
            "interval": "5s",
            "backoff_min": "500ms",
            "backoff_max": "5s",
        },
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
