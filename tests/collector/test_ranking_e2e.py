"""The ranking end to end: sites with truth known by hand, pushed through the collector into a
real Prometheus, ranked by the real `rank` command; every figure checked against the hand sums."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request
from collector.app import build_app
from collector.config import CollectorConfig
from collector.devices.register import AssetRegister, parse_assets_csv
from collector.sites_csv import parse_sites_csv
from collector.store import open_store
from tests.collector import ranking_sites as fx
from tests.peers.common import collector_command, subprocess_env
from tests.peers.prometheus import PrometheusServer, start_prometheus

pytestmark = pytest.mark.peer
ZONE = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Ranked:
    config: Path
    period: str
    tmp: Path
    first: dict[str, Any] | None = None  # the first run's JSON, shared by the tests that read it

    def rank(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            collector_command("rank", "--config", str(self.config), *args),
            env=subprocess_env(), capture_output=True, timeout=120, check=False,
        )  # fmt: skip

    def result(self) -> dict[str, Any]:
        if self.first is None:
            self.first = self.json()
        return self.first

    def json(self, period: str | None = None) -> dict[str, Any]:
        done = self.rank("--period", period or self.period, "--format", "json")
        assert done.returncode == 0, done.stderr.decode()
        body: dict[str, Any] = json.loads(done.stdout)
        return body


@pytest.fixture(scope="module")
def private_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    server = start_prometheus(tmp_path_factory.mktemp("ranking-prometheus"))
    yield server
    server.close()


def _push(client: TestClient, token: str, series: list[Any]) -> None:
    headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
    answer = client.post("/api/v1/write", content=encode_write_request(series), headers=headers)
    assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def ranked(
    tmp_path_factory: pytest.TempPathFactory, private_prometheus: PrometheusServer
) -> Ranked:
    tmp = tmp_path_factory.mktemp("ranking")
    database = f"sqlite:///{tmp / 'collector.db'}"
    store = open_store(database, init=True)
    store.registry.import_units(parse_sites_csv(fx.SITES_CSV), "sites.csv")
    sites = {"RK", "RK01", "RK02", "RK03"}
    AssetRegister(store.engine).replace(parse_assets_csv(fx.ASSETS_CSV, sites))
    end = time.time() // 3600 * 3600 - 3600  # a whole hour, within the out-of-order window
    start = end - fx.STEPS * 300
    config = CollectorConfig.model_validate(
        {"database_url": database, "forward": [{"url": private_prometheus.write_url}]}
    )
    tokens = {site: store.registry.issue_token(site) for site in sites - {"RK"}}
    with TestClient(build_app(config, store)) as client:
        for office in fx.OFFICES:
            _push(client, tokens[office.site], fx.series_of(office, start))
            inventory = fx.inventory_of(office, start + 3600)
            headers = {"Authorization": f"Bearer {tokens[office.site]}"}
            answer = client.post("/api/v1/inventory", json=inventory, headers=headers)
            assert answer.status_code == 200, answer.text
    store.close()
    path = tmp / "collector.yml"
    path.write_text(
        f"database_url: {database}\nprometheus_url: {private_prometheus.url}\n", encoding="utf-8"
    )
    iso = [dt.datetime.fromtimestamp(t, ZONE).isoformat() for t in (start, end)]
    return Ranked(path, f"{iso[0]}..{iso[1]}", tmp)


def _units(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["code"]: unit for unit in body["units"]}


# (numerator, denominator, score) per indicator, summed by hand from ranking_sites.py
RK01 = {
    # pcs :01-:03, laptop :04 (rk01-a's sweep), rk01-b's host, pcs :02:01-:02 = 7 of 20 staff
    "computers_per_staff": (7, 20, 7.0),
    # only rk01-a is online (rk01-b: internet in 100 of 120 steps, 83 %): its 4 computers
    "computers_online": (4, 7, 11.4286),
    # rk01-a's test 100 Mbit/s + rk01-b's uplink 20 Mbit/s (estimated): 6 per staff, the best
    "bandwidth_per_staff": (120, 20, 40.0),
    "wan_connected": (2, 2, 50.0),
    # rk01-b has no managed switch
    "lan_standard": (1, 2, 15.0),
    # 7 computers, the printer, rk01-a's server (rk01-b saw it too: one device); :06 unknown.
    # The PC :03 bought in 2012 is past its life
    "equipment_in_life": (8, 9, 26.6667),
    "server_capacity": (1, 1, 10.0),  # rk01-a: CPU 50 %, memory 50 %
}
RK02 = {
    "computers_per_staff": (5, 10, 10.0),
    "computers_online": (5, 5, 20.0),
    "bandwidth_per_staff": (50, 10, 33.3333),  # 5 per staff against RK01's 6
    "wan_connected": (0, 1, 0.0),  # WAN in 110 of 120 steps: 91.7 % < 95 %
    "lan_standard": (1, 1, 30.0),  # gateway in 119 of 120 steps: 99.2 % >= 99 %
    "equipment_in_life": (5, 6, 25.0),  # rk02-a runs Debian 12: past vendor support
    "server_capacity": (0, 0, 10.0),  # no server: full points, flagged
}
RK = {  # RK01 + RK02; RK03 (40 % coverage) left out
    "computers_per_staff": (12, 30, 8.0),
    "computers_online": (9, 12, 15.0),
    "bandwidth_per_staff": (170, 30, 40.0),  # the only province: the best of its level
    "wan_connected": (2, 3, 33.3333),
    "lan_standard": (2, 3, 20.0),
    "equipment_in_life": (13, 15, 26.0),
    "server_capacity": (1, 1, 10.0),
}


def _check(unit: dict[str, Any], expected: dict[str, tuple[float, float, float]]) -> None:
    for ident, (a, b, score) in expected.items():
        got = unit["indicators"][ident]
        assert (got["numerator"], got["denominator"], got["score"]) == pytest.approx(
            (a, b, score), abs=1e-4
        ), ident


def test_every_figure_equals_the_hand_computed_one(ranked: Ranked) -> None:
    body = ranked.result()
    units = _units(body)
    assert body["methodology"]["id"] == "ictinfra-default-2026"
    assert body["steps"] == fx.STEPS
    _check(units["RK01"], RK01)
    _check(units["RK02"], RK02)
    _check(units["RK"], RK)
    assert units["RK01"]["total"] == pytest.approx(160.0953, abs=1e-4)
    assert units["RK02"]["total"] == pytest.approx(128.3333, abs=1e-4)
    assert units["RK"]["total"] == pytest.approx(152.3333, abs=1e-4)
    assert (units["RK01"]["rank"], units["RK02"]["rank"], units["RK"]["rank"]) == (1, 2, 1)
    assert "no_server" in units["RK02"]["flags"]
    assert "capacity_estimated" in units["RK01"]["flags"]
    evidence = units["RK01"]["indicators"]["computers_online"]["evidence"]
    assert sorted(e["device"] for e in evidence) == [
        "02:c1:00:00:01:01", "02:c1:00:00:01:02", "02:c1:00:00:01:03", "02:c1:00:00:01:04",
    ]  # fmt: skip


def test_a_site_with_40_percent_coverage_is_not_ranked_and_the_province_names_it(
    ranked: Ranked,
) -> None:
    units = _units(ranked.result())
    assert units["RK03"]["coverage"] == pytest.approx(0.4)
    assert units["RK03"]["rank"] is None and units["RK03"]["total"] is None
    assert "insufficient_data" in units["RK03"]["flags"]
    assert units["RK"]["excluded_children"] == ["RK03"]
    assert units["RK"]["coverage"] == pytest.approx((1 + 1 + 0.4) / 3)


def test_ranking_twice_gives_the_same_sha256_and_result(ranked: Ranked) -> None:
    first, second = ranked.json(), ranked.json()
    assert first["snapshot"]["id"] != second["snapshot"]["id"]  # both runs stored
    assert first["methodology"]["sha256"] == second["methodology"]["sha256"]
    assert first["snapshot"]["result_sha256"] == second["snapshot"]["result_sha256"]
    first.pop("snapshot"), second.pop("snapshot")
    assert first == second


def test_csv_has_a_bom_and_vietnamese_headers_and_xlsx_one_sheet_per_level(ranked: Ranked) -> None:
    from openpyxl import load_workbook

    done = ranked.rank("--period", ranked.period, "--format", "csv")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\xef\xbb\xbf")
    header = done.stdout.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Mã đơn vị,Tên đơn vị,Cấp")
    assert "Mạng LAN đạt chuẩn kỹ thuật (điểm)" in header
    out = ranked.tmp / "rank.xlsx"
    done = ranked.rank("--period", ranked.period, "--format", "xlsx", "--out", str(out))
    assert done.returncode == 0, done.stderr.decode()
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert {"province", "commune", "Bằng chứng", "Phân bố"} <= set(book.sheetnames)
    assert [row[0] for row in book["commune"].iter_rows(min_row=2, values_only=True)] == [
        "RK01", "RK02", "RK03",
    ]  # fmt: skip
    evidence = [row for row in book["Bằng chứng"].iter_rows(min_row=2, values_only=True)]
    assert ("RK01", "server_capacity", "rk01-a", "server") in [row[:4] for row in evidence]
    assert book["Phân bố"]._charts  # the distribution chart


def test_a_period_without_data_says_so_and_exits_non_zero(ranked: Ranked) -> None:
    done = ranked.rank("--period", "2019-03", "--format", "json")
    assert done.returncode == 1
    assert b"no agent reported in 2019-03" in done.stderr
    done = ranked.rank("--period", "2019-13", "--format", "json")
    assert done.returncode == 2
    assert b"month 13 does not exist" in done.stderr


@pytest.fixture(scope="module")
def api(ranked: Ranked, private_prometheus: PrometheusServer) -> Iterator[TestClient]:
    database = f"sqlite:///{ranked.tmp / 'collector.db'}"
    store = open_store(database)
    config = CollectorConfig.model_validate(
        {"database_url": database, "prometheus_url": private_prometheus.url,
         "forward": [{"url": private_prometheus.write_url}]}
    )  # fmt: skip
    with TestClient(build_app(config, store)) as client:
        yield client
    store.close()


def _reader(api: TestClient, unit: str) -> dict[str, str]:
    from collector.readers import issue_reader_token

    store = api.app.state.collector.store  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {issue_reader_token(store, unit)}"}


def test_indicators_endpoint_shows_a_reader_its_unit_and_below_only(
    ranked: Ranked, api: TestClient
) -> None:
    params = {"period": ranked.period}
    province = api.get("/api/v1/indicators", params=params, headers=_reader(api, "RK"))
    assert province.status_code == 200, province.text
    assert sorted(u["code"] for u in province.json()["units"]) == ["RK", "RK01", "RK02", "RK03"]
    assert _units(province.json())["RK01"]["total"] == pytest.approx(160.0953, abs=1e-4)
    commune = api.get("/api/v1/indicators", params=params, headers=_reader(api, "RK02"))
    assert [u["code"] for u in commune.json()["units"]] == ["RK02"]
    store = api.app.state.collector.store  # type: ignore[attr-defined]
    site = {"Authorization": f"Bearer {store.registry.issue_token('RK02')}"}
    assert api.get("/api/v1/indicators", params=params, headers=site).status_code == 403
    assert api.get("/api/v1/indicators", params=params).status_code == 401
    bad = api.get("/api/v1/indicators", params={"period": "2026-Q7"}, headers=_reader(api, "RK"))
    assert bad.status_code == 400 and "is not a period" in bad.text
    long = api.get(
        "/api/v1/indicators",
        params={"period": "2001-01-01..2026-01-01"},
        headers=_reader(api, "RK"),
    )
    assert long.status_code == 400 and "longer than 400 days" in long.text
    empty = api.get("/api/v1/indicators", params={"period": "2019"}, headers=_reader(api, "RK"))
    assert empty.status_code == 404 and "no agent reported" in empty.text


def test_scores_of_the_latest_ranking_are_metrics(ranked: Ranked, api: TestClient) -> None:
    from tests.peers.promtool import assert_promtool_accepts

    ranked.result()
    text = api.get("/metrics").text
    assert (
        'ictinfra_ranking_score{indicator="lan_standard",level="commune",unit="RK01"} 15.0' in text
    )
    assert 'ictinfra_ranking_total_score{level="province",unit="RK"} 152.3333' in text
    assert 'ictinfra_ranking_total_score{level="commune",unit="RK03"}' not in text  # not scored
    assert 'ictinfra_ranking_coverage_ratio{level="commune",unit="RK03"} 0.4' in text
    assert_promtool_accepts(text)
