"""deploy/systemd/ictinfra-agent.service: `systemd-analyze verify` and its security score."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.peers.common import REPO, require_binary

UNIT = REPO / "deploy" / "systemd" / "ictinfra-agent.service"
INSTALLED_PATH = "/opt/ictinfra/bin/ictinfra-agent"


def unit_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here (verify checks it)."""
    text = UNIT.read_text()
    assert INSTALLED_PATH in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(INSTALLED_PATH, sys.executable))
    return copy


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = require_binary("systemd-analyze")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, check=False)


def test_unit_verifies_without_any_warning(tmp_path: Path) -> None:
    done = analyze("verify", "--man=no", str(unit_copy(tmp_path)))
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_verify_would_catch_a_misspelt_key(tmp_path: Path) -> None:
    unit = unit_copy(tmp_path)
    unit.write_text(unit.read_text().replace("ProtectSystem=", "ProtectSystm="))
    assert "Unknown key" in analyze("verify", "--man=no", str(unit)).stderr


def test_unit_is_sandboxed(tmp_path: Path) -> None:
    text = UNIT.read_text()
    for line in (
        "User=ictinfra",
        "StateDirectory=ictinfra",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=CAP_NET_RAW",
        "AmbientCapabilities=CAP_NET_RAW",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
    ):
        assert f"\n{line}\n" in text, line
    done = analyze("security", "--offline=yes", str(unit_copy(tmp_path)))
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout + done.stderr)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 3.0  # "OK" on systemd's scale (10 = unprotected)
