"""seen_devices() over the real store (SQLite and PostgreSQL): LAN history, merging, the period,
register matches and unseen rows."""

from __future__ import annotations

import time
from typing import Any

from agent.wire.inventory import Inventory
from collector.devices.register import AssetRegister, parse_assets_csv
from collector.devices.view import seen_devices
from collector.store import Store
from collector.wire import inventory as validate_inventory
from tests.collector.conftest import load_sites

MAC_HOST = "aa:bb:cc:00:00:01"
PRINTER = "00:80:77:00:00:09"


def _snapshot(at: float, printer_present: bool | None = True, **host: Any) -> Inventory:
    lan = [
        {"ip": "10.0.0.9", "mac": PRINTER, "vendor": "Brother Industries", "first_seen": at,
         "last_seen": at, "present": printer_present, "open_ports": [9100]},
        {"ip": "10.0.0.2", "mac": "00:1b:c5:00:00:02", "first_seen": at, "last_seen": at},
        {"ip": "10.0.0.254", "mac": MAC_HOST.upper(), "first_seen": at, "last_seen": at},
    ]  # fmt: skip
    return validate_inventory(
        {"agent": {"version": "1", "hostname": "may-chu"}, "collected_at": at,
         "host": {"hostname": "may-chu", "os": {"system": "Linux", "id": "debian"},
                  "dmi": {"chassis_type": "Tower", "product_serial": "To be filled by O.E.M.",
                          "bios_date": "2014-01-02", **host},
                  "nics": [{"name": "eth0", "mac": MAC_HOST}], "memory_bytes": 2 << 30},
         "devices": [{"device": "sw1", "address": "10.0.0.2:161", "reachable": True,
                      "vendor": "ciscoSystems", "kind": "switch",
                      "entities": [{"index": 1, "entity_class": "chassis",
                                    "serial": "FOC1408Z61U", "model": "WS-C2960-24TT-L"}]}],
         "lan_hosts": lan}
    )  # fmt: skip


def test_lan_history_merging_and_the_period(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    t0 = time.time() - 3 * 86400
    store.inventory.record("00001", _snapshot(t0))
    store.inventory.record("00001", _snapshot(t0 + 86400, printer_present=False))
    store.inventory.record("00001", _snapshot(t0 + 2 * 86400))
    found = {d.device: d for d in seen_devices(store, sites=["00001"])}
    assert set(found) == {"may-chu", "sw1", PRINTER}  # the switch's and host's MACs merged
    host, switch, printer = found["may-chu"], found["sw1"], found[PRINTER]
    assert (host.device_class, host.serial, host.also_seen_as) == ("pc", None, (MAC_HOST,))
    assert (switch.mac, switch.address) == ("00:1b:c5:00:00:02", "10.0.0.2")
    assert (printer.device_class, printer.class_evidence[0].source) == ("printer", "ports")
    assert [a.source for a in host.ages] == ["bios_date", "first_seen"]
    events = [
        e["event"] for e in store.inventory.history("00001") if e["device_key"] == f"lan:{PRINTER}"
    ]
    assert events == ["appeared", "vanished", "reappeared"]
    assert seen_devices(store, sites=["00004"]) == []
    before = seen_devices(store, sites=["00001"], end=t0 - 1)
    assert before == []
    window = seen_devices(store, sites=["00001"], start=t0 + 3 * 86400)
    assert window == []  # nothing seen after the last snapshot
    away = seen_devices(store, sites=["00001"], start=t0 + 86400, end=t0 + 86400 + 3600)
    assert PRINTER not in {d.device for d in away}  # it did not answer that day
    assert {"may-chu", "sw1"} <= {d.device for d in away}
    back = seen_devices(store, sites=["00001"], start=t0 + 2 * 86400, end=t0 + 2 * 86400)
    assert PRINTER in {d.device for d in back}


def test_register_matches_and_unseen_rows(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    store.inventory.record("00001", _snapshot(time.time(), product_serial="CN0XYZ"))
    csv = (
        "site_code,class,serial,mac,vendor,model,purchase_date\n"
        "00001,laptop,cn0xyz,,,,2016\n"
        "00001,switch,FOC1408Z61U,,,,2011-03-01\n"
        f"00001,printer,,{PRINTER.upper()},,,2018-05\n"
        "00004,ups,AS123,,APC,,2015\n"
    )
    AssetRegister(store.engine).replace(parse_assets_csv(csv, {"00001", "00004"}))
    found = {(d.site, d.device): d for d in seen_devices(store)}
    host = found[("00001", "may-chu")]
    assert (host.device_class, host.register_match) == ("laptop", "dmi_serial")
    assert found[("00001", "sw1")].register_match == "chassis_serial"
    printer = found[("00001", PRINTER)]
    assert (printer.register_match, printer.ages[0].source) == ("mac", "register")
    ups = found[("00004", "AS123")]
    assert (ups.seen, ups.device_class, ups.source) == (False, "ups", "snmp")
    only_ups = "\n".join(csv.splitlines()[::4])
    AssetRegister(store.engine).replace(parse_assets_csv(only_ups, {"00004"}))
    assert [d.device for d in seen_devices(store) if d.register] == ["AS123"]  # replaced
