"""A real `ictinfra-collector serve` process on loopback, for tests and benchmarks.

running = start_collector(tmp_dir, forward=[{"url": prometheus.write_url}], sites=CSV)
token = running.token("00001")
running.write(token, body)          # an httpx.Response
running.memory()                    # {"VmRSS": bytes, "VmHWM": bytes} from /proc/PID/status
running.stop()

process = serve(config, url, "--init", verify=ca)   # any config (HTTPS too), once /healthz answers
stop(process)                                        # tests.peers.common.stop
"""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from agent.wire.remote_write import WRITE_HEADERS
from tests.peers.common import collector_command, free_port, stop, subprocess_env, wait_until


@dataclass
class CollectorProcess:
    config: Path
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str) -> str:
        return run_cli(self.config, *args)

    def token(self, site: str) -> str:
        return self.cli("sites", "token", site).strip().splitlines()[-1]

    def write(
        self, token: str, body: bytes | Iterable[bytes], timeout: float = 60
    ) -> httpx.Response:
        headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
        return httpx.post(
            f"{self.url}/api/v1/write", content=body, headers=headers, timeout=timeout
        )

    def memory(self) -> dict[str, int]:
        """The process's resident set now and at its peak (VmRSS, VmHWM), in bytes."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) * 1024
        return fields

    def healthy(self) -> bool:
        return answers(self.process, self.log, self.url)

    def stop(self) -> None:
        stop(self.process)


def start_collector(
    root: Path,
    forward: list[dict[str, Any]],
    sites: Path,
    log_level: str = "warning",
    **settings: Any,
) -> CollectorProcess:
    """Import `sites`, then serve with `forward` receivers and any other config `settings`."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = root / "collector.yml"
    document = {
        "listen": f"127.0.0.1:{port}",
        "database_url": f"sqlite:///{root / 'collector.db'}",
        "forward": forward,
        "log": {"level": log_level},
        **settings,
    }
    config.write_text(json.dumps(document, indent=1), encoding="utf-8")  # JSON is YAML
    run_cli(config, "sites", "import", "--init", str(sites))
    log = root / "collector.log"
    url = f"http://127.0.0.1:{port}"
    return CollectorProcess(config, url, serve(config, url, log=log), log)


def serve(
    config: Path,
    url: str,
    *args: str,
    log: Path | None = None,
    verify: ssl.SSLContext | bool = True,
) -> subprocess.Popen[bytes]:
    """`serve ARGS --config CONFIG` serving at `url` (HTTPS verified with `verify`), returned once
    /healthz answers; its output in `log` (default collector.log beside CONFIG)."""
    log = log or config.with_name("collector.log")
    process = spawn_serve(config, log, *args)
    try:
        # Start-up imports the whole collector: seconds of CPU, far more on a loaded machine.
        wait_until(lambda: answers(process, log, url, verify=verify), 120, f"collector at {url}")
    except BaseException:
        stop(process)
        raise
    return process


def answers(
    process: subprocess.Popen[bytes],
    log: Path,
    url: str,
    path: str = "/healthz",
    verify: ssl.SSLContext | bool = True,
) -> bool:
    """Whether the serving `process` answers 200 at `url` + `path`; its log's end if it died."""
    assert process.poll() is None, log.read_text(errors="replace")[-4000:]
    try:
        return httpx.get(f"{url}{path}", verify=verify, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def spawn_serve(config: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`ictinfra-collector serve ARGS --config CONFIG`, stdout and stderr to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            collector_command("serve", *args, "--config", str(config)),
            env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def run_cli(config: Path, *args: str) -> str:
    """`ictinfra-collector ARGS --config CONFIG`; its stdout (a failure raises)."""
    return subprocess.run(
        collector_command(*args, "--config", str(config)),
        env=subprocess_env(), check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
