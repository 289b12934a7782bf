"""The device view at scale: seen_devices() and the `devices` listing over many sites.

Records one inventory snapshot per site (1 agent host, 3 SNMP targets, `--lan` LAN hosts) into a
fresh SQLite store through the collector's InventoryStore, then times seen_devices() over all of
them (what the ranking and the obsolescence rules read) and list_devices() with history.

    python3 bench/devices_view.py [--sites 500] [--lan 40]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.wire.inventory import Inventory  # noqa: E402
from collector.devices.listing import list_devices  # noqa: E402
from collector.devices.view import seen_devices  # noqa: E402
from collector.sites_csv import parse_sites_csv  # noqa: E402
from collector.store import open_store  # noqa: E402
from collector.wire import inventory as validate_inventory  # noqa: E402


def _sites_csv(count: int) -> str:
    rows = ["code,name,level,parent_code,staff,offices", "P,Tỉnh,province,,1000,10"]
    rows += [f"S{i:05d},Xã {i},commune,P,30,1" for i in range(count)]
    return "\n".join(rows) + "\n"


def _snapshot(site: int, lan: int, at: float) -> Inventory:
    tag = f"{site >> 8 & 255:02x}:{site & 255:02x}"
    hosts = [{"ip": f"10.{site // 250}.{site % 250}.{h + 1}", "mac": f"00:80:77:{tag}:{h:02x}",
              "vendor": "Brother Industries", "first_seen": at, "last_seen": at, "present": True,
              "open_ports": [9100] if h % 5 == 0 else [135, 445]} for h in range(lan)]  # fmt: skip
    devices = [{"device": f"sw{d}", "address": f"10.99.{site % 250}.{d}:161", "reachable": True,
                "vendor": "ciscoSystems", "kind": "switch", "sys_descr": "Cisco IOS C2960",
                "entities": [{"index": 1, "entity_class": "chassis",
                              "serial": f"FOC14{d:02d}{site:04d}", "model": "WS-C2960-24TT-L",
                              "mfg_date": "2010-03-02"}]}
               for d in range(3)]  # fmt: skip
    return validate_inventory(
        {"agent": {"version": "1", "hostname": f"srv-{site}"}, "collected_at": at,
         "host": {"hostname": f"srv-{site}", "os": {"system": "Linux", "id": "debian"},
                  "dmi": {"chassis_type": "Tower", "bios_date": "2014-01-02"},
                  "nics": [{"name": "eth0", "mac": f"aa:bb:{tag}:00:01"}]},
         "devices": devices, "lan_hosts": hosts}
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--lan", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db", init=True)
        store.registry.import_units(parse_sites_csv(_sites_csv(args.sites)), "bench")
        started, now = time.perf_counter(), time.time()
        for site in range(args.sites):
            store.inventory.record(f"S{site:05d}", _snapshot(site, args.lan, now))
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        for site in range(args.sites):  # the next hour: nothing new, every last_seen moves
            store.inventory.record(f"S{site:05d}", _snapshot(site, args.lan, now + 3600))
        steady = time.perf_counter() - started
        started = time.perf_counter()
        found = seen_devices(store)
        viewed = time.perf_counter() - started
        started = time.perf_counter()
        in_period = seen_devices(store, start=now - 86400, end=now + 7200)
        period = time.perf_counter() - started
        started = time.perf_counter()
        listed = list_devices(store, {"S00000"})
        one_site = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"sites {args.sites}, devices seen {len(found)}")
        print(f"record {args.sites} first snapshots: {recorded:.1f} s")
        print(f"record {args.sites} unchanged snapshots: {steady:.1f} s"
              f" ({steady / args.sites * 1000:.0f} ms each)")  # fmt: skip
        print(f"seen_devices(all): {viewed:.2f} s ({len(found) / viewed:,.0f} devices/s)")
        print(f"seen_devices(a period, {len(in_period)} devices, from the events): {period:.2f} s")
        print(
            f"list_devices(one site, {len(listed)} devices, with history): {one_site * 1000:.0f} ms"
        )
        print(f"peak RSS {rss:.0f} MiB")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
