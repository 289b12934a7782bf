"""End to end with real processes: `ictinfra-agent run` -> `ictinfra-collector serve` (TLS, site
token) -> Prometheus 2.42. The agent's series arrive with the registry's site labels; with
Prometheus down behind the collector (503) and the agent killed with SIGKILL while holding the
backlog, every queued sample still arrives, with its original timestamp, once both are back."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.push.metrics import PushMetrics
from agent.push.queue import PushQueue
from agent.push.sender import Sender
from agent.push.transport import HttpTransport
from agent.wire.remote_write import build_write_request
from tests.peers.common import (
    agent_command,
    collector_command,
    free_port,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.prometheus import PrometheusServer, start_prometheus
from tests.peers.tls import TlsFiles, make_tls_files
from tests.push.process import LineProcess
from tests.push.queued import Point, queued_points, stored_points
from tests.push.test_agent_push import queued_batches

pytestmark = pytest.mark.peer

SITES = Path(__file__).parents[1] / "collector" / "cases" / "sites_good" / "pre2025.csv"
SITE_LABELS = {"site", "district", "province"}


class Collector:
    def __init__(self, root: Path, prometheus: PrometheusServer) -> None:
        self.tls: TlsFiles = make_tls_files(root / "tls")
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.config = root / "collector.yml"
        self.config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f"database_url: sqlite:///{root / 'collector.db'}\n"
            f"prometheus_url: {prometheus.url}\n"
            f"tls_cert_file: {self.tls.cert_file}\n"
            f"tls_key_file: {self.tls.key_file}\n"
            f"forward:\n  - url: {prometheus.write_url}\n    name: prometheus\n",
            encoding="utf-8",
        )
        self.log = root / "collector.log"
        self.env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(self.config))
        self.cli("sites", "import", "--init", str(SITES))
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                collector_command("serve"), env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until(self.healthy, 60, "collector")

    def cli(self, *args: str) -> str:
        done = subprocess.run(collector_command(*args), env=self.env, capture_output=True,
                              text=True, timeout=60, check=True)  # fmt: skip
        return done.stdout

    def healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            answer = httpx.get(f"{self.url}/healthz", verify=self.tls.context(), timeout=1)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", verify=self.tls.context(), timeout=10).text


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[PrometheusServer, Collector]]:
    prometheus = start_prometheus(tmp_path / "prometheus")
    collector = Collector(tmp_path, prometheus)
    yield prometheus, collector
    stop(collector.process)
    prometheus.close()


def agent_config(tmp_path: Path, collector: Collector, token: str) -> Path:
    (tmp_path / "token").write_text(token + "\n")
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{free_port()}\n"
        "host:\n  enabled: true\n  interval: 1s\n"
        "push:\n"
        f"  url: {collector.url}\n"
        f"  token_file: {tmp_path / 'token'}\n"
        f"  ca_file: {collector.tls.ca_file}\n"
        f"  queue_path: {tmp_path / 'queue'}\n"
        "  interval: 500ms\n  backoff_min: 200ms\n  backoff_max: 1s\n"
    )
    return config


def without_site(points: set[Point]) -> set[Point]:
    return {
        (frozenset(pair for pair in labels if pair[0] not in SITE_LABELS), ms, value)
        for labels, ms, value in points
    }


def test_agent_to_collector_to_prometheus_with_outage_and_kill_9(
    tmp_path: Path, stack: tuple[PrometheusServer, Collector]
) -> None:
    prometheus, collector = stack
    token = collector.cli("sites", "token", "00001").strip().splitlines()[-1]
    config = agent_config(tmp_path, collector, token)
    instance = socket.gethostname()
    selector = f'{{job="ictinfra-agent",instance="{instance}"}}'

    # Live: the agent's series arrive stamped with the token's site from the registry.
    agent = LineProcess(agent_command("run", "--config", str(config)), tmp_path / "a.log")
    boot = f'node_boot_time_seconds{{instance="{instance}"}}'
    wait_until(lambda: bool(prometheus.query(boot)), 60, "the agent's series in Prometheus")
    [series] = prometheus.query(boot)
    labels = series["metric"]
    assert (labels["site"], labels["district"], labels["province"]) == ("00001", "001", "01")
    for own in ("ictinfra_agent_build_info", "ictinfra_push_queue_batches"):  # the agent's health
        query = f'{own}{{instance="{instance}",site="00001"}}'
        wait_until(lambda q=query: bool(prometheus.query(q)), 60, f"{own} in Prometheus")
    wait_until(lambda: 'endpoint="inventory"' in collector.metrics(), 30, "inventory received")
    assert 'ictinfra_collector_http_requests_total{code="200",endpoint="inventory"}' in (
        collector.metrics()
    )

    # Outage: Prometheus behind the collector is down, the collector answers 503, the agent
    # queues; then the agent is killed with SIGKILL while it retries.
    prometheus.stop()
    wait_until(lambda: queued_batches(tmp_path / "queue") >= 6, 60, "a backlog in the queue")
    agent.kill()
    backlog = without_site(queued_points(tmp_path / "queue"))
    assert len(backlog) > 100

    prometheus.start()
    agent = LineProcess(agent_command("run", "--config", str(config)), tmp_path / "b.log")
    wait_until(lambda: queued_batches(tmp_path / "queue") == 0, 60, "the backlog drained")
    agent.process.send_signal(signal.SIGTERM)
    assert agent.wait(30) == 0

    stored_raw = prometheus.samples(selector)
    assert {labels["site"] for labels, _ in stored_raw} == {"00001"}
    missing = backlog - without_site(stored_points(stored_raw))
    assert not missing, f"{len(missing)} of {len(backlog)} queued samples missing"
    assert token not in (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "will retry" in (tmp_path / "a.log").read_text()


def test_a_batch_the_collector_refuses_is_dropped_logged_and_its_neighbours_delivered(
    tmp_path: Path, stack: tuple[PrometheusServer, Collector], caplog: pytest.LogCaptureFixture
) -> None:
    """A label longer than the collector's limit: 4xx for the merged request, bisected, only the
    bad cycle dropped (counted as rejected, logged with its series and the collector's reason)."""
    prometheus, collector = stack
    token = collector.cli("sites", "token", "00004").strip().splitlines()[-1]
    (tmp_path / "token").write_text(token)
    queue = PushQueue(tmp_path / "queue", max_bytes=2**30)
    run, now = uuid.uuid4().hex[:12], time.time()
    for i in range(6):
        ms = int((now - 600 + i * 15) * 1000)
        alias = "x" * 5000 if i == 3 else "uplink"  # over limits.max_label_value_length
        rows = [((("__name__", "push_reject_test"), ("ifAlias", alias), ("run", run)),
                 [(ms, float(i))])]  # fmt: skip
        queue.put(build_write_request(rows).SerializeToString(), 1, ms, ms)
    ca_file = str(collector.tls.ca_file)
    transport = HttpTransport(collector.url, str(tmp_path / "token"), 30, ca_file)
    metrics = PushMetrics()
    sender = Sender(queue, transport, metrics, interval=15, max_request_bytes=2**20,
                    max_sample_age=86400)  # fmt: skip
    with caplog.at_level(logging.ERROR):
        assert sender.pump()
    assert queue.stats().batches == 0
    assert metrics.dropped["rejected"] == 1 and metrics.sent_samples == 5
    assert "push_reject_test" in caplog.text and "HTTP 400" in caplog.text
    assert token not in caplog.text
    [(labels, points)] = prometheus.samples(f'push_reject_test{{run="{run}"}}')
    assert [value for _, value in points] == [0.0, 1.0, 2.0, 4.0, 5.0]
    assert labels["site"] == "00004"
    transport.close()
    queue.close()
