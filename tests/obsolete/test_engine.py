"""The verdicts: each reason in both languages with its evidence and since; unknowns reported."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from collector.devices.model import AgeEvidence, SoftwareFact, Specs
from collector.obsolete import evaluate, load_rules, soon_obsolete
from tests.obsolete.devices import GIGABIT, device, made, sys_descr

AT = dt.date(2026, 12, 1)
IOS_12 = sys_descr("Cisco IOS Software, C3560 Software (C3560-IPSERVICESK9-M), Version 12.2(55)SE3")
XP = sys_descr(
    "Hardware: x86 Family 6 Model 9 Stepping 5 AT/AT COMPATIBLE - Software: Windows 2000 Version "
    "5.1 (Build 2600 Uniprocessor Free)"
)
WIN2003 = sys_descr(
    "Hardware: x86 - Software: Windows Version 5.2 (Build 3790 Multiprocessor Free)"
)
FE_ONLY = Specs(max_port_speed_bits_per_second=100 * 10**6)


def one(**fields: object) -> tuple[dict[str, str], list[str]]:
    """rule -> English text of the reasons holding on AT, and the rules left unknown."""
    (verdict,) = evaluate([device("d", **fields)], load_rules(None), AT)  # type: ignore[arg-type]
    return {r.rule: r.text_en for r in verdict.reasons}, [u.rule for u in verdict.unknown]


def test_the_issue_example_in_both_languages() -> None:
    sw = device("sw", ages=made(dt.date(2009, 3, 2)), software=IOS_12, specs=GIGABIT)
    (verdict,) = evaluate([sw], load_rules(None), dt.date(2026, 11, 15))
    age = next(r for r in verdict.reasons if r.rule == "max_age")
    assert age.text_vi == (
        "sản xuất 03/2009 theo ENTITY-MIB: 17,7 năm, quá niên hạn 8 năm của thiết bị chuyển mạch"
    )
    assert age.text_en == (
        "manufactured 2009-03 per ENTITY-MIB: 17.7 years, over the 8-year life of a switch"
    )
    assert age.since == dt.date(2017, 3, 2)
    assert age.verified is False and age.source  # the shipped life is not verified
    assert verdict.age_years == 17.7 and verdict.age_evidence == sw.ages[0]
    assert verdict.since == dt.date(2017, 3, 2)  # the earliest reason


def test_fast_ethernet_only_switch_is_below_the_floor_and_10g_is_not() -> None:
    reasons, _ = one(specs=FE_ONLY, ages=made(dt.date(2024, 1, 1)))
    assert reasons == {
        "min_port_speed": "fastest port 100 Mbit/s (Fast Ethernet only), below the 1 Gbit/s "
        "floor of a switch"
    }
    reasons, _ = one(specs=Specs(max_port_speed_bits_per_second=10 * 10**9))
    assert "min_port_speed" not in reasons


def test_windows_xp_and_server_2003_are_out_of_support() -> None:
    reasons, _ = one(device_class="pc", software=XP)
    assert reasons["os_eol"] == (
        "Microsoft Windows XP SP3 (build 2600 per sysDescr): out of vendor support from 2014-04-08"
    )
    (verdict,) = evaluate([device("w", "server", software=WIN2003)], load_rules(None), AT)
    (reason,) = [r for r in verdict.reasons if r.rule == "os_eol"]
    assert reason.text_vi.startswith("Microsoft Windows Server 2003 SP2 (build 3790 theo sysDescr)")
    assert reason.since == dt.date(2015, 7, 14)


def test_in_service_life_has_no_reasons() -> None:
    new = device(
        "pc1",
        "pc",
        ages=(AgeEvidence("register", dt.date(2024, 5, 1), "row 3"),),
        software=(SoftwareFact("os_release", "Debian GNU/Linux 13", "debian", "13"),),
        specs=Specs(memory_bytes=8 * 2**30, cpu_cores=4, disk_bytes=256 * 10**9),
    )
    (verdict,) = evaluate([new], load_rules(None), AT)
    assert verdict.reasons == () and verdict.unknown == ()
    assert not verdict.obsolete


def test_unknown_is_reported_not_fine() -> None:
    reasons, unknown = one(
        device_class="switch",
        software=sys_descr("ProCurve J9085A Switch 2610-24, revision R.11.07"),
    )
    assert reasons == {}
    assert unknown == ["max_age", "min_port_speed", "os_eol"]
    reasons, unknown = one(device_class="router", software=sys_descr("Huawei VRP Version 5.170"))
    assert "firmware_eol" in unknown  # VRP 5 has no date: unknown, never supported


def test_a_lower_bound_under_the_life_is_unknown_over_it_is_flagged() -> None:
    seen = made(dt.date(2025, 3, 1), "first_seen", lower_bound=True)
    reasons, unknown = one(ages=seen, specs=GIGABIT, software=IOS_12)
    assert "max_age" in unknown and "max_age" not in reasons
    old_bios = made(dt.date(2015, 6, 1), "bios_date", lower_bound=True)
    reasons, _ = one(device_class="pc", ages=old_bios)
    assert reasons["max_age"].startswith("BIOS released 2015-06: at least 11.5 years, over")


def test_small_pc_names_each_floor() -> None:
    reasons, _ = one(
        device_class="pc",
        specs=Specs(memory_bytes=2 * 2**30, cpu_cores=1, disk_bytes=80 * 10**9),
    )
    assert reasons["min_memory"] == "2 GiB of RAM, below the 4 GiB floor of a desktop computer"
    assert reasons["min_cores"] == "1 CPU cores, below the 2-core floor of a desktop computer"
    assert reasons["min_disk"] == "80 GB of disk, below the 100 GB floor of a desktop computer"


def test_soon_obsolete_lists_what_ends_within_the_window() -> None:
    rules = load_rules(None)
    ages_out_in_march = device("a", ages=made(dt.date(2019, 3, 15)), specs=GIGABIT)
    later = device("b", ages=made(dt.date(2022, 1, 1)), specs=GIGABIT)
    already = device("c", ages=made(dt.date(2010, 1, 1)), specs=GIGABIT)
    win2016 = device(
        "srv",
        "server",
        software=(SoftwareFact("windows", "Windows Server 2016", "windows", "10.0.14393"),),
    )
    soon = soon_obsolete([ages_out_in_march, later, already, win2016], rules, AT, months=12)
    assert [(v.device.device, v.since) for v in soon] == [
        ("a", dt.date(2027, 3, 15)),
        ("srv", dt.date(2027, 1, 12)),
    ]
    assert (
        soon[0]
        .reasons[0]
        .text_vi.endswith("hết niên hạn 8 năm của thiết bị chuyển mạch ngày 15/03/2027")
    )
    assert evaluate([ages_out_in_march], rules, AT)[0].reasons == ()


def test_a_province_override_changes_the_verdict(tmp_path: Path) -> None:
    province = tmp_path / "p.yaml"
    province.write_text(
        "classes:\n  switch:\n    max_age_years: 20\n    min_port_speed: 100Mbit/s\n"
        "eol_overrides:\n"
        "  - {product: cisco-ios, cycle: '12.2', eol: 2030-01-01, source: checked}\n",
        encoding="utf-8",
    )
    sw = device("sw", ages=made(dt.date(2009, 3, 2)), software=IOS_12, specs=FE_ONLY)
    (verdict,) = evaluate([sw], load_rules(None, province=province), AT)
    assert verdict.reasons == ()


def test_an_upper_bound_settles_what_a_lower_bound_leaves_open() -> None:
    seen = AgeEvidence("first_seen", dt.date(2025, 3, 1), "first seen", lower_bound=True)
    model_2022 = AgeEvidence("model_catalogue", dt.date(2022, 1, 1), "model", upper_bound=True)
    reasons, unknown = one(ages=(seen, model_2022), specs=GIGABIT, software=IOS_12)
    assert "max_age" not in reasons and "max_age" not in unknown
    model_2010 = AgeEvidence("model_catalogue", dt.date(2010, 1, 1), "model", upper_bound=True)
    reasons, unknown = one(ages=(model_2010,), specs=GIGABIT, software=IOS_12)
    assert "max_age" not in reasons and "max_age" in unknown  # at most 16.9 years: not proof


def test_each_site_is_judged_by_its_province_and_own_rules(tmp_path: Path) -> None:
    from collector.obsolete.book import RulesBook

    province = tmp_path / "01.yaml"
    province.write_text("classes:\n  switch:\n    max_age_years: 20\n", encoding="utf-8")
    site = tmp_path / "00004.yaml"
    site.write_text("classes:\n  switch:\n    max_age_years: 30\n", encoding="utf-8")
    parents = {"00001": "001", "00004": "001", "001": "01", "01": None, "22001": "22"}
    book = RulesBook(None, {"01": province, "00004": site}, parents.get)
    old = {"ages": made(dt.date(2000, 1, 1)), "specs": GIGABIT}
    devices = [
        dataclasses.replace(device("in-hanoi", **old), site="00001"),  # type: ignore[arg-type]
        dataclasses.replace(device("own-file", **old), site="00004"),  # type: ignore[arg-type]
        dataclasses.replace(device("elsewhere", **old), site="22001"),  # type: ignore[arg-type]
    ]
    verdicts = {v.device.device: v for v in evaluate(devices, book.for_site, AT)}
    assert "20-year life" in verdicts["in-hanoi"].reasons[0].text_en  # province: 26.9 > 20
    assert verdicts["own-file"].reasons == ()  # the site's 30 years
    assert "8-year life" in verdicts["elsewhere"].reasons[0].text_en  # shipped default
    assert book.for_site("00004").sources[1:] == [str(province), str(site)]


def test_a_host_os_name_is_never_read_as_a_kernel() -> None:
    mint = (SoftwareFact("os_release", "Linux Mint 21.2", "linuxmint", "21.2"),)
    _, unknown = one(device_class="pc", software=mint)
    assert "os_eol" in unknown


def test_a_zero_speed_is_not_known_rather_than_slow() -> None:
    reasons, unknown = one(specs=Specs(max_port_speed_bits_per_second=0))
    assert "min_port_speed" not in reasons and "min_port_speed" in unknown
