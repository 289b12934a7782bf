"""The collector's bookkeeping with a scripted sweeper: what disappears from the metrics, what
the inventory keeps, what is said once. (The real sweeps are in test_lan_sweep.py.)"""

from __future__ import annotations

import asyncio
import logging
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from agent.collectors.lan.collector import LanCollector
from agent.collectors.lan.job import FoundHost, SubnetResult, SweepOptions, SweepReport
from agent.collectors.lan.subnets import Subnet
from agent.config.lan import LanConfig
from agent.model import Collection
from agent.validation import validate
from agent.wire.inventory import LanHost

SUBNET = Subnet("eth0", IPv4Network("192.168.5.0/24"), IPv4Address("192.168.5.1"))
A = FoundHost("192.168.5.10", "00:00:0c:00:00:0a", "eth0", "Cisco Systems, Inc")
B = FoundHost("192.168.5.11", "3c:52:82:00:00:0b", "eth0", None)


class ScriptedSweeper:
    def __init__(self, reports: list[SweepReport]) -> None:
        self.reports = reports
        self.options: list[SweepOptions] = []

    async def __call__(self, subnets: list[Subnet], options: SweepOptions) -> SweepReport:
        self.options.append(options)
        return self.reports.pop(0)


def _report(*hosts: FoundHost, degraded: bool = False) -> SweepReport:
    result = SubnetResult("eth0", SUBNET.label, 0.5, success=True, hosts=len(hosts))
    return SweepReport(list(hosts), [result], degraded)


def _samples(collection: Collection, name: str) -> dict[tuple[str, ...], float]:
    family = next(f for f in collection.families if f.name == name)
    return dict(family.samples)


def _collect(collector: LanCollector) -> Collection:
    return asyncio.run(collector.collect())


def _collector(tmp_path: Path, reports: list[SweepReport], **config: object) -> LanCollector:
    now = iter([1000.0, 2000.0, 3000.0])
    settings = validate(
        LanConfig, {"enabled": True, "state_file": str(tmp_path / "lan.json"), **config}
    )
    return LanCollector(settings, sweeper=ScriptedSweeper(reports),
                        subnets=lambda: ([SUBNET], []), clock=lambda: next(now))  # fmt: skip


def test_a_gone_host_leaves_the_metrics_but_keeps_its_last_seen(tmp_path: Path) -> None:
    collector = _collector(tmp_path, [_report(A, B), _report(A)])
    first = _collect(collector)
    assert set(_samples(first, "ictinfra_lan_host_info")) == {
        ("eth0", A.ip, A.mac, "Cisco Systems, Inc"),
        ("eth0", B.ip, B.mac, ""),
    }
    assert _samples(first, "ictinfra_lan_hosts") == {
        ("eth0", ""): 1,
        ("eth0", "Cisco Systems, Inc"): 1,
    }
    second = _collect(collector)
    assert set(_samples(second, "ictinfra_lan_host_info")) == {("eth0", A.ip, A.mac, A.vendor)}
    assert second.inventory is not None
    hosts = {h["ip"]: validate(LanHost, h) for h in second.inventory["lan_hosts"]}
    assert hosts[A.ip].first_seen == 1000.0 and hosts[A.ip].last_seen == 2000.0
    assert hosts[A.ip].present is True
    assert hosts[B.ip].last_seen == 1000.0 and hosts[B.ip].present is False
    assert _samples(second, "ictinfra_lan_sweep_success") == {(): 1}
    assert _samples(second, "ictinfra_lan_sweep_degraded") == {(): 0}


def test_first_seen_survives_a_restart(tmp_path: Path) -> None:
    _collect(_collector(tmp_path, [_report(A)]))
    restarted = _collector(tmp_path, [_report(A)])
    restarted._clock = lambda: 5000.0
    collection = _collect(restarted)
    assert collection.inventory is not None
    (host,) = collection.inventory["lan_hosts"]
    assert (host["first_seen"], host["last_seen"]) == (1000.0, 5000.0)


def test_unreadable_state_starts_empty(tmp_path: Path) -> None:
    (tmp_path / "lan.json").write_text("{not json")
    collection = _collect(_collector(tmp_path, [_report(A)]))
    assert collection.inventory is not None and len(collection.inventory["lan_hosts"]) == 1


def test_degraded_is_said_once_in_the_log_and_every_time_in_the_metric(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    collector = _collector(tmp_path, [_report(A, degraded=True), _report(A, degraded=True)])
    with caplog.at_level(logging.WARNING):
        first = _collect(collector)
        second = _collect(collector)
    said = [r for r in caplog.records if "DEGRADED" in r.getMessage()]
    assert len(said) == 1
    assert "CAP_NET_RAW" in said[0].getMessage() and "setcap" in said[0].getMessage()
    assert _samples(first, "ictinfra_lan_sweep_degraded") == {(): 1}
    assert _samples(second, "ictinfra_lan_sweep_degraded") == {(): 1}


def test_communities_reach_the_sweep_but_never_the_output(tmp_path: Path) -> None:
    sweeper_reports = [_report(FoundHost(A.ip, A.mac, "eth0", None, "1.3.6.1.4.1.9.1.1", 0))]
    collector = _collector(tmp_path, sweeper_reports, snmp_autodiscovery=True,
                           snmp_communities=["s3cret-community"])  # fmt: skip
    collection = _collect(collector)
    assert _samples(collection, "ictinfra_lan_snmp_candidate_info") == {
        ("eth0", A.ip, A.mac, "1.3.6.1.4.1.9.1.1"): 1
    }
    assert "s3cret" not in repr(collection) and "s3cret" not in (tmp_path / "lan.json").read_text()
