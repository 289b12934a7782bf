"""The optional port fingerprint on a namespace LAN: real listeners on a "printer" (9100) and a
"Windows PC" (135, 445, 3389), a host with nothing open; `ictinfra-agent once` in the agent's
namespace reports each host's open ports, and the collector's classifier names the classes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.validation import validate
from agent.wire.inventory import LanHost
from collector.devices.classify import classify_lan
from tests.peers.common import agent_command, subprocess_env
from tests.peers.netns import Host, LanFactory, NamespaceLan

SUBNET = "10.83.0.0/24"
PROBED = [22, 135, 445, 554, 3389, 9100]
LISTENER = """
import socket, sys, time
sockets = []
for port in map(int, sys.argv[1:]):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    sockets.append(s)
print("ready", flush=True)
time.sleep(3600)
"""


def _listen(lan: NamespaceLan, host: Host, *ports: int) -> None:
    process = lan.popen(
        host.ns, [sys.executable, "-c", LISTENER, *map(str, ports)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory) -> NamespaceLan:
    lan = make_lan(subnet=SUBNET)
    _listen(lan, lan.add_host("printer", mac="00:80:77:00:00:09"), 9100)
    _listen(lan, lan.add_host("pc"), 135, 445, 3389)
    lan.add_host("quiet")
    return lan


def _once(lan: NamespaceLan, tmp_path: Path, fingerprint: dict[str, Any]) -> dict[str, LanHost]:
    body = {"host": {"enabled": False}, "log": {"format": "text"},
            "lan": {"enabled": True, "interfaces": ["eth0"], "timeout": "1s", "retries": 0,
                    "state_file": None, "fingerprint": fingerprint}}  # fmt: skip
    config = tmp_path / "agent.yaml"
    config.write_text(json.dumps(body))
    command = lan.command(lan.agent.ns, agent_command("once", "--config", str(config),
                                                      "--format", "json"))  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env=subprocess_env(), check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    hosts = [validate(LanHost, h) for h in json.loads(done.stdout)["lan_hosts"]]
    return {h.ip: h for h in hosts}


def test_open_ports_are_reported_and_classified(lan: NamespaceLan, tmp_path: Path) -> None:
    hosts = _once(lan, tmp_path, {"enabled": True, "ports": PROBED, "timeout": "1s"})
    printer, pc, quiet = (hosts[lan.hosts[name].ip] for name in ("printer", "pc", "quiet"))
    assert printer.open_ports == [9100]
    assert pc.open_ports == [135, 445, 3389]
    assert quiet.open_ports == []
    assert classify_lan(printer)[0] == "printer"
    device_class, evidence = classify_lan(pc)
    assert device_class == "pc" and evidence[0].source == "ports"
    assert "3389" in evidence[0].detail
    assert classify_lan(quiet)[0] == "unknown"


def test_the_fingerprint_is_off_by_default(lan: NamespaceLan, tmp_path: Path) -> None:
    hosts = _once(lan, tmp_path, {})
    assert {h.open_ports for h in hosts.values()} == {None}
    assert len(hosts) == 3


@pytest.mark.parametrize(
    ("fingerprint", "message"),
    [({"enabeld": True}, "Unexpected keyword argument"),
     ({"ports": [9100, 9100]}, "a port is listed twice"),
     ({"ports": [0]}, "greater than or equal to 1"),
     ({"ports": []}, "at least 1 item")],
)  # fmt: skip
def test_fingerprint_config_is_strict(fingerprint: dict[str, Any], message: str) -> None:
    from pydantic import ValidationError

    from agent.config.lan import LanConfig

    with pytest.raises(ValidationError, match=message):
        validate(LanConfig, {"fingerprint": fingerprint})
    assert LanConfig().fingerprint.enabled is False
