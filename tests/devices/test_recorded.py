"""Recorded devices (tests/cases/snmp, served by snmpsim) polled by a real `ictinfra-agent once`,
stored by the collector's inventory store, read back by seen_devices(): class and age evidence."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import yaml

from collector.devices.model import SeenDevice
from collector.devices.view import seen_devices
from collector.store import Store, open_store
from collector.wire import inventory as validate_inventory
from tests.collector.conftest import load_sites
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay
from tests.snmp.test_snmp_cases import agent_config, case_name, run_once

pytestmark = pytest.mark.peer

CLASSES = {
    "apc-ups": "ups",
    "arista": "switch",
    "cisco-c3560": "switch",
    "dcs-3726c": "switch",
    "dptech": "unknown",
    "h3c-mfg-date": "switch",
    "hpe-procurve": "switch",
    "juniper-mx960": "router",
    "linux-host": "server",
    "paloalto": "firewall",
    "printer-hp": "printer",
    "windows-xp-v1": "pc",
}


@pytest.fixture(scope="module")
def recorded(
    snmpsim: Snmpsim, relays: list[Relay], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, SeenDevice]]:
    root = tmp_path_factory.mktemp("recorded")
    config = root / "agent.yaml"
    config.write_text(yaml.safe_dump(agent_config(snmpsim, relays, name_of=case_name)))
    inventory = validate_inventory(json.loads(run_once(config, "json").stdout))
    store: Store = open_store(f"sqlite:///{root / 'c.db'}", init=True)
    try:
        load_sites(store, "pre2025.csv")
        store.inventory.record("00001", replace(inventory, collected_at=time.time()))
        yield {d.device: d for d in seen_devices(store, sites=["00001"])}
    finally:
        store.close()


@pytest.mark.parametrize(("device", "device_class"), sorted(CLASSES.items()))
def test_recorded_device_class(
    recorded: dict[str, SeenDevice], device: str, device_class: str
) -> None:
    seen = recorded[device]
    assert (seen.source, seen.device_class) == ("snmp", device_class), seen.class_evidence
    assert seen.class_evidence and seen.class_evidence[0].device_class == device_class
    assert seen.ages[-1].source == "first_seen" and seen.ages[-1].lower_bound


VENDORS = {  # the maker's usual name, whatever IANA's registry calls it
    "apc-ups": ("APC", "American Power Conversion Corp."),
    "arista": ("Arista", "Arista Networks, Inc. (formerly 'Arastra, Inc.')"),
    "cisco-c3560": ("Cisco", "ciscoSystems"),
    "dcs-3726c": ("DCN", "Digital China (Shanghai) Networks Ltd."),
    "dptech": ("DPtech", "HANGZHOU DPTECH Technologies Co., Ltd."),
    "h3c-mfg-date": ("H3C", "H3C"),
    "hpe-procurve": ("HP", "Hewlett-Packard"),  # enterprise 11: HP's before the 2015 split
    "juniper-mx960": ("Juniper", "Juniper Networks, Inc."),
    "linux-host": ("Net-SNMP", "net-snmp"),
    "paloalto": ("Palo Alto Networks", "PALO ALTO NETWORKS"),
    "printer-hp": ("HP", "Hewlett-Packard"),
    "windows-xp-v1": ("Microsoft", "Microsoft"),
}


def test_every_recorded_vendor_has_one_human_spelling(recorded: dict[str, SeenDevice]) -> None:
    found = {name: (recorded[name].vendor, recorded[name].vendor_reported) for name in VENDORS}
    assert found == VENDORS


def test_windows_xp_is_a_workstation_by_its_sys_object_id(recorded: dict[str, SeenDevice]) -> None:
    evidence = recorded["windows-xp-v1"].class_evidence
    assert [(e.source, e.device_class) for e in evidence] == [
        ("sys_object_id", "pc"),
        ("snmp_kind", "server"),  # the agent's guess stays listed, not hidden
    ]
    [software] = [s for s in recorded["windows-xp-v1"].software if s.source == "sys_descr"]
    assert "Windows 2000 Version 5.1" in software.text
    assert (software.os_id, software.version) == ("windows", "5.1.2600")  # XP


def test_h3c_manufacturing_date_is_age_evidence(recorded: dict[str, SeenDevice]) -> None:
    ages = recorded["h3c-mfg-date"].ages
    assert ages[0].source == "entity_mfg_date"
    assert "entPhysicalMfgDate" in ages[0].detail and not ages[0].lower_bound


def test_cisco_serial_date_and_catalogue_year(recorded: dict[str, SeenDevice]) -> None:
    cisco = recorded["cisco-c3560"]
    assert [a.source for a in cisco.ages] == ["serial_date", "model_catalogue", "first_seen"]
    assert cisco.serial == "FOC1408Z61U"  # year code 14, week 08
    assert cisco.ages[0].date == dt.date(2010, 2, 19)
    catalogue = next(a for a in cisco.ages if a.source == "model_catalogue")
    assert catalogue.upper_bound and catalogue.date.year == 2003


def test_unknown_mfg_dates_give_no_age(recorded: dict[str, SeenDevice]) -> None:
    for device in ("arista", "paloalto", "dptech"):
        assert "entity_mfg_date" not in [a.source for a in recorded[device].ages]


def test_port_speed_and_count_from_if_mib(recorded: dict[str, SeenDevice]) -> None:
    arista = recorded["arista"].specs
    assert arista.max_port_speed_bits_per_second == 10_000_000_000
    assert arista.port_count and arista.port_count > 0
    cisco = recorded["cisco-c3560"].specs  # WS-C3560G-48TS: 48 + 4 gigabit ports
    assert (cisco.max_port_speed_bits_per_second, cisco.port_count) == (1_000_000_000, 52)
    fast_ethernet = recorded["dcs-3726c"].specs  # DCS-3726S: Fast Ethernet only
    assert fast_ethernet.max_port_speed_bits_per_second == 100_000_000
    assert fast_ethernet.port_count and fast_ethernet.port_count >= 24
    printer = recorded["printer-hp"].specs  # no ifXTable: ifSpeed (bit/s) instead
    assert (printer.max_port_speed_bits_per_second, printer.port_count) == (100_000_000, 1)
