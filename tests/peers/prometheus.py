"""A real Prometheus 2.42 (Debian) with the remote-write receiver, for any test that needs a TSDB.

`prometheus` is one server for the whole session. Tests that share it use labels of their own
(a unique `test` or `site` label) so they never see each other's series. `start_prometheus()`
starts a private one (e.g. to stop it for an outage test); `stop()`/`start()` keep port and data.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.peers.common import free_port, require_binary, stop, wait_until

#: Samples this much older than the newest one are still accepted (a day's agent backlog and more).
DEFAULT_OOO_WINDOW = "2d"


class PrometheusServer:
    """One Prometheus process: `url`, `write_url`, `query(promql)` and `series(match)`."""

    def __init__(self, data_dir: Path, ooo_window: str = DEFAULT_OOO_WINDOW) -> None:
        self.binary = require_binary("prometheus")
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_url = f"{self.url}/api/v1/write"
        self.config_file = data_dir / "prometheus.yml"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            "global:\n  scrape_interval: 15s\n"
            f"storage:\n  tsdb:\n    out_of_order_time_window: {ooo_window}\n"
            "scrape_configs: []\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = (self.data_dir / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.config_file}",
                f"--storage.tsdb.path={self.data_dir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-remote-write-receiver",
                "--web.enable-admin-api",
                "--storage.tsdb.retention.time=3650d",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        wait_until(self.ready, 60, f"prometheus on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"prometheus exited: see {self.data_dir / 'prometheus.log'}")
        try:
            return self.client.get("/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _api(self, path: str, params: dict[str, Any]) -> Any:
        answer = self.client.get(path, params=params)
        answer.raise_for_status()
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query -> the `result` list ({"metric": {...}, "value": [t, "v"]} each)."""
        params: dict[str, Any] = {"query": promql}
        if at is not None:
            params["time"] = at
        result: list[dict[str, Any]] = self._api("/api/v1/query", params)["result"]
        return result

    def query_range(
        self, promql: str, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        params = {"query": promql, "start": start, "end": end, "step": step}
        result: list[dict[str, Any]] = self._api("/api/v1/query_range", params)["result"]
        return result

    def series(
        self, match: str, start: float = 0, end: float | None = None
    ) -> list[dict[str, str]]:
        """Every series matching `match` in [start, end] (default: all time)."""
        params: dict[str, Any] = {"match[]": match, "start": start}
        if end is not None:
            params["end"] = end
        found: list[dict[str, str]] = self._api("/api/v1/series", params)
        return found

    def samples(
        self, selector: str, start: float | None = None, end: float | None = None
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every raw sample of `selector` in [start, end] (seconds; default the last 400 days
        up to an hour from now), exactly as stored: (labels, [(time, value), ...]) per series."""
        end = time.time() + 3600 if end is None else end
        start = end - 400 * 86400 if start is None else start
        result = self.query(f"{selector}[{max(1, int(end - start))}s]", at=end)
        return [
            (item["metric"], [(float(t), float(v)) for t, v in item["values"]]) for item in result
        ]

    def close(self) -> None:
        self.stop()
        self.client.close()


def start_prometheus(data_dir: Path, ooo_window: str = DEFAULT_OOO_WINDOW) -> PrometheusServer:
    server = PrometheusServer(data_dir, ooo_window)
    server.start()
    return server


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"))
    yield server
    server.close()
