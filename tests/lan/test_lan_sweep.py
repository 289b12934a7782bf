"""LAN discovery against a real LAN in network namespaces (22 hosts on a bridge).

The agent runs inside the LAN's `agent` namespace as a subprocess (`ip netns exec`): the
`discover` command, `once` with the lan collector (its sweep in the worker process), and both
again as an unprivileged user (nobody; only CAP_DAC_READ_SEARCH so it can read this Python
under /root — no CAP_NET_RAW) to see the degraded fallback work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from tests.peers.common import agent_command, stop, subprocess_env, wait_until
from tests.peers.netns import Host, LanFactory, NamespaceLan
from tests.peers.snmpsim import snmpsim_binary

SUBNET = "10.81.0.0/24"
DATA = Path(__file__).with_name("data")
# Real OUIs (24-bit, and an MA-S /36 block) and their names in Wireshark's manuf database.
VENDOR_MACS = {
    "00:00:0c:00:00:01": "Cisco Systems, Inc",
    "00:00:0c:00:00:02": "Cisco Systems, Inc",
    "00:1b:c5:00:1a:bc": "OpenRB.com, Direct SIA",
}
HOSTS = 22
UNPRIVILEGED = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]  # fmt: skip
METRIC_LINE = re.compile(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory) -> NamespaceLan:
    lan = make_lan(subnet=SUBNET)
    for mac in VENDOR_MACS:
        lan.add_host(mac=mac)
    lan.add_hosts(HOSTS - len(VENDOR_MACS))
    return lan


def _expected(lan: NamespaceLan) -> set[tuple[str, str]]:
    return {(h.ip, h.mac) for h in lan.hosts.values()}


def _run(lan: NamespaceLan, args: list[str], user: list[str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:  # fmt: skip
    cmd = lan.command(lan.agent.ns, [*(user or []), *args])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=subprocess_env(), check=False)  # fmt: skip


def _discover_lines(stdout: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in stdout.splitlines():
        ip, mac, vendor = line.split(" ", 2)
        rows.append((ip, mac, vendor))
    return rows


def test_discover_lists_exactly_the_live_hosts(lan: NamespaceLan) -> None:
    """What is found, not how fast: the sweep's speed is measured in bench/, not asserted here."""
    result = _run(lan, agent_command("discover", "--interface", "eth0", "--cidr", SUBNET))
    assert result.returncode == 0, result.stderr
    rows = _discover_lines(result.stdout)
    assert {(ip, mac) for ip, mac, _ in rows} == _expected(lan)
    assert len(rows) == HOSTS
    assert [ip for ip, _, _ in rows] == sorted((ip for ip, _, _ in rows), key=IPv4Address)
    vendors = {mac: vendor for _, mac, vendor in rows}
    for mac, vendor in VENDOR_MACS.items():
        assert vendors[mac] == vendor


def test_discover_without_cidr_uses_the_interfaces_subnet(lan: NamespaceLan) -> None:
    result = _run(lan, agent_command("discover", "--interface", "eth0"))
    assert result.returncode == 0, result.stderr
    assert {(ip, mac) for ip, mac, _ in _discover_lines(result.stdout)} == _expected(lan)


def test_discover_rejects_bad_input_clearly(lan: NamespaceLan) -> None:
    bad_cidr = _run(lan, agent_command("discover", "--interface", "eth0", "--cidr", "10.81.0.0/99"))
    assert bad_cidr.returncode == 2 and "is not an IPv4 subnet" in bad_cidr.stderr
    no_such = _run(lan, agent_command("discover", "--interface", "nosuch0"))
    assert no_such.returncode == 2 and "nosuch0" in no_such.stderr
    pinned = _run(lan, agent_command("discover", "--interface", "nosuch0", "--cidr", SUBNET))
    assert pinned.returncode == 1 and "nosuch0" in pinned.stderr
    assert "Traceback" not in pinned.stderr


def test_unprivileged_discover_degrades_says_how_to_fix_and_still_finds_hosts(
    lan: NamespaceLan,
) -> None:
    result = _run(lan, agent_command("discover", "--interface", "eth0"), user=UNPRIVILEGED)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("DEGRADED") == 1
    assert "CAP_NET_RAW" in result.stderr and "setcap cap_net_raw+ep" in result.stderr
    assert {(ip, mac) for ip, mac, _ in _discover_lines(result.stdout)} == _expected(lan)


def test_cap_net_raw_alone_is_enough_as_the_docs_say(lan: NamespaceLan) -> None:
    """nobody with the ambient capability (what AmbientCapabilities=CAP_NET_RAW gives)."""
    with_raw = [
        arg.replace("+dac_read_search", "+dac_read_search,+net_raw") for arg in UNPRIVILEGED
    ]
    result = _run(lan, agent_command("discover", "--interface", "eth0"), user=with_raw)
    assert result.returncode == 0, result.stderr
    assert "DEGRADED" not in result.stderr
    assert {(ip, mac) for ip, mac, _ in _discover_lines(result.stdout)} == _expected(lan)


def _config(tmp_path: Path, name: str, **lan_keys: object) -> Path:
    lan_section = {"enabled": True, "interfaces": ["eth0"], "timeout": "1s", "retries": 0}
    lan_section.update(lan_keys)
    body = {"host": {"enabled": False}, "log": {"format": "text"}, "lan": lan_section}
    path = tmp_path / name
    path.write_text(json.dumps(body))  # JSON is YAML
    return path


