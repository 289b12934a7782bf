"""Starting and stopping local peer processes: free ports, waiting, snmpsim on loopback.

Shared by the demo (`python -m deploy.demo`) and the test fixtures (`tests/peers/`), so the demo
never imports the tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_free(port: int, kind: int = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout}s")


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def find_binary(name: str) -> str | None:
    """The interpreter's own bin directory first (the venv's console scripts, e.g. snmpsim), then
    PATH, then the system directories a bare PATH may lack."""
    beside = Path(sys.executable).with_name(name)
    candidates = [str(beside), shutil.which(name), f"/usr/bin/{name}", f"/usr/sbin/{name}"]
    return next((p for p in candidates if p and os.access(p, os.X_OK)), None)


def snmp_answers(port: int, community: str, host: str = "127.0.0.1") -> bool:
    """A hand-made SNMPv2c GET of sysUpTime.0; True when any reply comes back."""
    oid = bytes([0x06, 0x08, 0x2B, 6, 1, 2, 1, 1, 3, 0])
    varbind = _tlv(0x30, oid + b"\x05\x00")
    pdu = _tlv(0xA0, b"\x02\x01\x01\x02\x01\x00\x02\x01\x00" + _tlv(0x30, varbind))
    message = _tlv(0x30, b"\x02\x01\x01" + _tlv(0x04, community.encode()) + pdu)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(message, (host, port))
        try:
            return bool(sock.recv(65535))
        except OSError:
            return False


def _tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


def snmpsim_command(
    binary: str, data_dir: Path, cache_dir: Path, port: int, port6: int | None = None
) -> list[str]:
    return [
        binary,
        f"--data-dir={data_dir}",
        f"--cache-dir={cache_dir}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        *([f"--agent-udpv6-endpoint=[::1]:{port6}"] if port6 else []),
        "--log-level=error",
    ]


def spawn_snmpsim(  # noqa: PLR0917 (the command's parts, in its order)
    binary: str,
    data_dir: Path,
    cache_dir: Path,
    port: int,
    community: str,
    port6: int | None = None,
) -> subprocess.Popen[bytes]:
    """snmpsim serving every `<community>.snmprec` in `data_dir`; waits until `community`
    answers (or the process exits: the caller checks `poll()`)."""
    process = subprocess.Popen(
        snmpsim_command(binary, data_dir, cache_dir, port, port6),
        env=dict(os.environ, SNMPSIM_ALLOW_ROOT="true"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: process.poll() is not None or snmp_answers(port, community), 60, "snmpsim"
        )
    except TimeoutError:
        stop(process)
        raise
    return process
