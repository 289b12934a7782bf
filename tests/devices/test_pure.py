"""The classifier, the age finder and the assets CSV as pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from agent.wire.inventory import DmiInfo, EntityInfo, HostInventory, LanHost, OsInfo
from collector.devices import ages, classify, facts
from collector.devices.model import RegisterEntry
from collector.devices.register import format_assets_csv, parse_assets_csv
from collector.sites_csv import CsvError, read_csv_file

CASES = Path(__file__).with_name("cases")
SITES = {"00001", "00004"}
TODAY = dt.date(2026, 12, 1)


def _host(chassis: str | None = None, os_id: str = "debian", **dmi: str) -> HostInventory:
    return HostInventory(
        hostname="h",
        os=OsInfo(system="Linux", id=os_id, name=f"{os_id} 12"),
        dmi=DmiInfo(chassis_type=chassis, **dmi),
    )


@pytest.mark.parametrize(
    ("chassis", "expected"),
    [("Desktop", "pc"), ("Mini PC", "pc"), ("Tower", "pc"), ("Notebook", "laptop"),
     ("Laptop", "laptop"), ("Portable", "laptop"), ("Rack Mount Chassis", "server"),
     ("Blade", "server")],
)  # fmt: skip
def test_dmi_chassis_type_decides(chassis: str, expected: str) -> None:
    device_class, evidence = classify.classify_host(_host(chassis))
    assert device_class == expected
    assert evidence[0].source == "dmi_chassis" and chassis in evidence[0].detail


def test_every_smbios_chassis_name_of_the_agent_has_a_class_or_is_no_evidence() -> None:
    from agent.collectors.host.dmi import CHASSIS_TYPES

    no_evidence = {"Other", "Unknown", "Docking Station", "SubChassis", "IoT Gateway"}
    for name in CHASSIS_TYPES.values():
        [evidence] = classify.from_chassis(name)
        assert (evidence.device_class == "unknown") == (name in no_evidence), name


def test_a_linux_server_os_without_chassis_says_so() -> None:
    device_class, evidence = classify.classify_host(_host(None, "ubuntu"))
    assert device_class == "server"
    assert evidence[0].source == "os" and "no chassis type" in evidence[0].detail


def test_a_vm_is_a_server_and_an_unknown_chassis_is_kept_as_evidence() -> None:
    device_class, evidence = classify.classify_host(
        _host("Other", "windows", product_name="VMware Virtual Platform")
    )
    assert device_class == "server"
    assert [e.source for e in evidence] == ["dmi_product", "dmi_chassis"]


def test_a_desktop_os_without_chassis_is_unknown_never_a_computer() -> None:
    device_class, _ = classify.classify_host(_host(None, "linuxmint"))
    assert device_class == "unknown"


def test_the_register_comes_first_and_the_rest_stays_listed() -> None:
    entry = RegisterEntry("00001", "laptop", "S1", None, None, None, None, line=7)
    device_class, evidence = classify.classify_host(_host("Desktop"), entry, "dmi_serial")
    assert device_class == "laptop"
    assert [(e.source, e.device_class) for e in evidence] == [
        ("register", "laptop"),
        ("dmi_chassis", "pc"),
    ]
    assert "line 7" in evidence[0].detail


def _lan(mac: str, vendor: str | None = None, **extra: object) -> LanHost:
    return LanHost(ip="10.0.0.9", mac=mac, vendor=vendor, first_seen=1.0, last_seen=2.0, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ports", "expected"),
    [([9100], "printer"), ([631, 80], "printer"), ([554, 80], "camera"), ([5060], "phone"),
     ([3389], "pc"), ([135, 445], "pc"), ([445], "unknown"), ([22], "unknown"), ([], "unknown")],
)  # fmt: skip
def test_open_ports_fingerprint(ports: list[int], expected: str) -> None:
    device_class, evidence = classify.classify_lan(_lan("02:00:00:00:00:01", open_ports=ports))
    assert device_class == expected
    assert evidence[0].source == "ports"


def test_lan_host_order_sys_object_id_then_ports_then_oui() -> None:
    host = _lan("00:80:77:00:00:09", "Brother Industries, Ltd.", open_ports=[3389],
                snmp_sys_object_id="1.3.6.1.4.1.311.1.1.3.1.2")  # fmt: skip
    device_class, evidence = classify.classify_lan(host)
    assert device_class == "server"
    assert [(e.source, e.device_class) for e in evidence] == [
        ("sys_object_id", "server"), ("ports", "pc"), ("oui", "printer"),
    ]  # fmt: skip


def test_oui_vendor_alone_and_an_unknown_vendor() -> None:
    assert classify.classify_lan(_lan("00:80:77:00:00:09", "Brother Industries"))[0] == "printer"
    assert classify.classify_lan(_lan("bc:ad:28:00:00:01", "Hangzhou Hikvision"))[0] == "camera"
    device_class, evidence = classify.classify_lan(_lan("00:11:22:00:00:01", "Cimsys Inc"))
    assert device_class == "unknown" and evidence[0].source == "oui"
    assert classify.classify_lan(_lan("02:00:00:00:00:01"))[1] == ()


def test_cisco_serial_dates() -> None:
    assert ages.cisco_serial_date("FOC1408Z61U") == dt.date(2010, 2, 19)
    assert ages.cisco_serial_date("SAD08300D4W") == dt.date(2004, 7, 22)  # the cited example
    assert ages.cisco_serial_date("FOC0000Z61U") is None  # year code 00 does not exist
    assert ages.cisco_serial_date("FOC1460Z61U") is None  # week 60
    assert ages.cisco_serial_date("FOC14Z61U") is None  # not LLLYYWWSSSS
    assert ages.from_serial("Arista Networks", "FOC1408Z61U", TODAY) == []  # Cisco's only
    assert ages.from_serial("ciscoSystems", "FOC9908Z61U", TODAY) == []  # 2095: in the future


def test_age_sources_best_first_and_conflicts_kept() -> None:
    entry = RegisterEntry("00001", "switch", "FOC1408Z61U", None, None, None,
                          dt.date(2015, 6, 1), "month", line=3)  # fmt: skip
    entity = EntityInfo(index=1, entity_class="chassis", mfg_date="2009-03-02",
                        mfg_date_status="ok", model="WS-C2960-24TT-L")  # fmt: skip
    found = ages.best_first(
        ages.from_first_seen(1_700_000_000)
        + ages.from_catalogue("ciscoSystems", ["WS-C2960-24TT-L"])
        + ages.from_serial("ciscoSystems", "FOC1408Z61U", TODAY)
        + ages.from_entities([entity])
        + ages.from_register(entry)
    )
    assert [a.source for a in found] == [
        "register", "entity_mfg_date", "serial_date", "model_catalogue", "first_seen",
    ]  # fmt: skip
    assert found[0].detail == "purchased 2015-06 per the asset register (line 3)"
    assert found[1].date == dt.date(2009, 3, 2)  # conflicts with the register: both kept
    assert found[3].upper_bound and found[4].lower_bound


def test_bios_date_is_a_lower_bound() -> None:
    [bios] = ages.from_bios("2013-05-02")
    assert (bios.source, bios.date, bios.lower_bound) == ("bios_date", dt.date(2013, 5, 2), True)
    assert ages.from_bios(None) == [] and ages.from_bios("garbage") == []


def test_catalogue_entries_each_name_a_source() -> None:
    for model in ages.catalogue():
        assert model.source and 1990 < model.released <= TODAY.year


def test_bad_assets_csv_names_every_row_and_reason() -> None:
    text = read_csv_file(str(CASES / "assets_bad.csv"))
    with pytest.raises(CsvError) as caught:
        parse_assets_csv(text, SITES, "assets_bad.csv", TODAY)
    expected = (CASES / "assets_bad.expected").read_text(encoding="utf-8").splitlines()
    assert caught.value.problems == expected


def test_assets_csv_not_utf8_names_the_line() -> None:
    with pytest.raises(CsvError) as caught:
        read_csv_file(str(CASES / "assets_latin1.csv"))
    [problem] = caught.value.problems
    assert problem.startswith("line 3: not UTF-8")


def test_good_assets_csv_round_trips() -> None:
    text = (
        "site_code,class,serial,mac,vendor,model,purchase_date,ghi_chu\n"
        "00001,pc,cn0abc123,,Dell Inc.,OptiPlex 7010,2013-04,Phòng một cửa\n"
        "00004,printer,,0080.7700.0009,Brother,HL-L2321D,2019,\n"
        "00004,switch,FOC1408Z61U,,Cisco,WS-C3560G-48TS,2011-02-14,\n"
    )
    rows = parse_assets_csv(text, SITES, "a.csv", TODAY)
    assert rows[0].entry.serial == "CN0ABC123"
    assert rows[1].entry.mac == "00:80:77:00:00:09"
    assert rows[1].entry.purchase_date == dt.date(2019, 1, 1)
    assert rows[1].entry.purchase_precision == "year"
    again = format_assets_csv(rows)
    assert (
        again.splitlines()[1] == "00001,pc,CN0ABC123,,Dell Inc.,OptiPlex 7010,2013-04,Phòng một cửa"
    )
    assert parse_assets_csv(again, SITES, "b.csv", TODAY) == rows


@pytest.mark.parametrize(
    ("virtualization", "model", "first_evidence"),
    [
        ("kvm", "virtual machine (KVM)", "virtualization"),
        ("vm-other", "virtual machine", "virtualization"),
        ("docker", "container (Docker)", "os"),  # a container: its OS says server
        (None, None, "os"),
    ],
)
def test_a_virtual_host_is_labelled_as_one(
    virtualization: str | None, model: str | None, first_evidence: str
) -> None:
    host = replace(_host(), virtualization=virtualization)
    assert facts.host_model(host) == model
    device_class, evidence = classify.classify_host(host)
    assert (device_class, evidence[0].source) == ("server", first_evidence)
    assert facts.host_model(_host(product_name="ProLiant DL380 Gen10")) == "ProLiant DL380 Gen10"
