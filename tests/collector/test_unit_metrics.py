"""`ictinfra_unit_civil_servants` on the collector's /metrics: the register's staff per unit in
force, labelled by every level at or above it, following a re-import (SQLite and PostgreSQL)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from collector.app import build_app
from collector.config import CollectorConfig
from collector.sites_csv import parse_sites_csv
from collector.store import Store
from tests.collector.conftest import load_sites

HEADER = "code,name,level,parent_code,staff,offices,valid_from,valid_to\n"


def _staff(store: Store) -> dict[str, tuple[dict[str, str], float]]:
    config = CollectorConfig.model_validate({"database_url": str(store.engine.url)})
    with TestClient(build_app(config, store)) as client:
        text = client.get("/metrics").text
    return {  # an empty label is an absent one to Prometheus
        sample.labels["unit"]: ({k: v for k, v in sample.labels.items() if v}, sample.value)
        for family in text_string_to_metric_families(text)
        if family.name == "ictinfra_unit_civil_servants"
        for sample in family.samples
    }


def _import(store: Store, rows: str) -> None:
    store.registry.import_units(parse_sites_csv(HEADER + rows), "test.csv")


def test_each_unit_has_its_staff_and_its_place(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    staff = _staff(store)
    assert len(staff) == 7
    labels, value = staff["06655"]
    assert value == 30
    assert labels == {"unit": "06655", "level": "commune", "province": "22", "district": "193",
                      "commune": "06655"}  # fmt: skip
    assert staff["01"] == ({"unit": "01", "level": "province", "province": "01"}, 1200)
    province_22 = sum(v for lab, v in staff.values() if lab.get("province") == "22")
    assert province_22 == 900 + 250 + 30


def test_a_reimport_shows_at_the_next_scrape(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    assert _staff(store)["00004"][1] == 22
    _import(store, "00004,Phường Trúc Bạch,commune,001,40,1,,\n")
    assert _staff(store)["00004"][1] == 40


def test_units_without_staff_or_out_of_force_have_no_series(store: Store) -> None:
    _import(
        store,
        "22,Tỉnh Quảng Ninh,province,,900,30,,\n"
        "193,Thành phố Hạ Long,district,22,,10,,2025-06-30\n"
        "06655,Phường Hồng Gai,commune,193,30,1,,\n"
        "06656,Phường Mới,commune,22,12,1,2099-01-01,\n",
    )
    staff = _staff(store)
    assert sorted(staff) == ["06655", "22"]
    assert staff["06655"][0]["district"] == "193"  # a past unit still names its place
