"""The README's first command end to end: `deploy/demo/run.sh` twice (the second run restarts
the same demo), then `stop`: a ranking and an obsolete list printed, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from deploy.demo import province
from deploy.demo.state import strays
from tests.peers.common import REPO, find_binary, require_binary

pytestmark = [pytest.mark.peer, pytest.mark.timeout(1200)]


def demo(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ICTINFRA_DEMO_DIR=str(state))
    return subprocess.run([str(REPO / "deploy/demo/run.sh"), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip


def namespaces() -> str:
    ip = find_binary("ip")
    if ip is None:
        return ""
    return subprocess.run([ip, "netns", "list"], capture_output=True, text=True, check=False).stdout


def test_the_demo_ranks_the_province_lists_obsolete_equipment_and_stop_leaves_nothing(
    tmp_path: Path,
) -> None:
    require_binary("prometheus")
    require_binary("snmpsim-command-responder")
    state = tmp_path / "demo"
    try:
        first = demo(state, "--steps", "1")
        assert first.returncode == 0, first.stderr[-3000:]
        second = demo(state, "--steps", "1")
        assert second.returncode == 0, second.stderr[-3000:]
        assert "stopping it first" in second.stderr
        running = json.loads((state / "state.json").read_text())
        assert len(running["pids"]) == 3 + len(province.COMMUNES)  # one set, not two
        made = running["namespaces"]
        assert all(ns in namespaces() for ns in made)
    finally:
        stopped = demo(state, "stop")
    out = second.stdout
    assert "== Obsolete equipment on" in out and "over the 8-year life of a switch" in out
    assert "== Ranking" in out
    assert "[Cisco WS-C3560G-48TS-E]" in out and "ciscoSystems" not in out  # one vendor spelling
    assert "__" not in out  # no endoflife.date placeholder (__CODENAME__)
    for commune in province.COMMUNES:
        assert f"{commune.code} {commune.name} (commune)" in out
    assert " 100%  " in out  # every commune reported in every step: coverage above the floor
    assert "web page" in out and "user demo-province" in out
    assert "ranking XLSX" in out and (state / "ranking.xlsx").stat().st_size > 0
    assert len(out.splitlines()) < 80, "a summary, not raw exposition"
    assert stopped.returncode == 0, stopped.stderr
    assert strays(state.resolve()) == []
    saved = json.loads((state / "state.json").read_text())
    assert saved["pids"] == {} and saved["namespaces"] == []
    assert not [ns for ns in made if ns in namespaces()]
