"""The throughput test end to end: the real agent (`ictinfra-agent run`) measuring a real
`ictinfra-collector serve` over TLS on loopback; a second agent of the same site inside the
collector's limit gets 429, records it, and keeps running."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.collector.conftest import CASES
from tests.peers.common import (
    agent_command,
    collector_command,
    free_port,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.tls import TlsFiles, make_tls_files

SIZE = 20 * 10**6
SITE = "00004"


@dataclass
class Collector:
    url: str
    tls: TlsFiles
    process: subprocess.Popen[bytes]
    log: Path

    def metric(self, line_start: str) -> float | None:
        text = httpx.get(f"{self.url}/metrics", verify=self.tls.context(), timeout=30).text
        return _value(text, line_start)


def _value(text: str, line_start: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def _healthy(url: str, tls: TlsFiles, process: subprocess.Popen[bytes], log: Path) -> bool:
    assert process.poll() is None, log.read_text()
    try:
        return httpx.get(f"{url}/healthz", verify=tls.context(), timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    root = tmp_path_factory.mktemp("speedtest-collector")
    tls = make_tls_files(root / "tls")
    port = free_port()
    config = root / "collector.yml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f"database_url: sqlite:///{root / 'collector.db'}\n"
        f"forward:\n  - url: http://127.0.0.1:{free_port()}/api/v1/write\n"  # no writes here
        f"tls_cert_file: {tls.cert_file}\ntls_key_file: {tls.key_file}\n"
        "speedtest: {max_bytes: 50MB, min_interval_per_site: 1h}\n"
        "log: {level: info}\n",
        encoding="utf-8",
    )
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(config))
    log = root / "collector.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            collector_command("serve", "--init"), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"https://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url, tls, process, log), 60, "collector")
        sites = str(CASES / "sites_good" / "pre2025.csv")
        subprocess.run(collector_command("sites", "import", sites), env=env, check=True,
                       capture_output=True, timeout=60)  # fmt: skip
        yield Collector(url, tls, process, log)
    finally:
        stop(process)


def _token(collector: Collector, path: Path) -> Path:
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(collector.log.with_name("collector.yml")))
    made = subprocess.run(collector_command("sites", "token", SITE), env=env, check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    path.write_text(made.stdout.strip().splitlines()[-1] + "\n", encoding="utf-8")
    return path


def _start_agent(collector: Collector, root: Path) -> tuple[subprocess.Popen[bytes], int]:
    root.mkdir()
    port = free_port()
    (root / "agent.yml").write_text(
        f"listen: 127.0.0.1:{port}\n"
        "log: {level: info, format: text}\n"
        "host: {enabled: false}\n"
        "bandwidth:\n  enabled: true\n  interval: 1s\n  warmup: 0s\n  interfaces: [lo]\n"
        "  interfaces_exclude: []\n  speedtest:\n    enabled: true\n"
        f"    url: {collector.url}/api/v1/speedtest\n"
        f"    token_file: {_token(collector, root / 'token')}\n"
        f"    ca_file: {collector.tls.ca_file}\n"
        f"    bytes: {SIZE}\n    min_interval: 6h\n    timeout: 120s\n"
        f"    state_file: {root / 'state' / 'speedtest.json'}\n",
        encoding="utf-8",
    )
    with (root / "agent.log").open("wb") as log:
        process = subprocess.Popen(
            agent_command("run", "--config", str(root / "agent.yml")),
            env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process, port


def _agent_metric(process: subprocess.Popen[bytes], port: int, name: str) -> float | None:
    assert process.poll() is None, "the agent exited"
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
    return _value(text, name)


def test_agent_measures_the_collector_then_a_second_agent_gets_429(
    collector: Collector, tmp_path: Path
) -> None:
    first, first_port = _start_agent(collector, tmp_path / "first")
    second = None
    try:
        wait_until(
            lambda: _agent_metric(first, first_port, "ictinfra_bandwidth_test_success") is not None,
            120, "the first agent's speed test",
        )  # fmt: skip
        assert _agent_metric(first, first_port, "ictinfra_bandwidth_test_success") == 1
        rate = _agent_metric(first, first_port, "ictinfra_bandwidth_test_download_bytes_per_second")
        assert rate is not None and rate > 0
        assert _agent_metric(first, first_port, "ictinfra_bandwidth_test_bytes") == SIZE

        # same site, its own state file (a replacement machine): the agent's limit allows it,
        # the collector's does not
        second, second_port = _start_agent(collector, tmp_path / "second")
        wait_until(
            lambda: _agent_metric(second, second_port, "ictinfra_bandwidth_test_success")
            is not None,
            120, "the second agent's speed test",
        )  # fmt: skip
        assert _agent_metric(second, second_port, "ictinfra_bandwidth_test_success") == 0
        assert _agent_metric(second, second_port, "ictinfra_bandwidth_test_bytes") is None
        log = (tmp_path / "second" / "agent.log").read_text()
        assert "speed test endpoint answered 429 (Retry-After: " in log
        assert second.poll() is None and first.poll() is None
    finally:
        for process in (second, first):
            if process is not None:
                stop(process)

    site = f'{{site="{SITE}"}}'
    assert collector.metric(f"ictinfra_collector_speedtests_total{site}") == 1
    assert collector.metric(f"ictinfra_collector_speedtest_bytes_sent_total{site}") == SIZE
    too_soon = 'ictinfra_collector_rejections_total{endpoint="speedtest",reason="too_soon"}'
    assert collector.metric(too_soon) == 1
    logs = collector.log.read_text() + log
    for agent in ("first", "second"):
        assert (tmp_path / agent / "token").read_text().strip() not in logs
    print(f"\nagent-measured loopback TLS throughput: {rate / 1e6:.0f} MB/s")
