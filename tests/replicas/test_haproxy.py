"""The HAProxy peer in front of real collector replicas: health checks see a dead replica, and
no request is refused meanwhile (a refused connection is retried on another replica)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.peers.common import wait_until
from tests.peers.haproxy import start_haproxy
from tests.replicas.harness import ReplicaSet

SITES = "code,name,level,parent_code,staff,offices\n22,Tỉnh Quảng Ninh,province,,10,1\n"

pytestmark = pytest.mark.peer


@pytest.fixture
def two_replicas(tmp_path: Path) -> Iterator[ReplicaSet]:
    replicas = ReplicaSet(tmp_path, f"sqlite:///{tmp_path / 'collector.db'}",
                          [{"url": "http://127.0.0.1:9/api/v1/write"}], count=2)  # fmt: skip
    (tmp_path / "sites.csv").write_text(SITES, encoding="utf-8")
    replicas.cli("sites", "import", "--init", str(tmp_path / "sites.csv"))
    replicas.start_all()
    try:
        replicas.wait_healthy()
        yield replicas
    finally:
        replicas.stop_all()


def test_a_killed_replica_is_marked_down_and_no_request_fails(
    two_replicas: ReplicaSet, tmp_path: Path
) -> None:
    proxy = start_haproxy(two_replicas.addresses, tmp_path / "haproxy")
    try:
        proxy.wait_up(2)
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            assert [client.get("/readyz").status_code for _ in range(4)] == [200] * 4
            two_replicas.kill(0)
            # before the health check notices: the refused connection goes to the other one
            assert [client.get("/readyz").status_code for _ in range(6)] == [200] * 6
            wait_until(lambda: proxy.server_states()["r0"].startswith("DOWN"), 30, "r0 down")
            assert proxy.server_states()["r1"] == "UP"
    finally:
        proxy.stop()
