"""deploy/systemd/: both units pass `systemd-analyze verify` without a warning, are sandboxed, and
keep their `systemd-analyze security --offline=yes` exposure within what docs/deploy.md reports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers.common import REPO, require_binary

UNITS = REPO / "deploy" / "systemd"
#: unit -> (the exposure docs/deploy.md reports, lines the unit must have)
EXPECTED: dict[str, tuple[float, tuple[str, ...]]] = {
    "ictinfra-agent": (1.7, (
        "CapabilityBoundingSet=CAP_NET_RAW",
        "AmbientCapabilities=CAP_NET_RAW",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET",
        "ProtectHome=read-only",
        "ExecReload=/bin/kill -HUP $MAINPID",
    )),
    "ictinfra-collector": (1.1, (
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "ProtectHome=yes",
        "PrivateUsers=yes",
    )),
}  # fmt: skip
COMMON = (
    "User=ictinfra",
    "StateDirectory=ictinfra",
    "UMask=0077",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "NoNewPrivileges=yes",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "Restart=on-failure",
)


def unit_copy(name: str, tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here (verify checks it)."""
    text = (UNITS / f"{name}.service").read_text(encoding="utf-8")
    installed = f"/opt/ictinfra/bin/{name}"
    assert installed in text
    copy = tmp_path / f"{name}.service"
    copy.write_text(text.replace(installed, sys.executable), encoding="utf-8")
    return copy


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = require_binary("systemd-analyze")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, check=False)


def exposure(unit: Path) -> float:
    done = analyze("security", "--offline=yes", str(unit))
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout + done.stderr)
    assert match, done.stdout + done.stderr
    return float(match.group(1))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unit_verifies_without_any_warning(name: str, tmp_path: Path) -> None:
    done = analyze("verify", "--man=no", str(unit_copy(name, tmp_path)))
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_verify_would_catch_a_misspelt_key(tmp_path: Path) -> None:
    unit = unit_copy("ictinfra-agent", tmp_path)
    unit.write_text(unit.read_text().replace("ProtectSystem=", "ProtectSystm="))
    assert "Unknown key" in analyze("verify", "--man=no", str(unit)).stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unit_is_sandboxed_as_documented(name: str, tmp_path: Path) -> None:
    reported, lines = EXPECTED[name]
    text = (UNITS / f"{name}.service").read_text(encoding="utf-8")
    for line in (*COMMON, *lines):
        assert f"\n{line}\n" in text, line
    assert exposure(unit_copy(name, tmp_path)) <= reported  # "OK" is below 4.9; 10 = unprotected
    assert f"{name}.service` | {reported}" in (REPO / "docs" / "deploy.md").read_text("utf-8")