def _metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = METRIC_LINE.match(line)
        assert match, line
        name, labels, value = match.groups()
        found.setdefault(name, []).append((dict(LABEL.findall(labels or "")), float(value)))
    return found


def _once(lan: NamespaceLan, config: Path, fmt: str = "prometheus",
          user: list[str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = _run(lan, agent_command("once", "--config", str(config), "--format", fmt), user=user)
    assert result.returncode == 0, result.stderr
    return result


def _host_info(metrics: dict[str, list[tuple[dict[str, str], float]]]) -> set[tuple[str, str]]:
    return {(labels["ip"], labels["mac"]) for labels, _ in metrics["ictinfra_lan_host_info"]}


def test_unprivileged_collector_reports_degraded_once(lan: NamespaceLan, tmp_path: Path) -> None:
    # Runs before a host is removed: the fallback sees what the kernel believes, and a host
    # that left in the last reachable_time (15-45 s) still looks REACHABLE there.
    config = _config(tmp_path, "agent.yaml", state_file=None)
    result = _once(lan, config, user=UNPRIVILEGED)
    metrics = _metrics(result.stdout)
    assert metrics["ictinfra_lan_sweep_degraded"] == [({}, 1.0)]
    assert metrics["ictinfra_lan_sweep_success"] == [({}, 1.0)]
    assert (
        result.stderr.count("DEGRADED") == 1 and "AmbientCapabilities=CAP_NET_RAW" in result.stderr
    )
    assert _host_info(metrics) == _expected(lan)


def test_collector_finds_every_host_and_a_removed_one_disappears(
    lan: NamespaceLan, tmp_path: Path
) -> None:
    leaver: Host = lan.add_host("leaver")
    config = _config(tmp_path, "agent.yaml", state_file=str(tmp_path / "lan.json"))
    metrics = _metrics(_once(lan, config).stdout)
    assert _host_info(metrics) == _expected(lan)
    assert metrics["ictinfra_lan_sweep_success"] == [({}, 1.0)]
    assert metrics["ictinfra_lan_sweep_degraded"] == [({}, 0.0)]
    by_vendor = {labels["vendor"]: value for labels, value in metrics["ictinfra_lan_hosts"]}
    assert by_vendor["Cisco Systems, Inc"] == 2 and sum(by_vendor.values()) == len(lan.hosts)
    assert ({"collector": "lan"}, 1.0) in metrics["ictinfra_collector_success"]

    lan.remove_host(leaver)
    inventory = json.loads(_once(lan, config, fmt="json").stdout)
    hosts = {h["ip"]: h for h in inventory["lan_hosts"]}
    gone = hosts[leaver.ip]
    assert gone["present"] is False and gone["mac"] == leaver.mac
    assert gone["last_seen"] == gone["first_seen"] < hosts[lan.hosts["h1"].ip]["last_seen"]
    assert {(h["ip"], h["mac"]) for h in inventory["lan_hosts"] if h["present"]} == _expected(lan)

    metrics = _metrics(_once(lan, config).stdout)
    assert _host_info(metrics) == _expected(lan)
    assert leaver.ip not in {labels["ip"] for labels, _ in metrics["ictinfra_lan_host_info"]}


def test_in_process_sweep_finds_the_same_hosts(lan: NamespaceLan, tmp_path: Path) -> None:
    config = _config(tmp_path, "agent.yaml", state_file=None, isolate=False)
    metrics = _metrics(_once(lan, config).stdout)
    assert _host_info(metrics) == _expected(lan)
    assert metrics["ictinfra_lan_sweep_success"] == [({}, 1.0)]


@pytest.fixture(scope="module")
def snmp_host(lan: NamespaceLan) -> Iterator[Host]:
    """snmpsim answering on one LAN host for community `lan-switch`."""
    host = lan.add_host("snmp")
    responder = snmpsim_binary()
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    process = lan.popen(host.ns, [responder, f"--data-dir={DATA / 'snmprec'}",
                        f"--agent-udpv4-endpoint={host.ip}:161", "--log-level=error"],
                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip

    def listening() -> bool:
        out = lan.exec(host.ns, ["ss", "-uln"], check=False).stdout
        return f"{host.ip}:161" in out or process.poll() is not None

    wait_until(listening, 30, "snmpsim")
    if process.poll() is not None:
        pytest.fail(f"snmpsim exited: {process.stderr.read() if process.stderr else ''}")
    yield host
    stop(process)
    lan.remove_host(host)


def test_snmp_autodiscovery_offers_hosts_that_answer(
    lan: NamespaceLan, snmp_host: Host, tmp_path: Path
) -> None:
    config = _config(tmp_path, "agent.yaml", state_file=None, snmp_autodiscovery=True,
                     snmp_communities=["wrong-one", "lan-switch"], snmp_timeout="0.5s")  # fmt: skip
    result = _once(lan, config)
    metrics = _metrics(result.stdout)
    candidates = metrics["ictinfra_lan_snmp_candidate_info"]
    assert candidates == [
        ({"interface": "eth0", "ip": snmp_host.ip, "mac": snmp_host.mac,
          "sys_object_id": "1.3.6.1.4.1.9.1.516"}, 1.0)
    ]  # fmt: skip
    assert "lan-switch" not in result.stdout and "lan-switch" not in result.stderr
    inventory = json.loads(_once(lan, config, fmt="json").stdout)
    offered = [h["ip"] for h in inventory["lan_hosts"] if h["snmp_sys_object_id"]]
    assert offered == [snmp_host.ip]
