"""One human spelling per maker, whichever source (IANA, DMI, OUI, the register) spelt it."""

from __future__ import annotations

import pytest

from collector.devices.vendors import human


@pytest.mark.parametrize(
    ("reported", "name"),
    [
        ("ciscoSystems", "Cisco"),  # IANA
        ("Cisco Systems, Inc", "Cisco"),  # IEEE OUI
        ("cisco", "Cisco"),  # the register
        ("Hewlett Packard Enterprise", "HPE"),
        ("HP Inc.", "HP"),
        ("LENOVO", "Lenovo"),  # DMI
        ("Dell Inc.", "Dell"),
        ("HUAWEI TECHNOLOGIES CO.,LTD", "Huawei"),
        ("Sichuan Tianyi Comheart Telecom Co.,LTD", "Sichuan Tianyi Comheart Telecom"),
        ("Acme Networks, Inc.", "Acme Networks"),
        ("  ", None),
        (None, None),
    ],
)
def test_human_spelling(reported: str | None, name: str | None) -> None:
    assert human(reported) == name
