"""Three collector replicas on one real PostgreSQL, behind a real HAProxy, forwarding to a real
Prometheus and a real VictoriaMetrics (with `-dedup.minScrapeInterval`, as docs/collector.md
says a replicated centre must run it).

- started at the same moment with `serve --init` on an empty database, they migrate once;
- a token revoked on one replica (or in the database) is refused by every replica from the next
  request on (no replica caches tokens);
- agents push through HAProxy while one replica is killed with SIGKILL and another restarted:
  every sample is in both TSDBs exactly once (`count_over_time` per series = cycles sent). The
  replica is killed while it holds a write both TSDBs already took (Prometheus's answer is held
  back by a relay): the agent's batch leaves its queue only on a 2xx, which replica 0 never sent,
  so samples the TSDBs already hold are sent again in every run (by HAProxy on another replica,
  or by the agent after a 502). HAProxy marks the dead replica down, and no request through it
  fails meanwhile (a refused connection is retried on another replica);
- a write resent after a replica died before answering (the receivers already hold it) counts
  once in both TSDBs; VictoriaMetrics without the dedup flag would count it twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from agent.wire.remote_write import WRITE_HEADERS, build_write_request, compress
from collector.store import open_store
from collector.store.db import normalise_url
from tests.peers.common import wait_until
from tests.peers.haproxy import HAProxy, start_haproxy
from tests.peers.postgres import PostgresServer
from tests.peers.prometheus import PrometheusServer
from tests.peers.victoriametrics import VictoriaMetricsServer
from tests.replicas.harness import ReplicaSet
from tests.replicas.holding_relay import HoldingRelay
from tests.replicas.pushers import METRIC, Pusher, make_pusher
from tests.replicas.test_migrations import check_one_run

pytestmark = pytest.mark.peer

AGENTS = ("00004", "06655", "00007")
SITES = (
    "code,name,level,parent_code,staff,offices\n"
    "01,Thành phố Hà Nội,province,,1200,40\n"
    "00004,Phường Ba Đình,commune,01,60,2\n"
    "00007,Phường Ngọc Hà,commune,01,50,2\n"
    "22,Tỉnh Quảng Ninh,province,,900,30\n"
    "06655,Phường Hồng Gai,commune,22,45,1\n"
)
SERIES, CYCLES, INTERVAL = 40, 30, 0.25


@dataclass
class Centre:
    replicas: ReplicaSet
    proxy: HAProxy
    prometheus: PrometheusServer
    victoriametrics: VictoriaMetricsServer
    database_url: str
    relay: HoldingRelay  # replica 0's way to Prometheus

    def token(self, site: str) -> str:
        """A new token, issued in this process (a CLI run costs seconds on a loaded machine)."""
        store = open_store(self.database_url, migrate=False)
        try:
            return store.registry.issue_token(site)
        finally:
            store.close()


@pytest.fixture(scope="module")
def centre(
    postgres: PostgresServer,
    prometheus: PrometheusServer,
    victoriametrics_dedup: VictoriaMetricsServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Centre]:
    root = tmp_path_factory.mktemp("replicas")
    url = postgres.database_url()
    victoria = {"url": victoriametrics_dedup.write_url, "name": "victoria"}
    relay = HoldingRelay(prometheus.write_url)
    direct = [{"url": prometheus.write_url, "name": "prometheus"}, victoria]
    held = [{"url": relay.url, "name": "prometheus"}, victoria]
    replicas = ReplicaSet(root, url, direct, forward_for={0: held})
    replicas.start_all("--init")  # all three at once, on an empty database
    proxy: HAProxy | None = None
    try:
        replicas.wait_healthy()
        (root / "sites.csv").write_text(SITES, encoding="utf-8")
        replicas.cli("sites", "import", str(root / "sites.csv"))
        proxy = start_haproxy(replicas.addresses, root / "haproxy")
        proxy.wait_up(3)
        yield Centre(replicas, proxy, prometheus, victoriametrics_dedup, url, relay)
    finally:
        if proxy is not None:
            proxy.stop()
        replicas.stop_all()
        relay.close()


def write(url: str, token: str, body: bytes) -> int:
    headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
    return httpx.post(f"{url}/api/v1/write", content=body, headers=headers, timeout=60).status_code


def one_sample(test_id: str, timestamp_ms: int) -> bytes:
    labels = {"__name__": METRIC, "test": test_id, "agent": "x", "n": "0"}
    return compress(build_write_request([(labels, [(timestamp_ms, 1.0)])]).SerializeToString())


def test_replicas_started_together_ran_each_migration_once(centre: Centre) -> None:
    check_one_run(centre.replicas.logs())


def test_a_token_revoked_on_one_replica_is_refused_by_every_replica(centre: Centre) -> None:
    body = one_sample(uuid.uuid4().hex, int(time.time() * 1000))
    urls = [replica.url for replica in centre.replicas.replicas]
    by_cli, by_sql = centre.token("00004"), centre.token("06655")
    assert [write(url, token, body) for url in urls for token in (by_cli, by_sql)] == [204] * 6
    centre.replicas.cli("sites", "revoke", "00004", replica=1)
    assert [write(url, by_cli, body) for url in urls] == [401] * 3
    engine = create_engine(normalise_url(centre.database_url))
    with engine.begin() as connection:  # as an operator would, by hand
        connection.execute(
            text("UPDATE tokens SET revoked_at = :now WHERE site_code = '06655'"),
            {"now": time.time()},
        )
    engine.dispose()
    assert [write(url, by_sql, body) for url in urls] == [401] * 3
    assert write(centre.proxy.url, by_sql, body) == 401


def start_agents(centre: Centre, root: Path, test_id: str, start_ms: int) -> list[Pusher]:
    pushers = [
        make_pusher(root / site, centre.proxy.url, site, centre.token(site), test_id,
                    SERIES, CYCLES, start_ms, INTERVAL)
        for site in AGENTS
    ]  # fmt: skip
    for pusher in pushers:
        pusher.thread.start()
    return pushers


def counts(server: PrometheusServer | VictoriaMetricsServer, test_id: str) -> dict[str, int]:
    """Samples per series of the test, over the last two hours: {"SITE/N": count}."""
    result = server.query(f'count_over_time({METRIC}{{test="{test_id}"}}[2h])', at=time.time())
    return {f"{r['metric']['agent']}/{r['metric']['n']}": int(float(r["value"][1])) for r in result}


def wait_for_samples(
    server: PrometheusServer | VictoriaMetricsServer, test_id: str, total: int
) -> None:
    """VictoriaMetrics indexes new series a moment after it accepts them."""
    wait_until(lambda: sum(counts(server, test_id).values()) >= total, 60, f"{total} samples")


def check_failover(proxy: HAProxy) -> None:
    """Before and after HAProxy's health check sees replica 0 dead, every request is answered
    (a refused connection is retried on another replica); then it is marked down."""
    with httpx.Client(base_url=proxy.url, timeout=30) as client:
        assert [client.get("/readyz").status_code for _ in range(6)] == [200] * 6
        wait_until(lambda: proxy.server_states()["r0"].startswith("DOWN"), 30, "r0 down")
        assert [client.get("/readyz").status_code for _ in range(3)] == [200] * 3


def test_agents_lose_nothing_and_duplicate_nothing_while_replicas_die(
    centre: Centre, tmp_path: Path
) -> None:
    test_id = uuid.uuid4().hex
    start_ms = int(time.time() * 1000) - 3600_000  # an hour ago: all within both TSDBs' windows
    pushers = start_agents(centre, tmp_path, test_id, start_ms)
    progress = lambda: sum(p.sent() for p in pushers)  # noqa: E731
    wait_until(lambda: progress() >= len(AGENTS) * CYCLES // 3, 120, "a third sent")
    centre.relay.arm()
    wait_until(lambda: centre.relay.held >= 1, 60, "a write in both TSDBs, unanswered")
    centre.replicas.kill(0)
    centre.relay.release()
    check_failover(centre.proxy)
    wait_until(lambda: progress() >= len(AGENTS) * CYCLES * 2 // 3, 120, "two thirds sent")
    centre.replicas.restart(1)
    for pusher in pushers:
        pusher.join()
    expected = {f"{site}/{n}": CYCLES for site in AGENTS for n in range(SERIES)}
    for server in (centre.prometheus, centre.victoriametrics):
        wait_for_samples(server, test_id, len(AGENTS) * SERIES * CYCLES)
        assert counts(server, test_id) == expected, type(server).__name__
    centre.replicas.replicas[0].spawn()  # back to three for any later test
    wait_until(centre.replicas.replicas[0].healthy, 60, "replica 0 again")


def test_a_write_resent_after_a_lost_answer_counts_once(
    centre: Centre, victoriametrics: VictoriaMetricsServer
) -> None:
    test_id = uuid.uuid4().hex
    body = one_sample(test_id, int(time.time() * 1000) - 60_000)
    token = centre.token("00007")
    # the first went through one replica to both TSDBs; its answer was lost, so the agent resends
    assert write(centre.proxy.url, token, body) == 204
    assert write(centre.proxy.url, token, body) == 204
    for server in (centre.prometheus, centre.victoriametrics):
        wait_for_samples(server, test_id, 1)
        assert counts(server, test_id) == {"x/0": 1}, type(server).__name__
    # why the centre's VictoriaMetrics needs -dedup.minScrapeInterval: without it, twice
    for _ in range(2):
        assert write(victoriametrics.url, "unused", body) == 204
    wait_for_samples(victoriametrics, test_id, 2)
    assert counts(victoriametrics, test_id) == {"x/0": 2}
