"""Four units whose ranking is known by hand (tests/collector/test_ranking_e2e.py has the sums).

Province RK over communes RK01 (two offices), RK02 (one) and RK03 (one agent that reported 48 of
the period's 120 steps: 40 % coverage). Metrics are one sample a minute, 30 s after the minute,
so each 5-minute step sees exactly five of them; "up in N steps" means 1 in the first N steps,
then 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

STEPS = 120  # the period: 10 hours of 5-minute steps
SITES_CSV = (
    "code,name,level,parent_code,staff,offices\n"
    "RK,Tỉnh Thử nghiệm,province,,0,0\n"
    "RK01,Xã Một,commune,RK,20,2\n"
    "RK02,Xã Hai,commune,RK,10,1\n"
    "RK03,Xã Ba,commune,RK,8,1\n"
)


@dataclass
class OfficeData:
    site: str
    instance: str
    reporting: int = STEPS  # steps with ictinfra_agent_build_info
    up: dict[str, int] = field(default_factory=dict)  # probe kind -> steps up
    speed_test: float | None = None  # bytes/s
    uplink: float | None = None  # bytes/s (the estimate without a test)
    lan: tuple[int, float, int] | None = None  # managed switches, uplink bytes/s, FE-only
    chassis: str = "Desktop"
    debian: str = "13"  # Debian 12 is past its vendor support from 2026-07-11: obsolete
    mac: str = ""
    lan_hosts: tuple[str, ...] = ()  # MACs its sweep saw


OFFICES = (
    OfficeData("RK01", "rk01-a", up={"internet": 120, "wan": 120, "gateway": 120},
               speed_test=12.5e6, lan=(1, 125e6, 0), chassis="Rack Mount Chassis",
               mac="02:c1:00:00:00:01",
               lan_hosts=("02:c1:00:00:01:01", "02:c1:00:00:01:02", "02:c1:00:00:01:03",
                          "02:c1:00:00:01:04", "02:c1:00:00:01:05", "02:c1:00:00:01:06")),
    OfficeData("RK01", "rk01-b", up={"internet": 100, "wan": 120, "gateway": 120},
               uplink=2.5e6, lan=(0, 125e6, 0), mac="02:c1:00:00:00:02",
               lan_hosts=("02:c1:00:00:02:01", "02:c1:00:00:02:02", "02:c1:00:00:00:01")),
    OfficeData("RK02", "rk02-a", up={"internet": 120, "wan": 110, "gateway": 119},
               speed_test=6.25e6, lan=(1, 125e6, 0), mac="02:c2:00:00:00:01", debian="12",
               lan_hosts=("02:c2:00:00:01:01", "02:c2:00:00:01:02", "02:c2:00:00:01:03",
                          "02:c2:00:00:01:04", "02:c2:00:00:01:05")),
    OfficeData("RK03", "rk03-a", reporting=48, up={"internet": 48, "wan": 48, "gateway": 48},
               speed_test=50e6, lan=(1, 125e6, 0), mac="02:c3:00:00:00:01",
               lan_hosts=("02:c3:00:00:01:01",)),
)  # fmt: skip

ASSETS_CSV = "site_code,class,serial,mac,vendor,model,purchase_date\n" + "".join(
    f"{site},{cls},,{mac},,,{bought}\n"
    for site, cls, mac, bought in (
        ("RK01", "pc", "02:c1:00:00:01:01", "2024-01-15"),
        ("RK01", "pc", "02:c1:00:00:01:02", "2024-01-15"),
        ("RK01", "pc", "02:c1:00:00:01:03", "2012-01-15"),  # past a PC's life: obsolete
        ("RK01", "laptop", "02:c1:00:00:01:04", "2024-01-15"),
        (
            "RK01",
            "printer",
            "02:c1:00:00:01:05",
            "2024-01-15",
        ),  # :06 is in no register: unknown, not counted
        ("RK01", "pc", "02:c1:00:00:02:01", "2024-01-15"),
        ("RK01", "pc", "02:c1:00:00:02:02", "2024-01-15"),
        ("RK02", "pc", "02:c2:00:00:01:01", "2024-01-15"),
        ("RK02", "pc", "02:c2:00:00:01:02", "2024-01-15"),
        ("RK02", "pc", "02:c2:00:00:01:03", "2024-01-15"),
        ("RK02", "pc", "02:c2:00:00:01:04", "2024-01-15"),
        ("RK02", "printer", "02:c2:00:00:01:05", "2024-01-15"),
        ("RK03", "pc", "02:c3:00:00:01:01", "2024-01-15"),
    )
)


def _minutes(start: float, steps: int) -> Iterator[int]:
    for minute in range(steps * 5):
        yield int((start + 60 * minute + 30) * 1000)


def series_of(office: OfficeData, start: float) -> list[tuple[dict[str, str], list[Any]]]:
    """What the office's agent pushes over the period (labels without site: the collector's)."""
    base = {"job": "ictinfra-agent", "instance": office.instance}
    every = list(_minutes(start, STEPS))

    def flat(name: str, value: float, **labels: str) -> tuple[dict[str, str], list[Any]]:
        return {"__name__": name, **base, **labels}, [(t, value) for t in every]

    out = [({"__name__": "ictinfra_agent_build_info", **base, "version": "1"},
            [(t, 1.0) for t in _minutes(start, office.reporting)])]  # fmt: skip
    for kind, steps in office.up.items():
        values = [(t, 1.0 if i < steps * 5 else 0.0) for i, t in enumerate(every)]
        out.append(
            ({"__name__": "ictinfra_probe_up", **base, "kind": kind, "target": kind}, values)
        )
    if office.speed_test is not None:
        out.append(flat("ictinfra_bandwidth_test_download_bytes_per_second", office.speed_test))
    if office.uplink is not None:
        out.append(flat("ictinfra_uplink_speed_bytes_per_second", office.uplink, device="sw"))
    if office.lan is not None:
        managed, uplink, fast = office.lan
        out.append(flat("ictinfra_lan_managed_switches", managed))
        out.append(flat("ictinfra_lan_uplink_speed_bytes_per_second", uplink))
        out.append(flat("ictinfra_lan_switch_fast_ethernet_only", fast, device="sw"))
    idle = [(t, 30.0 * i) for i, t in enumerate(every)]  # idle half of each second: 50 % busy
    out.append(({"__name__": "node_cpu_seconds_total", **base, "cpu": "0", "mode": "idle"}, idle))
    out.append(flat("node_memory_MemAvailable_bytes", 5e9))
    out.append(flat("node_memory_MemTotal_bytes", 10e9))
    return out


def inventory_of(office: OfficeData, at: float) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "agent": {"version": "0.1.0", "hostname": office.instance},
        "collected_at": at,
        "host": {
            "hostname": office.instance,
            "os": {"system": "Linux", "id": "debian", "version": office.debian},
            "dmi": {"chassis_type": office.chassis},
            "nics": [{"name": "eth0", "mac": office.mac, "up": True}],
        },
        "lan_hosts": [
            {"ip": f"10.0.0.{i + 10}", "mac": mac, "first_seen": at, "last_seen": at}
            for i, mac in enumerate(office.lan_hosts)
        ],
    }
