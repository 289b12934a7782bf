"""The README's first command ends in `python -m deploy.demo`: it must print a measured site."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.peers.common import REPO, subprocess_env

pytestmark = pytest.mark.peer


def test_demo_prints_what_the_agent_measured() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deploy.demo"],
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert 'ifHCInOctets{device="core-switch"' in result.stdout
    assert 'ictinfra_snmp_up{device="office-printer"} 1' in result.stdout
    assert "# devices (inventory):" in result.stdout
    assert "Juniper Networks" in result.stdout
