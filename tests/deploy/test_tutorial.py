"""docs/tutorial.md works as written: its `sh` blocks, in order, in one shell, with the real
Prometheus, collector and agent.

The shell runs in the checkout (the tutorial's `REPO="$PWD"`), with `HOME` in a temporary
directory (so `~/ictinfra-tutorial` is made there) and in a network namespace of its own
(`unshare --net`, loopback up): the tutorial's fixed ports 9090, 9581 and 9580 are then free
whatever else runs on this machine, and nothing it starts can reach past its own loopback.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.peers.common import REPO, require_binary, require_root

pytestmark = [pytest.mark.peer, pytest.mark.netns, pytest.mark.timeout(300)]

TUTORIAL = REPO / "docs" / "tutorial.md"
SKIP = "<!-- tutorial-test: skip"
FENCE = re.compile(r"^```sh\n(.*?)^```$", re.M | re.S)


def shell_blocks(text: str) -> list[str]:
    """Every ```sh block, in order, but those whose preceding line is the skip marker."""
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if not before.startswith(SKIP):
            blocks.append(match.group(1))
    return blocks


def test_blocks_are_found_in_order() -> None:
    blocks = shell_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert not any("setup.sh" in b or "systemctl" in b for b in blocks)  # the skipped steps
    assert blocks[0].startswith('REPO="$PWD"')
    assert "sites import" in blocks[3] and "kill" in blocks[-1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_the_tutorial_works_word_for_word(tmp_path: Path) -> None:
    require_root()
    for binary in ("unshare", "ip", "prometheus", "curl", "jq"):
        require_binary(binary)
    script = tmp_path / "tutorial.sh"
    blocks = shell_blocks(TUTORIAL.read_text(encoding="utf-8"))
    script.write_text("set -euo pipefail\n" + "\n".join(blocks), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    command = ["unshare", "--net", "--", "bash", "-c", 'ip link set lo up && exec bash "$0"']
    process = subprocess.Popen(
        [*command, str(script)], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    work = home / "ictinfra-tutorial"
    try:
        output, _ = process.communicate(timeout=240)
        leftover = _left_running(work)
    finally:
        _stop_group(process)
    logs = "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in work.glob("*.log")
    )
    assert process.returncode == 0, f"{output}\n{logs}"
    assert '"site":"99001"' in output and '"province":"99"' in output, output
    assert "Prometheus is ready" in output and "agent is running" in output
    assert "serving on http://127.0.0.1:9581" in (work / "collector.log").read_text()
    assert leftover == [], "the Stop step left a process running"


def _left_running(work: Path) -> list[int]:
    """The pids the tutorial saved that are still alive 30 s after its `kill`."""
    pids = [int(path.read_text()) for path in work.glob("*.pid")]
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if _alive(pid)]


def _stop_group(process: subprocess.Popen[str]) -> None:
    """Whatever the script left (a failed run's background jobs): the whole group, SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
