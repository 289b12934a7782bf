"""A real HAProxy (Debian `haproxy`) in front of collector replicas, for tests and benchmarks.

proxy = start_haproxy([("127.0.0.1", 9581), ("127.0.0.1", 9582)], workdir)
proxy.url                       # http://127.0.0.1:PORT, what agents push to
proxy.wait_up(2)                # until 2 backends pass their health check
proxy.server_states()           # {"r0": "UP", "r1": "DOWN", ...} from the stats page
proxy.stop()

The config is the one deploy/compose/haproxy.cfg uses for remote_write: round robin, a health
check on the collector's `/readyz` (503 when its database is unreachable) every 2 s as there, and
a connection that fails (nothing was sent yet) retried on another replica (`retry-on
conn-failure`, `option redispatch`). A check may take 5 s to answer (`timeout check`): without
it HAProxy's check timeout is `inter`, and a replica busy on a loaded machine that answered late
was taken out of the rotation (docs/scale.md). A dead replica refuses the connection at once, so
it is still marked DOWN within ~3 s (`fastinter` after the first failed check). A request the
replica died on after it was sent is resent by HAProxy when it went over a kept-alive server
connection, else the sender gets 502 and resends from its durable queue. Either way the samples
may reach the TSDB twice: Prometheus keeps one of two identical samples; VictoriaMetrics needs
`-dedup.minScrapeInterval` (docs/collector.md).
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.peers.common import free_port, require_binary, stop, tcp_open, wait_until

BACKEND = "collectors"
HEALTH_PATH = "/readyz"


def haproxy_config(
    backends: Sequence[tuple[str, int]], port: int, stats_port: int, health_path: str = HEALTH_PATH
) -> str:
    """The HAProxy config text: frontend on 127.0.0.1:`port`, servers r0, r1, ... in order."""
    servers = "\n".join(
        f"    server r{index} {host}:{server_port} check"
        for index, (host, server_port) in enumerate(backends)
    )
    return f"""\
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-request 30s
    timeout queue 30s
    retries 3
    retry-on conn-failure
    option redispatch 1

frontend ingest
    bind 127.0.0.1:{port}
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option httpchk GET {health_path}
    http-check expect status 200
    timeout check 5s
    default-server inter 2s fastinter 500ms downinter 1s fall 2 rise 1
{servers}

frontend stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


@dataclass
class HAProxy:
    port: int
    stats_port: int
    config: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_states(self) -> dict[str, str]:
        """Each backend server's status as HAProxy sees it ("UP", "DOWN", "UP 1/2", ...)."""
        answer = httpx.get(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5)
        answer.raise_for_status()
        rows = csv.DictReader(io.StringIO(answer.text.removeprefix("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def alive(self) -> bool:
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-2000:]
        return True

    def up_count(self) -> int:
        self.alive()
        return sum(state == "UP" for state in self.server_states().values())

    def wait_up(self, count: int, timeout: float = 30) -> None:
        """Until at least `count` backends pass their health check."""
        wait_until(lambda: self.up_count() >= count, timeout, f"{count} backends up in haproxy")

    def stop(self) -> None:
        stop(self.process)


def start_haproxy(
    backends: Sequence[tuple[str, int]], workdir: Path, health_path: str = HEALTH_PATH
) -> HAProxy:
    """HAProxy in the foreground (`-db`) with its config and log in `workdir`; returns once its
    frontend accepts connections (backends may still be coming up: see `wait_up`)."""
    binary = require_binary("haproxy", "apt-get install haproxy")
    workdir.mkdir(parents=True, exist_ok=True)
    port, stats_port = free_port(), free_port()
    config = workdir / "haproxy.cfg"
    config.write_text(haproxy_config(backends, port, stats_port, health_path), encoding="utf-8")
    subprocess.run([binary, "-c", "-q", "-f", str(config)], check=True, timeout=30)
    log = workdir / "haproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    proxy = HAProxy(port, stats_port, config, process, log)
    try:
        wait_until(lambda: proxy.alive() and tcp_open(port), 30, "haproxy")
    except BaseException:
        proxy.stop()
        raise
    return proxy
