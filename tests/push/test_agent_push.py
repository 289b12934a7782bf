"""The real agent (`ictinfra-agent run`, host collector) pushing to a real Prometheus: the
receiver down, the agent killed with SIGKILL while it holds a backlog, both back: every sample
the queue held is in Prometheus with its original timestamp and value."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import httpx
import pytest

from agent.push.queue import PushQueue
from tests.peers.common import agent_command, free_port, wait_until
from tests.peers.prometheus import start_prometheus
from tests.push.process import LineProcess
from tests.push.queued import queued_points, stored_points

pytestmark = pytest.mark.peer


def agent_config(tmp_path: Path, url: str, port: int, token: str = "agent-token") -> Path:
    (tmp_path / "token").write_text(token + "\n")
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        "log:\n  level: info\n"
        "host:\n  enabled: true\n  interval: 1s\n"
        "push:\n"
        f"  url: {url}\n"
        f"  token_file: {tmp_path / 'token'}\n"
        f"  queue_path: {tmp_path / 'queue'}\n"
        "  interval: 500ms\n"
        "  backoff_min: 200ms\n"
        "  backoff_max: 1s\n"
    )
    return config


def queued_batches(directory: Path) -> int:
    if not (directory / "push.sqlite3").exists():
        return 0
    queue = PushQueue(directory, max_bytes=2**40)
    try:
        return queue.stats().batches
    finally:
        queue.close()


def test_real_agent_outage_and_kill_9_lose_nothing(tmp_path: Path) -> None:
    prometheus = start_prometheus(tmp_path / "prometheus")
    try:
        prometheus.stop()
        port = free_port()
        config = agent_config(tmp_path, prometheus.url, port)
        agent = LineProcess(agent_command("run", "--config", str(config)), tmp_path / "a.log")
        wait_until(lambda: queued_batches(tmp_path / "queue") >= 8, 60, "8 queued host runs")
        agent.kill()  # SIGKILL with a backlog and a sender retrying against a dead receiver
        backlog = queued_points(tmp_path / "queue")
        assert len(backlog) > 100

        prometheus.start()
        agent = LineProcess(agent_command("run", "--config", str(config)), tmp_path / "b.log")
        wait_until(lambda: queued_batches(tmp_path / "queue") == 0, 60, "the backlog drained")
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert "ictinfra_push_queue_batches " in metrics
        assert "ictinfra_push_last_success_timestamp_seconds " in metrics
        assert "agent-token" not in metrics
        agent.process.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0

        stored = stored_points(
            prometheus.samples(f'{{job="ictinfra-agent",instance="{socket.gethostname()}"}}')
        )
        missing = backlog - stored
        assert not missing, f"{len(missing)} of {len(backlog)} queued samples missing"
        names = {dict(labels)["__name__"] for labels, _, _ in backlog}
        assert {"node_cpu_seconds_total", "ictinfra_collector_success"} <= names
    finally:
        prometheus.close()
