"""The rules file: strict keys with lines, the shipped default, province and site overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agent.errors import ConfigError
from collector.obsolete import load_rules


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_default_has_every_counted_class() -> None:
    rules = load_rules(None)
    assert rules.version == "ictinfra-default-2026"
    assert rules.for_class("pc").max_age_years == 5
    assert rules.for_class("switch").min_port_speed == 10**9
    assert rules.for_class("pc").min_memory == 4 * 2**30
    # every life is shipped unverified, with its source named
    for name in ("pc", "laptop", "server", "switch", "router", "printer", "ups"):
        assert rules.for_class(name).max_age_source
        assert rules.for_class(name).max_age_verified is False


def test_typo_is_rejected_with_key_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "province.yaml",
        "classes:\n  switch:\n    max_age_years: 10\n    min_port_sped: 1Gbit/s\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(None, province=path)
    assert caught.value.source == str(path)
    assert caught.value.problems == [
        "line 4: classes.switch.min_port_sped: unknown key; did you mean `min_port_speed`?"
    ]


def test_bad_values_name_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules.yaml",
        "support_end: eol\nclasses:\n  pc:\n    min_memory: lots\n"
        "  tablet:\n    max_age_years: 3\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    problems = caught.value.problems
    assert any(p.startswith("line 4: classes.pc.min_memory:") for p in problems), problems
    assert "line 5: classes.tablet: unknown key" in problems, problems


def test_province_then_site_override(tmp_path: Path) -> None:
    province = write(
        tmp_path,
        "hanoi.yaml",
        "classes:\n  switch:\n    max_age_years: 10\n    max_age_source: QĐ 12/UBND\n"
        "eol_overrides:\n  - {product: cisco-ios, cycle: '15.2', eol: 2027-10-31, source: x}\n",
    )
    site = write(
        tmp_path,
        "site.yaml",
        "classes:\n  switch:\n    min_port_speed: 100Mbit/s\n"
        "eol_overrides:\n  - {product: junos, cycle: '99.1', eol: null, source: y}\n",
    )
    rules = load_rules(None, province=province, site=site)
    switch = rules.for_class("switch")
    assert (switch.max_age_years, switch.max_age_source) == (10, "QĐ 12/UBND")
    assert switch.min_port_speed == 100 * 10**6  # the site's value
    assert rules.for_class("pc").max_age_years == 5  # untouched: the shipped default
    assert [(o.product, o.eol) for o in rules.eol_overrides] == [
        ("cisco-ios", dt.date(2027, 10, 31)),
        ("junos", None),
    ]
    assert rules.sources[1:] == [str(province), str(site)]


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, "bad.yaml", "classes: [\n"))
    assert "not valid YAML" in caught.value.problems[0]
    with pytest.raises(ConfigError) as missing:
        load_rules(tmp_path / "absent.yaml")
    assert "cannot read" in missing.value.problems[0]


def test_class_table_covers_every_device_class() -> None:
    from collector.devices.model import DEVICE_CLASSES
    from collector.obsolete.rules import ClassTable

    assert tuple(ClassTable.model_fields) == DEVICE_CLASSES
