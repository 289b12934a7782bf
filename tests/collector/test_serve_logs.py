"""What a real `ictinfra-collector serve` logs: a quiet start (no alembic set-up lines when no
migration runs, no `uvicorn.error` name) and refusals that name the client's address."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.peers.collector import spawn_serve, start_collector
from tests.peers.common import wait_until

SITES = "code,name,level,parent_code,staff,offices\n22,Tỉnh Quảng Ninh,province,,10,1\n"


def test_a_restart_logs_no_alembic_line_and_a_refusal_names_the_client(tmp_path: Path) -> None:
    (tmp_path / "sites.csv").write_text(SITES, encoding="utf-8")
    first = start_collector(tmp_path / "c", [{"url": "http://127.0.0.1:9/api/v1/write"}],
                            tmp_path / "sites.csv", log_level="info")  # fmt: skip
    first.stop()
    log = tmp_path / "restart.log"
    first.process = spawn_serve(first.config, log)  # the store is at head: nothing to migrate
    first.log = log
    try:
        wait_until(first.healthy, 60, "collector")
        refused = httpx.post(f"{first.url}/api/v1/write", content=b"x",
                             headers={"Authorization": "Bearer nope"}, timeout=30)  # fmt: skip
        assert refused.status_code == 401
        wait_until(lambda: "refused" in log.read_text(), 30, "the refusal's log line")
    finally:
        first.stop()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    names = {line["logger"] for line in lines}
    assert not any(str(name).startswith(("alembic", "uvicorn.error")) for name in names), names
    refusal = next(line for line in lines if "refused" in line["msg"])
    assert "from 127.0.0.1:" in refusal["msg"]
    assert str(refusal.get("client", "")).startswith("127.0.0.1:"), refusal
