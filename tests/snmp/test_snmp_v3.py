"""SNMPv3 (USM) against Debian's snmpd: authPriv with SHA/AES, SHA-256/AES-256 and MD5/DES
works; a wrong key is a clear error (up 0, errors_total{kind="auth"}, one log line), no crash."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.peers.common import agent_command, subprocess_env
from tests.peers.snmpd import Snmpd
from tests.snmp.promtext import parse_samples, value_of

pytestmark = pytest.mark.peer
WRONG_AUTH = "wrong-auth-key-1"
WRONG_PRIV = "wrong-priv-key-1"


def v3_target(snmpd: Snmpd, name: str, user_index: int, **override: str) -> dict[str, Any]:
    user = snmpd.users[user_index]
    target: dict[str, Any] = {
        "name": name,
        "address": snmpd.address,
        "version": 3,
        "user": user.name,
        "auth_protocol": user.auth_protocol,
        "auth_key": user.auth_key,
        "priv_protocol": user.priv_protocol,
        "priv_key": user.priv_key,
        "timeout": "2s",
        "retries": 1,
        "modules": ["system", "if_mib", "host_resources"],
    }
    target.update(override)
    return target


def test_v3_auth_priv(snmpd: Snmpd, tmp_path: Path) -> None:
    targets = [
        v3_target(snmpd, "sha-aes", 0),
        v3_target(snmpd, "sha256-aes256", 1),
        v3_target(snmpd, "md5-des", 2),
        v3_target(snmpd, "wrong-auth", 0, auth_key=WRONG_AUTH),
        v3_target(snmpd, "wrong-priv", 0, priv_key=WRONG_PRIV),
    ]
    config = tmp_path / "agent.yaml"
    config.write_text(yaml.safe_dump({"snmp": {"targets": targets}, "host": {"enabled": False}}))
    result = subprocess.run(
        agent_command("once", "--config", str(config)),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    samples = parse_samples(result.stdout)
    for good in ("sha-aes", "sha256-aes256", "md5-des"):
        assert value_of(samples, "ictinfra_snmp_up", device=good) == 1, result.stderr
        assert value_of(samples, "sysUpTime", device=good), good
        assert value_of(samples, "ifOperStatus", device=good, ifDescr="lo") == 1
    for bad in ("wrong-auth", "wrong-priv"):
        assert value_of(samples, "ictinfra_snmp_up", device=bad) == 0
        assert value_of(samples, "ictinfra_snmp_errors_total", device=bad, kind="auth") == 1
        lines = [line for line in result.stderr.splitlines() if f"SNMP device {bad} " in line]
        assert len(lines) == 1, result.stderr
        assert "auth" in lines[0]
    everything = result.stdout + result.stderr
    for user in snmpd.users:
        assert user.auth_key not in everything
        assert user.priv_key not in everything
    assert WRONG_AUTH not in everything
    assert WRONG_PRIV not in everything
