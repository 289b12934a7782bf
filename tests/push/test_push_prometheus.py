"""The push path against a real Prometheus 2.42: an outage of an hour of collection, kill -9 of
the pushing process mid-push; every sample arrives with its original timestamp, counted exactly."""

from __future__ import annotations

import random
import sys
import time
import uuid
from pathlib import Path

import pytest

from agent.push.queue import PushQueue
from tests.peers.prometheus import PrometheusServer, start_prometheus
from tests.push.process import LineProcess

pytestmark = pytest.mark.peer

STEP_MS = 15_000


def write_config(tmp_path: Path, url: str, **extra: str) -> Path:
    (tmp_path / "token").write_text("push-test-token\n")
    settings = {
        "url": url,
        "token_file": str(tmp_path / "token"),
        "queue_path": str(tmp_path / "queue"),
        "interval": "200ms",
        "backoff_min": "100ms",
        "backoff_max": "1s",
        **extra,
    }
    body = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    config = tmp_path / "agent.yaml"
    config.write_text(f"host:\n  enabled: false\npush:\n{body}")
    return config


def agent_like(tmp_path: Path, config: Path, *args: str | int) -> LineProcess:
    command = [sys.executable, "-m", "tests.push.agent_like", "--config", str(config)]
    return LineProcess([*command, *map(str, args)], tmp_path / "agent.log")


def count(prometheus: PrometheusServer, run: str) -> int:
    result = prometheus.query(f'sum(count_over_time(push_test_value{{run="{run}"}}[1d]))')
    return int(float(result[0]["value"][1])) if result else 0


def assert_every_sample(
    prometheus: PrometheusServer, run: str, series: int, cycles: int, start_ms: int
) -> None:
    """Exactly `cycles` samples in each of `series` series, at exactly the original timestamps,
    each with its cycle number as value."""
    assert count(prometheus, run) == series * cycles
    stored = prometheus.samples(f'push_test_value{{run="{run}"}}')
    assert len(stored) == series
    expected = [((start_ms + c * STEP_MS) / 1000, float(c)) for c in range(cycles)]
    for labels, points in stored:
        assert points == expected, f"series {labels}: timestamps or values differ"
        assert labels["job"] == "push-test"


def test_an_hour_of_outage_arrives_complete_with_original_timestamps(tmp_path: Path) -> None:
    prometheus = start_prometheus(tmp_path / "prometheus")
    try:
        prometheus.stop()  # the outage starts before the first cycle
        run, series, cycles = uuid.uuid4().hex[:12], 40, 240  # 240 cycles of 15 s = one hour
        start_ms = (int(time.time() * 1000) - cycles * STEP_MS) // 1000 * 1000
        config = write_config(tmp_path, prometheus.url)
        agent = agent_like(tmp_path, config, "--run", run, "--series", series, "--cycles",
                           cycles, "--start-ms", start_ms, "--pace", "0.005")  # fmt: skip
        agent.wait_for("all queued", timeout=120)
        time.sleep(1.0)  # a few failed sends and backoffs against the dead receiver
        assert agent.process.poll() is None
        prometheus.start()  # the link is back
        agent.wait_for("drained", timeout=120)
        agent.kill()
        assert_every_sample(prometheus, run, series, cycles, start_ms)
        assert "will retry" in agent.log_file.read_text()
    finally:
        prometheus.close()


def test_kill_9_mid_push_loses_nothing(tmp_path: Path, prometheus: PrometheusServer) -> None:
    """Four hours of queued collection are drained by a process killed with SIGKILL three
    times at random points of the drain (picked by how much Prometheus has received so far),
    restarted each time."""
    rng = random.Random()
    run, series, cycles = uuid.uuid4().hex[:12], 50, 1000
    total = series * cycles
    start_ms = (int(time.time() * 1000) - cycles * STEP_MS) // 1000 * 1000
    # Small requests (one cycle each) so the drain takes a thousand requests to kill into.
    config = write_config(tmp_path, prometheus.url, max_request_bytes="2KiB")
    args = ["--run", run, "--series", series, "--start-ms", start_ms]
    agent = agent_like(tmp_path, config, *args, "--cycles", cycles, "--send-after-queued")
    agent.wait_for("all queued", timeout=120)
    kill_points = sorted(rng.uniform(0.05, 0.8) * total for _ in range(3))
    for point in kill_points:
        deadline = time.monotonic() + 60
        while count(prometheus, run) < point and time.monotonic() < deadline:
            time.sleep(0.005)
        agent.kill()
        queue = PushQueue(tmp_path / "queue", max_bytes=2**40)
        left = queue.stats().samples
        queue.close()
        assert left > 0, "killed in the middle of the push"
        assert count(prometheus, run) < total
        agent = agent_like(tmp_path, config, *args, "--cycles", 0)
    agent.wait_for("drained", timeout=120)
    agent.kill()
    assert_every_sample(prometheus, run, series, cycles, start_ms)
