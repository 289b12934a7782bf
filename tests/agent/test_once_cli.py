"""`ictinfra-agent once` end to end: real process, output checked by promtool / the wire model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from collector.wire import inventory as validate_inventory
from tests.peers.common import agent_command, subprocess_env
from tests.peers.promtool import assert_promtool_accepts

CONFIG = "host:\n  enabled: true\n"  # whatever collectors the checkout has, with no SNMP targets


def once(tmp_path: Path, fmt: str) -> str:
    config = tmp_path / "agent.yaml"
    config.write_text(CONFIG)
    done = subprocess.run(
        agent_command("once", "--config", str(config), "--format", fmt),
        env=subprocess_env(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_once_prometheus_passes_promtool(tmp_path: Path) -> None:
    text = once(tmp_path, "prometheus")
    assert 'ictinfra_agent_build_info{version="' in text
    assert_promtool_accepts(text)


def test_once_json_is_a_valid_inventory(tmp_path: Path) -> None:
    inventory = validate_inventory(json.loads(once(tmp_path, "json")))
    assert inventory.schema_version == 1 and inventory.agent.hostname
