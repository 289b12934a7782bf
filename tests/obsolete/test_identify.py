"""Product and release cycle from the strings devices report (recorded sysDescr values)."""

from __future__ import annotations

import pytest

from collector.devices.model import SoftwareFact
from collector.obsolete.identify import identify

CASES = [
    (
        "Cisco IOS Software, C3560 Software (C3560-IPSERVICESK9-M), Version 12.2(55)SE3, "
        "RELEASE SOFTWARE (fc1)",
        "cisco-ios",
        ("12.2",),
    ),
    (
        "Cisco IOS Software [Amsterdam], Catalyst L3 Switch Software (CAT9K_IOSXE), "
        "Version 17.3.4, RELEASE SOFTWARE (fc3)",
        "cisco-ios-xe",
        ("17.3",),
    ),
    (
        "Cisco IOS XE Software, Version 16.09.04",
        "cisco-ios-xe",
        ("16.9",),
    ),
    (
        "Cisco NX-OS(tm) n5000, Software (n5000-uk9), Version 5.2(1)N1(1), RELEASE SOFTWARE",
        "cisco-nx-os",
        ("5.2",),
    ),
    ("Cisco NX-OS(tm) nxos.9.3.10.bin, Software (nxos), Version 9.3(10)", "cisco-nx-os", ("9.3",)),
    (
        "Juniper Networks, Inc. mx960 internet router, kernel JUNOS 13.3R9.13, Build date: "
        "2016-03-01 08:56:00 UTC",
        "junos",
        ("13.3",),
    ),
    ("FortiGate-100D v6.4.5,build1828,210217 (GA)", "fortios", ("6.4",)),
    ("PAN-OS 10.1.6", "pan-os", ("10.1",)),
    ("RouterOS 6.49.7 (long-term) RB951G-2HnD", "routeros", ("6.49",)),
    (
        "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 "
        "(S5720 V200R011C10SPC500)",
        "huawei-vrp",
        ("5",),
    ),
    ("VMware ESXi 6.7.0 build-14320388 VMware, Inc. x86_64", "vmware-esxi", ("6.7",)),
    (
        "Linux SM-PMDA 2.6.32-573.el6.x86_64 #1 SMP Wed Jul 1 18:23:37 EDT 2015 x86_64",
        "rhel",
        ("6",),
    ),
    ("Linux gw 5.10.0-21-amd64 #1 SMP Debian 5.10.162-1 x86_64", "linux-kernel", ("5.10",)),
]


@pytest.mark.parametrize(("text", "product", "cycles"), CASES)
def test_sys_descr(text: str, product: str, cycles: tuple[str, ...]) -> None:
    found = identify(SoftwareFact("sys_descr", text))
    assert found is not None
    assert (found.product, found.cycles) == (product, cycles)


@pytest.mark.parametrize(
    ("text", "product", "build"),
    [
        (
            "Hardware: x86 Family 6 Model 9 Stepping 5 AT/AT COMPATIBLE - Software: Windows 2000 "
            "Version 5.1 (Build 2600 Uniprocessor Free)",
            "windows",
            "2600",
        ),
        ("Microsoft Windows Server 2003 R2 Standard Edition", "windows-server", "3790"),
        ("Microsoft Windows XP Professional", "windows", "2600"),
        ("Microsoft Windows 10 Pro 10.0.19045", "windows", "19045"),
    ],
)
def test_windows(text: str, product: str, build: str) -> None:
    found = identify(SoftwareFact("windows", text))
    assert found is not None
    assert (found.product, found.build) == (product, build)


def test_os_release() -> None:
    found = identify(SoftwareFact("os_release", "Debian GNU/Linux 11", "debian", "11"))
    assert found is not None and found.product == "debian" and found.cycles == ("11",)
    found = identify(SoftwareFact("os_release", "Red Hat 8.6", "rhel", "8.6"))
    assert found is not None and found.cycles == ("8.6", "8")


@pytest.mark.parametrize(
    "text",
    [
        "ProCurve 516733-B21 6120XG Blade Switch, revision Z.14.31",
        "Arista Networks EOS version 4.20.5F running on an Arista Networks DCS-7150S-52-CL",
        "Palo Alto Networks PA-5000 series firewall",
        "",
    ],
)
def test_unrecognised(text: str) -> None:
    assert identify(SoftwareFact("sys_descr", text)) is None
