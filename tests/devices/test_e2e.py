"""A real `ictinfra-agent run` (its host, two recorded SNMP devices in snmpsim) pushing through a
real `ictinfra-collector serve` (TLS); then the asset register imported with the CLI (a bad file
first: nothing imported), matched to what the agent saw, and listed by `devices` and by
GET /api/v1/devices with a reader token."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.devices.test_pure import CASES
from tests.peers.common import agent_command, collector_command, free_port, wait_until
from tests.peers.prometheus import PrometheusServer
from tests.peers.snmpsim import Snmpsim
from tests.push.process import LineProcess
from tests.push.test_agent_collector_e2e import Collector

pytestmark = pytest.mark.peer


def _cli(collector: Collector, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(collector_command(*args), env=collector.env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def _devices(collector: Collector, *args: str) -> dict[str, dict[str, Any]]:
    done = _cli(collector, "devices", "--site", "00001", *args)
    assert done.returncode == 0, done.stderr
    return {d["device"]: d for d in json.loads(done.stdout)["devices"]}


@pytest.fixture
def pushed(
    tmp_path: Path, prometheus: PrometheusServer, snmpsim: Snmpsim
) -> Iterator[tuple[Collector, dict[str, dict[str, Any]]]]:
    collector = Collector(tmp_path / "collector", prometheus)
    token = collector.cli("sites", "token", "00001").strip().splitlines()[-1]
    (tmp_path / "token").write_text(token + "\n")
    targets = "".join(
        f"    - {{name: {name}, address: '{snmpsim.address}', community: {name}, timeout: 3s}}\n"
        for name in ("cisco-c3560", "printer-hp")
    )
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{free_port()}\n"
        "host:\n  enabled: true\n  interval: 1s\n"
        f"snmp:\n  interval: 60s\n  poll_timeout: 50s\n  targets:\n{targets}"
        f"push:\n  url: {collector.url}\n  token_file: {tmp_path / 'token'}\n"
        f"  ca_file: {collector.tls.ca_file}\n  queue_path: {tmp_path / 'queue'}\n"
        "  interval: 500ms\n  inventory_interval: 2s\n"
    )
    agent = LineProcess(agent_command("run", "--config", str(config)), tmp_path / "agent.log")
    try:
        seen: dict[str, dict[str, Any]] = {}

        def arrived() -> bool:
            seen.update(_devices(collector))
            return {"cisco-c3560", "printer-hp"} <= set(seen)

        wait_until(arrived, 120, "the agent's host and SNMP devices at the collector")
        yield collector, seen
    finally:
        agent.kill()
        collector.process.terminate()
        collector.process.wait(30)


def test_register_matches_what_a_real_agent_saw(
    tmp_path: Path, pushed: tuple[Collector, dict[str, dict[str, Any]]]
) -> None:
    collector, seen = pushed
    [host] = [d for d in seen.values() if d["source"] == "host"]
    assert host["class"] == "server"  # a Debian host without DMI: the evidence says so
    assert "no chassis type" in host["class_evidence"][0]["detail"]
    assert host["macs"], "the agent's host reports its NIC MACs"

    bad = _cli(collector, "assets", "import", str(CASES / "assets_bad.csv"))
    assert bad.returncode == 2
    expected = (CASES / "assets_bad.expected").read_text(encoding="utf-8").splitlines()
    assert [line.strip() for line in bad.stderr.splitlines()[1:]] == expected
    assert _cli(collector, "assets", "export").stdout.splitlines()[1:] == []  # nothing imported

    good = tmp_path / "assets.csv"
    good.write_text(
        "site_code,class,serial,mac,vendor,model,purchase_date\n"
        f"00001,laptop,,{host['macs'][-1].upper()},,,2021-03-15\n"
        "00001,switch,foc1408z61u,,Cisco,WS-C3560G-48TS,2011-02\n"
        "00001,printer,,00:80:77:00:00:99,Brother,HL-L2321D,2019\n",
        encoding="utf-8",
    )
    done = _cli(collector, "assets", "import", str(good))
    assert done.returncode == 0, done.stderr
    listed = _devices(collector)
    mine = listed[host["device"]]
    assert (mine["class"], mine["register_match"]) == ("laptop", "mac")
    assert [e["source"] for e in mine["class_evidence"]] == ["register", "os"]
    assert mine["ages"][0] == {
        "source": "register", "date": "2021-03-15", "lower_bound": False, "upper_bound": False,
        "detail": "purchased 2021-03-15 per the asset register (line 2)",
    }  # fmt: skip
    assert any(s["os_id"] == "debian" for s in mine["software"])
    assert mine["specs"]["memory_bytes"] and mine["specs"]["cpu_cores"]
    switch = listed["cisco-c3560"]
    assert (switch["class"], switch["register_match"]) == ("switch", "chassis_serial")
    assert [a["source"] for a in switch["ages"]] == [
        "register", "serial_date", "model_catalogue", "first_seen",
    ]  # fmt: skip
    assert switch["specs"]["max_port_speed_bits_per_second"] == 1_000_000_000
    assert [e["event"] for e in switch["history"]][:1] == ["appeared"]
    assert listed["printer-hp"]["class"] == "printer"
    unseen = listed["00:80:77:00:00:99"]
    assert (unseen["seen"], unseen["class"], unseen["history"]) == (False, "printer", [])

    exported = _cli(collector, "assets", "export").stdout.splitlines()
    assert exported[1:] == [
        f"00001,laptop,,{host['macs'][-1]},,,2021-03-15",
        "00001,switch,FOC1408Z61U,,Cisco,WS-C3560G-48TS,2011-02",
        "00001,printer,,00:80:77:00:00:99,Brother,HL-L2321D,2019",
    ]
    table = _cli(collector, "devices", "--site", "00001", "--format", "csv").stdout
    assert table.startswith("\ufeffsite,source,device,agent,class,class_evidence")
    assert "chassis_serial" in table

    reader = collector.cli("readers", "token", "01").strip().splitlines()[-1]
    answer = httpx.get(
        f"{collector.url}/api/v1/devices", params={"site": "00001"},
        headers={"Authorization": f"Bearer {reader}"}, verify=collector.tls.context(), timeout=30,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    over_http = {d["device"]: d for d in answer.json()["devices"]}
    assert set(over_http) == set(listed)
    assert over_http["cisco-c3560"]["register"]["serial"] == "FOC1408Z61U"
