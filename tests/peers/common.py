"""Shared helpers for peer fixtures: free ports, waiting, and never skipping silently in CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from deploy.demo.processes import find_binary, free_port, stop, tcp_open, wait_until

__all__ = ["find_binary", "free_port", "stop", "tcp_open", "wait_until"]

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def peer_unavailable(reason: str) -> None:
    """In CI a missing peer is a failure; on a developer's machine, a skip that says why."""
    if IN_CI:
        pytest.fail(f"peer unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str, install_hint: str = "see deploy/setup.sh") -> str:
    path = find_binary(name)
    if path is None:
        peer_unavailable(f"{name} is not installed ({install_hint})")
    assert path is not None
    return path


def require_root() -> None:
    if os.geteuid() != 0:
        peer_unavailable("needs root (network namespaces)")


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
