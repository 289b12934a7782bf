"""A real agent whose queue disk (a small tmpfs) fills and then frees, pushing through a real
collector to Prometheus: the agent keeps running, counts the collections it could not store, logs
the outage once, and resumes by itself; every sample it queued is in Prometheus."""

from __future__ import annotations

import errno
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.peers.common import agent_command, free_port, peer_unavailable, stop, wait_until
from tests.peers.prometheus import PrometheusServer, start_prometheus
from tests.push.process import LineProcess
from tests.push.queued import Point, queued_points, stored_points
from tests.push.test_agent_collector_e2e import Collector, without_site
from tests.push.test_agent_push import queued_batches

pytestmark = pytest.mark.peer
TMPFS_SIZE = "8m"
FULL = "cannot write the push queue"
WRITABLE = "can be written again"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "queue"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        peer_unavailable(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem has no space left."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as out:
        chunk = b"\0" * 65536
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                chunk = chunk[: len(chunk) // 2]
                if not chunk:
                    return filler


def self_metric(port: int, name: str) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    except httpx.ConnectError:
        return 0.0  # not listening yet
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


DISK_FULL = 'ictinfra_push_dropped_samples_total{reason="disk_full"}'
SENT = "ictinfra_push_sent_samples_total"


def agent_samples(prometheus: PrometheusServer) -> set[Point]:
    return without_site(stored_points(prometheus.samples('{job="ictinfra-agent"}')))


def test_a_full_queue_disk_drops_and_counts_then_pushing_resumes_by_itself(
    tmp_path: Path, small_disk: Path
) -> None:
    prometheus: PrometheusServer = start_prometheus(tmp_path / "prometheus")
    collector = Collector(tmp_path, prometheus)
    try:
        token = collector.cli("sites", "token", "00001").strip().splitlines()[-1]
        (tmp_path / "token").write_text(token + "\n")
        port = free_port()
        config = tmp_path / "agent.yaml"
        config.write_text(
            f"listen: 127.0.0.1:{port}\n"
            "host:\n  enabled: true\n  interval: 1s\n"
            f"push:\n  url: {collector.url}\n  token_file: {tmp_path / 'token'}\n"
            f"  ca_file: {collector.tls.ca_file}\n  queue_path: {small_disk}\n"
            "  interval: 500ms\n  backoff_min: 200ms\n  backoff_max: 1s\n"
        )
        log = tmp_path / "agent.log"
        agent = LineProcess(agent_command("run", "--config", str(config)), log)
        wait_until(lambda: self_metric(port, SENT) > 0, 60, "the agent pushing")

        # A backlog (Prometheus down: the collector answers 503), then the disk fills under it.
        prometheus.stop()
        wait_until(lambda: queued_batches(small_disk) >= 4, 60, "a backlog in the queue")
        filler = fill(small_disk)
        wait_until(lambda: self_metric(port, DISK_FULL) > 0, 60, "a collection dropped")
        backlog = without_site(queued_points(small_disk))
        held = queued_batches(small_disk)
        assert len(backlog) > 100

        # Prometheus back while the disk is still full: the backlog is sent (and cannot be
        # deleted from the queue), the agent keeps running and collecting (each cycle dropped).
        prometheus.start()
        wait_until(lambda: not backlog - agent_samples(prometheus), 60, "the backlog delivered")
        sent = self_metric(port, SENT)
        time.sleep(2)  # more cycles on the full disk: dropped, not logged again
        assert agent.process.poll() is None, log.read_text()
        assert queued_batches(small_disk) == held  # acknowledged, but the delete cannot be written
        assert self_metric(port, SENT) == sent  # ... and not sent again meanwhile
        dropped = self_metric(port, DISK_FULL)

        # Space returns: the queue is written again by itself and pushing resumes.
        filler.unlink()
        wait_until(lambda: WRITABLE in log.read_text(), 60, "the queue writable again")
        sent = self_metric(port, SENT)
        wait_until(lambda: self_metric(port, SENT) > sent + 100, 60, "pushing again")
        acknowledged = self_metric(port, SENT)
        stored = agent_samples(prometheus)
        agent.process.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0

        text = log.read_text()
        assert dropped > 0 and self_metric_text_ok(text)
        assert 1 <= text.count(FULL) == text.count(WRITABLE) <= 3, text  # per outage, not cycle
        assert not backlog - stored
        # every acknowledged sample is in Prometheus, none was sent twice (counted twice)
        assert len(stored) >= acknowledged, (len(stored), acknowledged)
    finally:
        stop(collector.process)
        prometheus.close()


def self_metric_text_ok(text: str) -> bool:
    """The agent ran through the outage without an unexpected error."""
    return "Traceback" not in text and "stopped with an error" not in text
