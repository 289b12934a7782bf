"""Debian's net-snmp `snmpd` for SNMPv3 (USM authPriv), on a loopback port, once per session."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.peers.common import free_port, peer_unavailable, require_binary, stop, wait_until


@dataclass(frozen=True)
class V3User:
    name: str
    auth_protocol: str  # our config's spelling
    auth_key: str
    priv_protocol: str
    priv_key: str


USERS = (
    V3User("v3sha", "SHA", "authpass123", "AES", "privpass123"),
    V3User("v3sha256", "SHA256", "authpass256x", "AES256", "privpass256x"),
    V3User("v3md5", "MD5", "authpassmd5", "DES", "privpassdes"),
)
_NET_SNMP_NAMES = {
    "SHA": "SHA",
    "SHA256": "SHA-256",
    "MD5": "MD5",
    "AES": "AES",
    "AES256": "AES-256",
    "DES": "DES",
}


@dataclass(frozen=True)
class Snmpd:
    port: int
    users: tuple[V3User, ...]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _config(port: int) -> str:
    lines = [
        f"agentAddress udp:127.0.0.1:{port}",
        "sysLocation ictinfra test rack",
        "sysContact ops@example.invalid",
    ]
    for user in USERS:
        auth, priv = _NET_SNMP_NAMES[user.auth_protocol], _NET_SNMP_NAMES[user.priv_protocol]
        lines.append(f'createUser {user.name} {auth} "{user.auth_key}" {priv} "{user.priv_key}"')
        lines.append(f"rouser {user.name} priv")
    return "\n".join(lines) + "\n"


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag, len(body)]) + body


def _discovery_probe() -> bytes:
    """An SNMPv3 engine-discovery GET (no user); snmpd answers it with a Report."""
    integer = lambda n: _tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))  # noqa: E731
    header = _tlv(0x30, integer(4242) + integer(1500) + _tlv(0x04, b"\x04") + integer(3))
    usm = _tlv(0x04, _tlv(0x30, _tlv(0x04, b"") + integer(0) + integer(0) + _tlv(0x04, b"") * 3))
    pdu = _tlv(0xA0, integer(4243) + integer(0) + integer(0) + _tlv(0x30, b""))
    scoped = _tlv(0x30, _tlv(0x04, b"") + _tlv(0x04, b"") + pdu)
    return _tlv(0x30, integer(3) + header + usm + scoped)


def _udp_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(_discovery_probe(), ("127.0.0.1", port))
        try:
            return bool(sock.recv(65535))
        except OSError:
            return False


@pytest.fixture(scope="session")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpd]:
    binary = require_binary("snmpd")
    root = tmp_path_factory.mktemp("snmpd")
    port = free_port(socket.SOCK_DGRAM)
    config = root / "snmpd.conf"
    config.write_text(_config(port))
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(root / "persist"), MIBS="")
    process = subprocess.Popen(
        [
            binary,
            "-f",
            "-C",
            "-c",
            str(config),
            "-Lf",
            str(root / "snmpd.log"),
            "-p",
            str(root / "pid"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: process.poll() is not None or _udp_answers(port), 20, "snmpd")
    except TimeoutError:
        stop(process)
        raise
    if process.poll() is not None:
        peer_unavailable(
            f"snmpd exited with {process.returncode}: {(root / 'snmpd.log').read_text()[-500:]}"
        )
    try:
        yield Snmpd(port, USERS)
    finally:
        stop(process)
