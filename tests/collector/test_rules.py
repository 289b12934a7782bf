"""The collector's alert rules pass promtool's unit tests; its /metrics passes promtool's lint."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request
from collector.app import build_app
from collector.config import CollectorConfig
from collector.store import open_store
from tests.collector.conftest import load_sites
from tests.peers.common import REPO, free_port, require_binary

PROMETHEUS = REPO / "deploy" / "prometheus"


def _promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *args],
        input=stdin, capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip


@pytest.mark.peer
def test_alert_rules_pass_promtool_unit_tests() -> None:
    checked = _promtool("check", "rules", str(PROMETHEUS / "rules" / "collector.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", str(PROMETHEUS / "tests" / "collector.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr


@pytest.mark.peer
def test_self_metrics_are_lint_clean_and_survive_a_restart(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'c.db'}"
    store = open_store(database, init=True)
    load_sites(store, "pre2025.csv")
    token = store.registry.issue_token("00001")
    dead = f"http://127.0.0.1:{free_port()}/api/v1/write"
    config = CollectorConfig.model_validate({"database_url": database, "forward": [{"url": dead}]})
    body = encode_write_request([({"__name__": "up"}, [(int(time.time() * 1000), 1.0)])])
    headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
    with TestClient(build_app(config, store)) as client:
        assert client.post("/api/v1/write", content=body, headers=headers).status_code == 503
        text = client.get("/metrics").text
    linted = _promtool("check", "metrics", stdin=text)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    with TestClient(build_app(config, store)) as restarted:
        text = restarted.get("/metrics").text
    assert 'ictinfra_collector_site_last_seen_timestamp_seconds{site="00001"}' in text
    store.close()
