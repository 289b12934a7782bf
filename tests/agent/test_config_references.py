"""Keys naming something defined elsewhere: `check-config`, `once` and `run` refuse the same file,
with every broken reference and its line, all at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.config import load_config
from agent.errors import ConfigError
from tests.peers.common import agent_command, subprocess_env

BROKEN = """\
host:
  enabled: false
snmp:
  targets:
    - name: core
      address: 127.0.0.1:9
      community: hunter2-community
bandwidth:
  enabled: true
  uplink:
    device: coer
  speedtest:
    enabled: true
  lan_facts:
    enabled: true
    switches:
      - core
      - access-2
"""

EXPECTED = [
    "line 11: bandwidth.uplink.device: no snmp target named 'coer' (targets: core)",
    "line 13: bandwidth.speedtest.enabled: needs `url` or a `push:` section",
    "line 13: bandwidth.speedtest.enabled: needs `token_file` or a `push:` section",
    "line 18: bandwidth.lan_facts.switches[1]: no snmp target named 'access-2' (targets: core)",
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_broken_reference_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BROKEN))
    assert info.value.problems == EXPECTED


def test_references_that_resolve_load(tmp_path: Path) -> None:
    fixed = BROKEN.replace("device: coer", "device: core").replace("      - access-2\n", "")
    fixed += "  speedtest:\n    enabled: true\n    url: https://collector.example/speed\n"
    fixed += "    token_file: /etc/ictinfra/token\n"
    fixed = fixed.replace("  speedtest:\n    enabled: true\n  lan_facts", "  lan_facts", 1)
    config = load_config(write(tmp_path, fixed))
    assert config.bandwidth.uplink is not None and config.bandwidth.uplink.device == "core"


def test_a_speedtest_is_not_checked_while_bandwidth_is_off(tmp_path: Path) -> None:
    text = BROKEN.replace("device: coer", "device: core").replace("      - access-2\n", "")
    config = load_config(write(tmp_path, text.replace("  enabled: true\n  uplink", "  uplink")))
    assert not config.bandwidth.enabled


@pytest.mark.parametrize("command", ["check-config", "once"])
def test_check_config_and_once_refuse_the_same_file_alike(tmp_path: Path, command: str) -> None:
    path = str(write(tmp_path, BROKEN))
    args = [command, path] if command == "check-config" else [command, "--config", path]
    done = subprocess.run(
        agent_command(*args), capture_output=True, text=True, env=subprocess_env(), timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert [line.strip() for line in done.stderr.splitlines()[1:]] == EXPECTED
    assert "hunter2-community" not in done.stderr + done.stdout
