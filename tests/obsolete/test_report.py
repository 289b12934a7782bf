"""The contract's JSON and the CSV, from verdicts built by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io

from collector.obsolete import load_rules
from collector.obsolete.engine import split
from collector.obsolete.report import CSV_COLUMNS, format_csv, report
from tests.obsolete.devices import GIGABIT, device, made

AT = dt.date(2026, 12, 1)
CONTRACT = {"site", "device", "class", "vendor", "model", "serial", "mac", "age_years",
            "age_evidence", "reasons", "since"}  # fmt: skip


def _data(lang: str) -> dict[str, object]:
    devices = [
        device("old", ages=made(dt.date(2009, 3, 2)), specs=GIGABIT, vendor="Cisco"),
        device("soon", ages=made(dt.date(2019, 3, 15)), specs=GIGABIT),
        device("blind", specs=GIGABIT),
    ]
    return report(split(devices, load_rules(None), AT, 12), {"version": "v"}, AT, lang)


def test_json_keeps_the_contract_and_both_languages() -> None:
    data = _data("en")
    assert [d["device"] for d in data["devices"]] == ["old"]  # type: ignore[index]
    (old,) = data["devices"]  # type: ignore[misc]
    assert set(old) >= CONTRACT
    reason = old["reasons"][0]
    assert {"rule", "text"} <= set(reason)
    assert reason["text"] == reason["text_en"] != reason["text_vi"]
    assert old["since"] == "2017-03-02" and old["age_years"] == 17.7
    assert old["age_evidence"]["source"] == "entity_mfg_date"
    assert [d["device"] for d in data["soon_obsolete"]] == ["soon"]  # type: ignore[index]
    assert data["soon_obsolete"][0]["since"] == "2027-03-15"  # type: ignore[index]
    assert [d["device"] for d in data["unknown"]] == ["blind"]  # type: ignore[index]
    assert data["counts"] == {  # type: ignore[comparison-overlap]
        "devices": 3, "obsolete": 1, "soon_obsolete": 1, "with_unknown": 3,  # no software: all
    }  # fmt: skip


def test_csv_one_row_per_reason_in_the_chosen_language() -> None:
    text = format_csv(_data("vi"))
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    lists = [(r[0], r[2], r[10]) for r in rows[1:]]
    assert ("obsolete", "old", "max_age") in lists
    assert ("soon_obsolete", "soon", "max_age") in lists
    assert ("unknown", "blind", "max_age") in lists
    (old,) = [r for r in rows[1:] if r[2] == "old"]
    assert old[11].startswith("sản xuất 03/2009 theo ENTITY-MIB: 17,7 năm")
