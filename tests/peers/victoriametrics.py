"""A real VictoriaMetrics (Debian) as a second remote-write receiver and PromQL backend.

Run with `-search.latencyOffset=0s -search.disableCache` so fresh samples are visible at once;
`flush()` calls /internal/force_flush before a query. `victoriametrics_dedup` runs with
`-dedup.minScrapeInterval=1ms`, as a centre behind collector replicas must (docs/collector.md):
a write resent after a replica died keeps one sample per series and timestamp.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.peers.common import free_port, require_binary, stop, wait_until


class VictoriaMetricsServer:
    def __init__(self, data_dir: Path, flags: Sequence[str] = ()) -> None:
        self.flags = list(flags)
        self.binary = require_binary("victoria-metrics")
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_url = f"{self.url}/api/v1/write"
        self.client = httpx.Client(base_url=self.url, timeout=30)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.data_dir / "victoria-metrics.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                f"-storageDataPath={self.data_dir / 'data'}",
                f"-httpListenAddr=127.0.0.1:{self.port}",
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-search.disableCache",
                "-loggerLevel=ERROR",
                *self.flags,
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        wait_until(self.ready, 60, f"victoria-metrics on port {self.port}")

    def ready(self) -> bool:
        try:
            return self.client.get("/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def flush(self) -> None:
        self.client.get("/internal/force_flush").raise_for_status()

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        self.flush()
        params: dict[str, Any] = {"query": promql, "time": time.time() if at is None else at}
        answer = self.client.get("/api/v1/query", params=params)
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result

    def export(self, match: str, expect: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        """Raw samples of the series matching `match` (/api/v1/export, JSON lines), waiting up
        to `timeout` for `expect` series: VictoriaMetrics indexes new series asynchronously."""
        deadline = time.monotonic() + timeout
        while True:
            self.flush()
            answer = self.client.get("/api/v1/export", params={"match[]": match})
            answer.raise_for_status()
            found = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
            if len(found) >= expect or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        self.client.close()


@pytest.fixture(scope="session")
def victoriametrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetricsServer]:
    server = VictoriaMetricsServer(tmp_path_factory.mktemp("victoriametrics"))
    server.start()
    yield server
    server.close()


#: the flag that makes a resent sample count once (same series, same millisecond)
DEDUP_FLAG = "-dedup.minScrapeInterval=1ms"


@pytest.fixture(scope="session")
def victoriametrics_dedup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[VictoriaMetricsServer]:
    server = VictoriaMetricsServer(tmp_path_factory.mktemp("victoriametrics-dedup"), [DEDUP_FLAG])
    server.start()
    yield server
    server.close()
