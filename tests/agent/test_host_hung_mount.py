"""A real hung mount (FUSE with a daemon that never answers, in a private mount namespace):
the host collector's cycle stays bounded, reports the mount, and recovers when it answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers.common import peer_unavailable, require_binary, require_root, subprocess_env

pytestmark = pytest.mark.peer
CHILD = Path(__file__).with_name("host_hung_fuse.py")


def test_a_really_hung_fuse_mount_does_not_stall_the_cycle(tmp_path: Path) -> None:
    require_root()
    unshare = require_binary("unshare")
    if not os.path.exists("/dev/fuse"):
        peer_unavailable("no /dev/fuse")
    target = str(tmp_path / "hung")
    # A private mount namespace (the hung mount is invisible to everything else on the
    # machine) and a PID namespace, so that /proc/1/mounts is that namespace's view.
    namespace = [unshare, "-m", "--propagation", "private", "-p", "-f", "--mount-proc"]
    result = subprocess.run(
        [*namespace, sys.executable, str(CHILD), target],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    first, second = seen["hung"]
    assert first["seconds"] < 5 and first["node_filesystem_device_error"] == 1
    assert first["ictinfra_host_filesystem_stuck"] == 1 and first["root_size"] > 0
    assert second["seconds"] < 0.5, "a known-stuck mount must not be waited for again"
    assert second["ictinfra_host_filesystem_stuck"] == 1
    after = seen["after"]  # answered (ENOTCONN): no longer stuck, still an error
    assert after["ictinfra_host_filesystem_stuck"] == 0
    assert after["node_filesystem_device_error"] == 1
    assert "node_filesystem_size_bytes" not in after and after["root_size"] > 0
