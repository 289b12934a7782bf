"""Shared helpers for peer fixtures: free ports, waiting, and never skipping silently in CI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def peer_unavailable(reason: str) -> None:
    """In CI a missing peer is a failure; on a developer's machine, a skip that says why."""
    if IN_CI:
        pytest.fail(f"peer unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def find_binary(name: str) -> str | None:
    """The one lookup for every peer program: the test interpreter's own bin directory first (the
    venv's console scripts, e.g. snmpsim, which deploy/check.sh never puts on PATH), then PATH,
    then the system directories a bare PATH may lack."""
    beside = Path(sys.executable).with_name(name)
    candidates = [str(beside), shutil.which(name), f"/usr/bin/{name}", f"/usr/sbin/{name}"]
    return next((p for p in candidates if p and os.access(p, os.X_OK)), None)


def require_binary(name: str, install_hint: str = "see deploy/setup.sh") -> str:
    path = find_binary(name)
    if path is None:
        peer_unavailable(f"{name} is not installed ({install_hint})")
    assert path is not None
    return path


def require_root() -> None:
    if os.geteuid() != 0:
        peer_unavailable("needs root (network namespaces)")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


def agent_command(*args: str) -> list[str]:
    """The agent CLI as a subprocess, from this checkout (works without an editable install)."""
    return [sys.executable, "-m", "agent", *args]


def collector_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "collector", *args]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env
