"""The throughput test against a loopback server that follows the collector's contract, and its
rate limit surviving a restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.collectors.bandwidth.collector import BandwidthCollector, add_speedtest
from agent.collectors.bandwidth.speedtest import PATH, SpeedTest, SpeedTestResult
from agent.config import AgentConfig
from agent.config.bandwidth import SpeedTestConfig
from agent.model import Collection
from agent.validation import validate

TOKEN = "site-token-123"
SIZE = 2_000_000


class Endpoint(BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared by the test on purpose

    def do_GET(self) -> None:
        Endpoint.requests.append(self.path)
        url = urlsplit(self.path)
        if url.path != PATH:
            self.send_error(404)
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_error(401)
            return
        size = int(parse_qs(url.query)["bytes"][0])
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = bytes(range(256)) * 256
        for start in range(0, size, len(block)):
            self.wfile.write(block[: min(len(block), size - start)])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def speedtest(base_url: str, state: Path, token: str = TOKEN) -> SpeedTest:
    config = SpeedTestConfig(enabled=True, bytes=SIZE, min_interval=3600, state_file=str(state))
    return SpeedTest(config, base_url + PATH, token)


async def run(test: SpeedTest, now: float) -> SpeedTestResult | None:
    test.poll(now)
    await test.wait()
    return test.ledger.load()


def test_runs_once_then_waits_even_across_a_restart(base_url: str, tmp_path: Path) -> None:
    state = tmp_path / "state" / "speedtest.json"
    Endpoint.requests.clear()
    result = asyncio.run(run(speedtest(base_url, state), now=1_000_000.0))
    assert result is not None and result.success and result.bytes == SIZE
    assert result.bytes_per_second and result.bytes_per_second > 0
    # a "restarted agent": a new instance, same state file, 10 minutes later
    again = asyncio.run(run(speedtest(base_url, state), now=1_000_600.0))
    assert again == result and len(Endpoint.requests) == 1
    # a clock set backwards does not count as "long ago"
    asyncio.run(run(speedtest(base_url, state), now=900_000.0))
    assert len(Endpoint.requests) == 1
    later = asyncio.run(run(speedtest(base_url, state), now=1_003_600.0))
    assert later is not None and later.started_at == 1_003_600.0 and len(Endpoint.requests) == 2


def test_failure_is_recorded_and_still_counts(base_url: str, tmp_path: Path) -> None:
    state = tmp_path / "speedtest.json"
    result = asyncio.run(run(speedtest(base_url, state, token="wrong"), now=5_000.0))
    assert result is not None and not result.success and "401" in (result.error or "")
    out = Collection()
    add_speedtest(out, result)
    names = {f.name: f.samples for f in out.families}
    assert names["ictinfra_bandwidth_test_success"] == [((), 0)]
    assert "ictinfra_bandwidth_test_download_bytes_per_second" not in names


def test_corrupt_state_stops_the_test_not_the_collector(base_url: str, tmp_path: Path) -> None:
    state = tmp_path / "speedtest.json"
    state.write_text("{not json")
    config = validate(AgentConfig, {
        "bandwidth": {"enabled": True, "warmup": 0, "speedtest": {
            "enabled": True, "url": base_url + PATH, "state_file": str(state)}},
    })  # fmt: skip
    Endpoint.requests.clear()
    collection = asyncio.run(BandwidthCollector(config).collect())
    assert collection.families and not Endpoint.requests


def test_speedtest_needs_somewhere_to_go() -> None:
    from agent.errors import ConfigError

    config = validate(AgentConfig, {"bandwidth": {"speedtest": {"enabled": True}}})
    with pytest.raises(ConfigError, match="needs `url` or a `push:` section"):
        BandwidthCollector(config)
