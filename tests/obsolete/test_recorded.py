"""Recorded devices through the real pipeline: snmpsim -> `ictinfra-agent once --format json` ->
the real collector's inventory endpoint -> seen_devices -> the obsolescence rules, read back with
`ictinfra-collector obsolete` (JSON and CSV) and `GET /api/v1/obsolete` (reader token).

Windows XP and Server 2003 *hosts* (the agent's own host) have no recording: their inventories
are built from what the agent reports on those systems (platform.uname(): release "XP",
"2003Server"; version "5.1.2600", "5.2.3790") and posted through the same endpoint.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.collector.conftest import CASES as COLLECTOR_CASES
from tests.peers.common import collector_command, free_port, stop, subprocess_env, wait_until
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay
from tests.snmp.test_snmp_cases import agent_config, case_name, run_once

pytestmark = pytest.mark.peer
SITE = "00001"
RECORDED = {  # tests/cases/snmp/<case>: what the rules must say about each
    "dcs-3726c",  # Digital China DCS-3726S: 24 x 100 Mbit/s, Fast-Ethernet only
    "cisco-c3560",  # 10G uplink; IOS 12.2(55)SE3
    "hpe-procurve",  # 10G
    "h3c-mfg-date",  # 10G; ENTITY-MIB manufacturing date
    "juniper-mx960",  # Junos 13.3
    "windows-xp-v1",  # Windows XP (build 2600), SNMPv1 only
    "windows-2003",  # Windows Server 2003 (build 3790)
    "arista",  # EOS: no end-of-life data -> unknown
}
AT = "2026-12-01"


def windows_host(hostname: str, release: str, version: str, chassis: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "agent": {"version": "0.1.0", "hostname": hostname},
        "collected_at": time.time(),
        "host": {
            "hostname": hostname,
            "os": {
                "system": "Windows",
                "name": f"Windows {release}",
                "release": release,
                "version": version,
                "machine": "x86",
            },
            "cpu": {"cores_physical": 1, "cores_logical": 2},
            "memory_bytes": 512 * 2**20,
            "dmi": {"chassis_type": chassis, "bios_date": "2004-06-15"},
            "disks": [{"device": "C:", "size_bytes": 40 * 10**9}],
            "nics": [{"name": "eth0", "mac": f"00:11:22:33:44:{len(hostname):02x}"}],
        },
    }


@dataclass
class Pipeline:
    config: Path
    url: str
    reader: str
    site_token: str

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            collector_command(*args, "--config", str(self.config)),
            env=subprocess_env(), capture_output=True, text=True, timeout=120, check=check,
        )  # fmt: skip


@pytest.fixture(scope="module")
def pipeline(
    snmpsim: Snmpsim, relays: list[Relay], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("obsolete")
    agent_yaml = root / "agent.yaml"
    config_data = agent_config(snmpsim, relays, name_of=case_name)
    targets = config_data["snmp"]["targets"]
    config_data["snmp"]["targets"] = [t for t in targets if t["name"] in RECORDED]
    agent_yaml.write_text(yaml.safe_dump(config_data))
    inventory = json.loads(run_once(agent_yaml, "json").stdout)
    inventory["collected_at"] = time.time()
    port = free_port()
    config = root / "collector.yml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\ndatabase_url: sqlite:///{root / 'c.db'}\n"
        f"forward: [{{url: 'http://127.0.0.1:{free_port()}/api/v1/write'}}]\n"
        "obsolete: {metrics_interval: 2s}\n"
    )
    run = Pipeline(config, f"http://127.0.0.1:{port}", "", "")
    run.cli("sites", "import", "--init", str(COLLECTOR_CASES / "sites_good" / "pre2025.csv"))
    run.site_token = run.cli("sites", "token", SITE).stdout.strip().splitlines()[-1]
    run.reader = run.cli("readers", "token", "001").stdout.strip().splitlines()[-1]
    log = (root / "collector.log").open("wb")
    process = subprocess.Popen(
        collector_command("serve", "--config", str(config)),
        env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until(lambda: _ready(run.url), 60, "collector")
        for body in (
            inventory,
            windows_host("xp-desk", "XP", "5.1.2600", "Desktop"),
            windows_host("w2003-srv", "2003Server", "5.2.3790", "Rack Mount Chassis"),
        ):
            answer = httpx.post(
                f"{run.url}/api/v1/inventory", json=body, timeout=60,
                headers={"Authorization": f"Bearer {run.site_token}"},
            )  # fmt: skip
            assert answer.status_code == 200, answer.text
        yield run
    finally:
        stop(process)
        log.close()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def report(pipeline: Pipeline) -> dict[str, Any]:
    result = pipeline.cli("obsolete", "--format", "json", "--at", AT, "--lang", "en")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _rules(data: dict[str, Any], listed: str = "devices") -> dict[str, set[str]]:
    return {d["device"]: {r["rule"] for r in d["reasons"]} for d in data[listed]}


def test_fast_ethernet_only_switch_is_flagged_and_10g_switches_are_not(
    report: dict[str, Any],
) -> None:
    flagged = _rules(report)
    assert "min_port_speed" in flagged["dcs-3726c"]
    (item,) = [d for d in report["devices"] if d["device"] == "dcs-3726c"]
    (reason,) = [r for r in item["reasons"] if r["rule"] == "min_port_speed"]
    assert reason["text"] == (
        "fastest port 100 Mbit/s (Fast Ethernet only), below the 1 Gbit/s floor of a switch"
    )
    assert reason["text_vi"].startswith("cổng nhanh nhất 100 Mbit/s (chỉ Fast Ethernet)")
    assert item["class"] == "switch" and item["site"] == SITE
    for ten_gig in ("cisco-c3560", "hpe-procurve", "h3c-mfg-date"):
        assert "min_port_speed" not in flagged.get(ten_gig, set()), ten_gig


def test_windows_xp_and_server_2003_are_flagged_for_their_os(report: dict[str, Any]) -> None:
    flagged = _rules(report)
    for device in ("windows-xp-v1", "windows-2003", "xp-desk", "w2003-srv"):
        assert "os_eol" in flagged[device], (device, flagged.get(device))
    texts = {
        d["device"]: next(r for r in d["reasons"] if r["rule"] == "os_eol")
        for d in report["devices"]
        if d["device"] in ("windows-xp-v1", "w2003-srv")
    }
    assert texts["windows-xp-v1"]["text"].startswith(
        "Microsoft Windows XP SP3 (build 2600 per sysDescr): out of vendor support from 2014-04-08"
    )
    assert texts["w2003-srv"]["since"] == "2015-07-14"
    assert "Windows Server 2003" in texts["w2003-srv"]["text"]


def test_cisco_ios_12_and_junos_13_are_past_support(report: dict[str, Any]) -> None:
    flagged = _rules(report)
    assert "firmware_eol" in flagged["cisco-c3560"]
    assert "firmware_eol" in flagged["juniper-mx960"]


def test_what_cannot_be_judged_is_listed_not_fine(report: dict[str, Any]) -> None:
    everyone = {d["device"]: d for k in ("devices", "soon_obsolete", "unknown") for d in report[k]}
    arista = everyone["arista"]  # EOS has no end-of-life data here
    assert any(u["rule"] == "firmware_eol" or u["rule"] == "os_eol" for u in arista["unknown"])
    assert report["counts"]["with_unknown"] >= 1


def test_csv_has_a_bom_and_one_row_per_reason(pipeline: Pipeline) -> None:
    text = pipeline.cli("obsolete", "--format", "csv", "--at", AT).stdout
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    fe = [r for r in rows if r["device"] == "dcs-3726c" and r["rule"] == "min_port_speed"]
    assert fe and fe[0]["list"] == "obsolete"
    assert fe[0]["text"].startswith("cổng nhanh nhất")  # vi by default


def test_api_needs_a_reader_token_and_keeps_to_its_scope(pipeline: Pipeline) -> None:
    url = f"{pipeline.url}/api/v1/obsolete"
    assert httpx.get(url, timeout=30).status_code == 401
    site_token = {"Authorization": f"Bearer {pipeline.site_token}"}
    assert httpx.get(url, headers=site_token, timeout=30).status_code == 403
    reader = {"Authorization": f"Bearer {pipeline.reader}"}
    answer = httpx.get(url, params={"lang": "en", "at": AT}, headers=reader, timeout=60)
    assert answer.status_code == 200, answer.text
    assert "min_port_speed" in _rules(answer.json())["dcs-3726c"]
    outside = httpx.get(url, params={"site": "22"}, headers=reader, timeout=30)
    assert outside.status_code == 403
    bad = httpx.get(url, params={"within_months": "abc"}, headers=reader, timeout=30)
    assert bad.status_code == 400 and "within_months" in bad.text


def test_metric_names_each_reason(pipeline: Pipeline) -> None:
    def exported() -> bool:
        text = httpx.get(f"{pipeline.url}/metrics", timeout=30).text
        wanted = 'class="switch",device="dcs-3726c",reason="min_port_speed",site="00001"} 1.0'
        return f"ictinfra_device_obsolete{{{wanted}" in text

    wait_until(exported, 60, "ictinfra_device_obsolete for dcs-3726c")


def test_a_typo_in_a_province_rules_file_is_refused_with_key_and_line(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    province = tmp_path / "hanoi.yaml"
    province.write_text("classes:\n  switch:\n    max_age_yaers: 10\n", encoding="utf-8")
    config = tmp_path / "collector.yml"
    config.write_text(
        pipeline.config.read_text().replace(
            "obsolete: {metrics_interval: 2s}", f"obsolete: {{overrides: {{'01': '{province}'}}}}"
        )
    )
    result = subprocess.run(
        collector_command("obsolete", "--config", str(config)),
        env=subprocess_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{province}: invalid config" in result.stderr
    assert "line 3: classes.switch.max_age_yaers: unknown key" in result.stderr
