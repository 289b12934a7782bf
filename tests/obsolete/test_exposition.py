"""The obsolete list's series on /metrics: today's reasons with the day each began, and the
devices that turn obsolete within the soon window with the day they do."""

from __future__ import annotations

import datetime as dt

from prometheus_client.core import GaugeMetricFamily

from collector.obsolete import load_rules
from collector.obsolete.engine import split
from collector.obsolete.exposition import ObsoleteSeries
from tests.obsolete.devices import GIGABIT, device, made, sys_descr

AT = dt.date(2026, 12, 1)
IOS_12 = sys_descr("Cisco IOS Software, C3560 Software (C3560-IPSERVICESK9-M), Version 12.2(55)SE3")


def _midnight(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def _samples(families: list[GaugeMetricFamily]) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {f.name: [(s.labels, s.value) for s in f.samples] for f in families}


def _devices() -> list[object]:
    return [
        device("old", ages=made(dt.date(2010, 1, 1)), software=IOS_12, specs=GIGABIT),
        device("march", ages=made(dt.date(2019, 3, 15), "register"), specs=GIGABIT),
        device("later", ages=made(dt.date(2022, 1, 1)), specs=GIGABIT),
    ]


def test_each_reason_with_its_day_and_evidence_and_the_soon_list() -> None:
    judged = split(_devices(), load_rules(None), AT, 12)  # type: ignore[arg-type]
    found = _samples(ObsoleteSeries.of(judged, 100).families())
    assert sorted(labels["reason"] for labels, _ in found["ictinfra_device_obsolete"]) == [
        "firmware_eol",
        "max_age",
    ]
    since = {labels["reason"]: (labels, value) for labels, value in
             found["ictinfra_device_obsolete_since_timestamp_seconds"]}  # fmt: skip
    age_labels, age_day = since["max_age"]
    assert age_labels["device"] == "old" and age_labels["evidence"] == "entity_mfg_date"
    assert age_day == _midnight(dt.date(2018, 1, 1))  # made 2010 + the switch's 8 years
    assert since["firmware_eol"][0]["evidence"].startswith("https://")  # the EoL data's source
    assert since["firmware_eol"][0]["verified"] == "false"
    (soon_labels, soon_day), *rest = found["ictinfra_device_obsolete_soon_timestamp_seconds"]
    assert not rest  # "later" ages out in 2030, outside the window
    assert soon_labels == {
        "site": "S1",
        "device": "march",
        "class": "switch",
        "reason": "max_age",
        "evidence": "register",
        "verified": "false",
    }
    assert soon_day == _midnight(dt.date(2027, 3, 15))


def test_the_cap_keeps_the_obsolete_ones_first() -> None:
    judged = split(_devices(), load_rules(None), AT, 12)  # type: ignore[arg-type]
    capped = ObsoleteSeries.of(judged, 4)  # 2 obsolete reasons are 4 series, 1 soon is 1
    assert capped.total == 5
    found = _samples(capped.families())
    assert len(found["ictinfra_device_obsolete"]) == 2
    assert found["ictinfra_device_obsolete_soon_timestamp_seconds"] == []
    assert sum(map(len, found.values())) <= 4  # the cap counts every family's series
