"""The shipped deploy/prometheus/prometheus.yml against the agent's backlog: samples within the
out-of-order window are accepted; beyond it Prometheus answers 500 "too old sample", which the
sender treats as permanent (dropped, counted, never retried), resending the good batches that
shared the request."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from agent.push.metrics import PushMetrics
from agent.push.queue import PushQueue
from agent.push.sender import Sender
from agent.push.transport import HttpTransport
from agent.wire.remote_write import build_write_request
from tests.peers.common import REPO, require_binary
from tests.peers.prometheus import PrometheusServer

pytestmark = pytest.mark.peer

SHIPPED = REPO / "deploy" / "prometheus" / "prometheus.yml"
DAY = 86400


def test_promtool_accepts_the_shipped_config() -> None:
    promtool = require_binary("promtool")
    command = [promtool, "check", "config", str(SHIPPED)]
    result = subprocess.run(command, check=False, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert "out_of_order_time_window: 3d" in SHIPPED.read_text()


def put(queue: PushQueue, run: str, seconds: float, series: int = 5) -> None:
    ms = int(seconds * 1000)
    rows = [
        ((("__name__", "push_window_test"), ("idx", str(i)), ("run", run)), [(ms, seconds)])
        for i in range(series)
    ]
    queue.put(build_write_request(rows).SerializeToString(), series, ms, ms)


def test_backlog_within_the_window_lands_beyond_it_is_dropped_not_retried(
    tmp_path: Path,
) -> None:
    prometheus = PrometheusServer(tmp_path / "prometheus")
    shutil.copy(SHIPPED, prometheus.config_file)
    prometheus.start()
    try:
        (tmp_path / "token").write_text("t")
        queue = PushQueue(tmp_path / "queue", max_bytes=2**30)
        transport = HttpTransport(prometheus.url, str(tmp_path / "token"), timeout=30)
        metrics = PushMetrics()
        sender = Sender(queue, transport, metrics, interval=15, max_request_bytes=2**20,
                        max_sample_age=7 * DAY)  # fmt: skip
        run, now = uuid.uuid4().hex[:12], time.time()
        for age in (3.5 * DAY, 2.9 * DAY, 1 * DAY, 3600):  # merged into one backlog request
            put(queue, run, now - age)
        put(queue, run, now - 1)  # the fresh lane: sent first, alone
        assert sender.pump()
        assert queue.stats().batches == 0
        assert metrics.dropped["too_old"] == 5 and metrics.dropped["rejected"] == 0
        assert metrics.retries == 0
        assert metrics.requests["rejected"] >= 2, "the merged request, then the bisected half"
        stored = prometheus.samples(f'push_window_test{{run="{run}"}}', start=now - 5 * DAY)
        times = sorted({round(t) for _, points in stored for t, _ in points})
        assert times == [round(now - age) for age in (2.9 * DAY, 1 * DAY, 3600, 1)]
        assert sum(len(points) for _, points in stored) == 4 * 5
        transport.close()
        queue.close()
    finally:
        prometheus.close()


def test_push_alert_rules_pass_promtool_unit_tests() -> None:
    promtool = require_binary("promtool")
    prometheus_dir = REPO / "deploy" / "prometheus"
    for args in (("check", "rules", "rules/push.yml"), ("test", "rules", "tests/push.yml")):
        result = subprocess.run([promtool, *args], cwd=prometheus_dir, capture_output=True,
                                text=True, check=False)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
